package fleet

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Defaults of [AssumeRoleOptions].
const (
	// DefaultSessionName is the role session name of every assumed role.
	DefaultSessionName = "agentcorekms-fleet-audit"
	// DefaultMaxAttempts is how many times the retryer of [NewRetryer]
	// tries a request.
	DefaultMaxAttempts = 10
	// DefaultMaxBackoff is the longest the retryer of [NewRetryer] waits
	// between two attempts.
	DefaultMaxBackoff = 5 * time.Second
	// DefaultIdleConnsPerHost is how many idle connections per endpoint
	// the HTTP client AssumeRole builds keeps open, when cfg has none.
	DefaultIdleConnsPerHost = 256
)

// AssumeRoleOptions configures [AssumeRole].
type AssumeRoleOptions struct {
	// SessionName is the role session name. If empty, DefaultSessionName.
	SessionName string
	// STS changes the options of the one STS client that assumes the
	// roles (built from the aws.Config given to AssumeRole), such as its
	// BaseEndpoint.
	STS []func(*sts.Options)
	// AssumeRole changes the options of each account's
	// stscreds.AssumeRoleProvider, such as Duration or ExternalID.
	AssumeRole []func(*stscreds.AssumeRoleOptions)
	// KMS, ControlPlane and DataPlane, if set, change the options of each
	// account and Region's clients, such as their BaseEndpoint.
	KMS          func(account Account, region string, o *kms.Options)
	ControlPlane func(account Account, region string, o *bedrockagentcorecontrol.Options)
	DataPlane    func(account Account, region string, o *bedrockagentcore.Options)
	// Retryer returns the retryer of every client. If nil, [NewRetryer]
	// with DefaultMaxAttempts and DefaultMaxBackoff.
	Retryer func() aws.Retryer
}

// NewRetryer returns the SDK's standard retry mode (aws/retry), trying each
// request up to maxAttempts times with exponential jittered backoff up to
// maxBackoff, and without the retry quota, so that a throttling storm is
// waited out rather than turned into errors. The audit's own client-side
// limiter ([Options.Quotas]) keeps the request rate under KMS's quotas; the
// SDK's adaptive mode is not used because, after a burst of throttling, its
// own rate estimate drops to a fraction of a request per second and
// recovers over minutes, far below the quota.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	return retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = maxAttempts
		so.MaxBackoff = maxBackoff
		so.Backoff = retry.NewExponentialJitterBackoff(maxBackoff)
		so.RateLimiter = ratelimit.None
	})
}

// AssumeRole returns a [ClientsFunc] that assumes each account's
// [Account.RoleARN] through STS AssumeRole, with the SDK's
// stscreds.AssumeRoleProvider behind an aws.CredentialsCache (one per
// account, shared by its Regions, refreshed before expiry), and builds one
// set of clients per account and Region from cfg with those credentials.
// cfg's own credentials are the ones that call STS. An account without a
// RoleARN uses cfg's credentials as they are.
//
// The returned function is safe for concurrent use.
func AssumeRole(cfg aws.Config, optFns ...func(*AssumeRoleOptions)) ClientsFunc {
	o := AssumeRoleOptions{SessionName: DefaultSessionName}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.SessionName == "" {
		o.SessionName = DefaultSessionName
	}
	if o.Retryer == nil {
		o.Retryer = func() aws.Retryer { return NewRetryer(DefaultMaxAttempts, DefaultMaxBackoff) }
	}
	if cfg.HTTPClient == nil {
		// The SDK's default keeps 10 idle connections per host; an audit
		// sends many more requests at once to each endpoint, and every
		// connection closed after use must be dialled again.
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = DefaultIdleConnsPerHost
		})
	}
	stsClient := sts.NewFromConfig(cfg, o.STS...)
	var (
		mu    sync.Mutex
		creds = map[string]aws.CredentialsProvider{}
	)
	credsFor := func(a Account) aws.CredentialsProvider {
		if a.RoleARN == "" {
			return cfg.Credentials
		}
		mu.Lock()
		defer mu.Unlock()
		p, ok := creds[a.RoleARN]
		if !ok {
			p = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, a.RoleARN,
				append([]func(*stscreds.AssumeRoleOptions){func(ao *stscreds.AssumeRoleOptions) { ao.RoleSessionName = o.SessionName }}, o.AssumeRole...)...))
			creds[a.RoleARN] = p
		}
		return p
	}
	return func(ctx context.Context, a Account, region string) (*Clients, error) {
		c := cfg.Copy()
		c.Region = region
		c.Credentials = credsFor(a)
		c.Retryer = o.Retryer
		if c.Credentials == nil {
			return nil, &InputError{Field: "cfg.Credentials", Reason: "is nil, so no role can be assumed and no request signed"}
		}
		// Assume the role now, so that a refusal is the scope's error
		// rather than every request's.
		if _, err := c.Credentials.Retrieve(ctx); err != nil {
			return nil, err
		}
		return &Clients{
			KMS: kms.NewFromConfig(c, func(ko *kms.Options) {
				if o.KMS != nil {
					o.KMS(a, region, ko)
				}
			}),
			ControlPlane: bedrockagentcorecontrol.NewFromConfig(c, func(co *bedrockagentcorecontrol.Options) {
				if o.ControlPlane != nil {
					o.ControlPlane(a, region, co)
				}
			}),
			DataPlane: bedrockagentcore.NewFromConfig(c, func(do *bedrockagentcore.Options) {
				if o.DataPlane != nil {
					o.DataPlane(a, region, do)
				}
			}),
		}, nil
	}
}
