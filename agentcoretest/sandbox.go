package agentcoretest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// Defaults of [Options].
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "111122223333"
)

// Options configures a [Sandbox]. Region, Account and Now are passed to
// every emulator, under the same names.
type Options struct {
	// Region is the sandbox's Region. If empty, DefaultRegion.
	Region string
	// Account is the account of the keys and of the roles. If empty,
	// DefaultAccount.
	Account string
	// Now is every emulator's clock. If nil, time.Now.
	Now func() time.Time
	// KMS, ControlPlane, DataPlane and S3 change the options of each
	// emulator after the sandbox has set Region, Account and Now.
	KMS          []func(*kmstest.Options)
	ControlPlane []func(*policyenginetest.Options)
	DataPlane    []func(*batchevaltest.Options)
	S3           []func(*batchevaltest.S3Options)
	// WrapHandler, if not nil, is given each emulator's handler and the
	// service it emulates (ServiceKMS, ...) and returns the handler the
	// sandbox serves instead, so a test can add behaviour at the HTTP
	// level only, such as network latency that the emulators' in-process
	// calls to KMS do not see.
	WrapHandler func(service string, h http.Handler) http.Handler
}

// The services of a sandbox, as [Options.WrapHandler] names them: the
// services' endpoint prefixes.
const (
	ServiceKMS          = "kms"
	ServiceControlPlane = "bedrock-agentcore-control"
	ServiceDataPlane    = "bedrock-agentcore"
	ServiceS3           = "s3"
)

// Emulators are the sandbox's emulators and the loopback URLs they serve.
type Emulators struct {
	KMS          *kmstest.KMS
	ControlPlane *policyenginetest.ControlPlane
	DataPlane    *batchevaltest.Emulator
	S3           *batchevaltest.S3

	KMSURL, ControlPlaneURL, DataPlaneURL, S3URL string
}

// Clients are the real AWS SDK clients of one IAM role, pointed at the
// sandbox, signing with an access key the emulators map to the role, with
// fast retries.
type Clients struct {
	// Principal is the role's ARN, such as
	// arn:aws:iam::111122223333:role/ExampleRole.
	Principal string
	// AccessKeyID is the access key the clients sign with.
	AccessKeyID string

	KMS          *kms.Client
	ControlPlane *bedrockagentcorecontrol.Client
	DataPlane    *bedrockagentcore.Client
	S3           *s3.Client
}

// Sandbox is a running sandbox: the emulators, and the SDK clients of the
// role it was started for (embedded, so sb.KMS is that role's KMS client).
// Close it when done. It is safe for concurrent use.
type Sandbox struct {
	Clients
	// Emulators are the in-memory services, for inspecting state (grants,
	// recorded requests) and injecting faults or latency.
	Emulators Emulators
	// Region and Account are the sandbox's.
	Region, Account string

	partition string
	servers   []*httptest.Server
	closeOnce sync.Once

	mu   sync.Mutex
	keys int // access keys handed out
}

// Start starts a sandbox and returns it with the SDK clients of role: an IAM
// role name, such as "ExampleRole" (arn:aws:iam::ACCOUNT:role/ExampleRole),
// or a full IAM principal ARN. It returns an *InputError for a role that is
// neither.
func Start(role string, optFns ...func(*Options)) (*Sandbox, error) {
	o := Options{Region: DefaultRegion, Account: DefaultAccount, Now: time.Now}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	part, ok := awspartition.ForRegion(o.Region)
	if !ok {
		return nil, &agentcore.InputError{Field: "Region", Value: o.Region, Reason: "is not an AWS Region this module knows"}
	}
	if !accountRE.MatchString(o.Account) {
		return nil, &agentcore.InputError{Field: "Account", Value: o.Account, Reason: "is not a 12-digit account"}
	}
	sb := &Sandbox{Region: o.Region, Account: o.Account, partition: part.ID}
	principal, err := sb.principal(role)
	if err != nil {
		return nil, err
	}

	k := kmstest.New(append([]func(*kmstest.Options){func(ko *kmstest.Options) {
		ko.Region, ko.Account, ko.Now = o.Region, o.Account, o.Now
	}}, o.KMS...)...)
	cp := policyenginetest.New(k, o.ControlPlane...)
	dp := batchevaltest.New(k, o.DataPlane...)
	st := batchevaltest.NewS3(k, o.S3...)
	e := Emulators{KMS: k, ControlPlane: cp, DataPlane: dp, S3: st}
	for _, srv := range []struct {
		url     *string
		service string
		h       http.Handler
	}{
		{&e.KMSURL, ServiceKMS, k}, {&e.ControlPlaneURL, ServiceControlPlane, cp},
		{&e.DataPlaneURL, ServiceDataPlane, dp}, {&e.S3URL, ServiceS3, st},
	} {
		h := srv.h
		if o.WrapHandler != nil {
			h = o.WrapHandler(srv.service, h)
		}
		s := httptest.NewServer(h)
		sb.servers = append(sb.servers, s)
		*srv.url = s.URL
	}
	sb.Emulators = e
	c, err := sb.clientsFor(principal)
	if err != nil {
		sb.Close()
		return nil, err
	}
	sb.Clients = *c
	return sb, nil
}

var (
	accountRE  = regexp.MustCompile(`^[0-9]{12}$`)
	roleNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// principal returns the ARN of role, a role name or an IAM principal ARN.
func (s *Sandbox) principal(role string) (string, error) {
	if strings.HasPrefix(role, "arn:") {
		if !strings.Contains(role, ":iam::") && !strings.Contains(role, ":sts::") {
			return "", &agentcore.InputError{Field: "role", Value: role, Reason: "is not an IAM or STS principal ARN"}
		}
		return role, nil
	}
	if !roleNameRE.MatchString(role) {
		return "", &agentcore.InputError{Field: "role", Value: role, Reason: `is neither a role name ([\w+=,.@-]{1,64}) nor an IAM principal ARN`}
	}
	return "arn:" + s.partition + ":iam::" + s.Account + ":role/" + role, nil
}

// As maps a new access key to role (a role name or an IAM principal ARN, as
// for [Start]) and returns the role's clients.
func (s *Sandbox) As(role string) (*Clients, error) {
	if s == nil {
		return nil, &agentcore.InputError{Field: "Sandbox", Reason: "is nil"}
	}
	principal, err := s.principal(role)
	if err != nil {
		return nil, err
	}
	return s.clientsFor(principal)
}

func (s *Sandbox) clientsFor(principal string) (*Clients, error) {
	s.mu.Lock()
	s.keys++
	ak := fmt.Sprintf("AKIASANDBOX%09d", s.keys)
	s.mu.Unlock()
	s.Emulators.KMS.MapAccessKey(ak, principal)
	region := s.Region
	return &Clients{
		Principal: principal, AccessKeyID: ak,
		KMS:          kmstest.NewSDKClient(s.Emulators.KMSURL, ak, func(o *kms.Options) { o.Region = region }),
		ControlPlane: policyenginetest.NewSDKClient(s.Emulators.ControlPlaneURL, ak, func(o *bedrockagentcorecontrol.Options) { o.Region = region }),
		DataPlane:    batchevaltest.NewSDKClient(s.Emulators.DataPlaneURL, ak, func(o *bedrockagentcore.Options) { o.Region = region }),
		S3:           batchevaltest.NewS3SDKClient(s.Emulators.S3URL, ak, func(o *s3.Options) { o.Region = region }),
	}, nil
}

// DocumentedKeyPolicy returns the key policy a sandbox key gets from
// [Sandbox.NewKey]: the default key policy (the account root may administer
// the key through IAM) merged with the documented statements for the
// sandbox's role, for policy engines and for batch evaluations.
func (s *Sandbox) DocumentedKeyPolicy() (string, error) {
	if s == nil {
		return "", &agentcore.InputError{Field: "Sandbox", Reason: "is nil"}
	}
	doc, err := keypolicy.DefaultKeyPolicy(s.Account, s.partition)
	if err != nil {
		return "", err
	}
	pe, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: s.Account, Region: s.Region, Principal: s.Principal})
	if err != nil {
		return "", err
	}
	be, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: s.Account, Region: s.Region, Principal: s.Principal})
	if err != nil {
		return "", err
	}
	for _, add := range []*keypolicy.Document{pe, be} {
		if doc, err = keypolicy.Merge(doc, add); err != nil {
			return "", err
		}
	}
	b, err := doc.JSON()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// NewKey creates a symmetric encryption key as the sandbox's role and
// returns its ARN. With an empty policy the key gets
// [Sandbox.DocumentedKeyPolicy]; otherwise policy, which KMS's lockout
// safety check must accept for the role.
func (s *Sandbox) NewKey(ctx context.Context, policy string) (string, error) {
	if s == nil {
		return "", &agentcore.InputError{Field: "Sandbox", Reason: "is nil"}
	}
	if policy == "" {
		p, err := s.DocumentedKeyPolicy()
		if err != nil {
			return "", err
		}
		policy = p
	}
	out, err := s.KMS.CreateKey(ctx, &kms.CreateKeyInput{
		Policy: aws.String(policy), Description: aws.String("agentcoretest sandbox key"),
	})
	if err != nil {
		return "", fmt.Errorf("creating a sandbox key: %w", err)
	}
	return aws.ToString(out.KeyMetadata.Arn), nil
}

// Close stops the sandbox's servers. It is safe to call more than once, and
// on a nil *Sandbox.
func (s *Sandbox) Close() {
	if s == nil {
		return
	}
	s.closeOnce.Do(func() {
		for _, srv := range s.servers {
			srv.Close()
		}
	})
}
