package kmscheck

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"golang.org/x/sync/errgroup"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/typednil"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Target is the feature a key is checked for, with its context. Set exactly
// one field; [PolicyEngine] and [BatchEvaluation] build one.
type Target struct {
	// PolicyEngine checks the key for encrypting Policy in AgentCore policy
	// engines: Region, Account, Principal (the role or user that creates
	// and calls engines), optional PolicyEngineARN and the SourceContext
	// variant.
	PolicyEngine *keypolicy.PolicyEngineParams
	// BatchEvaluation checks the key for encrypting AgentCore batch
	// evaluations: Region, Account, Principal (the role or user that starts
	// them) and optional BatchEvaluationARN.
	BatchEvaluation *keypolicy.BatchEvaluationParams
	// Consumer checks the key for any AgentCore resource of the keypolicy
	// consumer model, with its key restrictions; [ForConsumer] builds one.
	Consumer *ConsumerTarget
}

// PolicyEngine returns a Target for policy engines with parameters p.
func PolicyEngine(p keypolicy.PolicyEngineParams) Target { return Target{PolicyEngine: &p} }

// BatchEvaluation returns a Target for batch evaluations with parameters p.
func BatchEvaluation(p keypolicy.BatchEvaluationParams) Target {
	return Target{BatchEvaluation: &p}
}

// Feature returns keypolicy.FeaturePolicyEngine,
// keypolicy.FeatureBatchEvaluation or the consumer's name, or "" if t sets
// no field or more than one.
func (t Target) Feature() string {
	if f, ok := t.consumerFeature(); ok {
		return f
	}
	switch {
	case t.PolicyEngine != nil && t.BatchEvaluation == nil:
		return keypolicy.FeaturePolicyEngine
	case t.BatchEvaluation != nil && t.PolicyEngine == nil:
		return keypolicy.FeatureBatchEvaluation
	}
	return ""
}

func (t Target) region() string {
	if t.Consumer != nil {
		return t.Consumer.Params.Region
	}
	if t.PolicyEngine != nil {
		return t.PolicyEngine.Region
	}
	return t.BatchEvaluation.Region
}

func (t Target) account() string {
	if t.Consumer != nil {
		return t.Consumer.Params.Account
	}
	if t.PolicyEngine != nil {
		return t.PolicyEngine.Account
	}
	return t.BatchEvaluation.Account
}

func (t Target) requirements() ([]keypolicy.Requirement, error) {
	if t.Consumer != nil {
		return keypolicy.RequirementsFor(t.Consumer.Name, t.Consumer.Params)
	}
	if t.PolicyEngine != nil {
		return keypolicy.PolicyEngineRequirements(*t.PolicyEngine)
	}
	return keypolicy.BatchEvaluationRequirements(*t.BatchEvaluation)
}

// DefaultExpiryWarning is how long before imported key material expires
// [Check] starts to warn, if Options.ExpiryWarning is zero.
const DefaultExpiryWarning = 30 * 24 * time.Hour

// Options tunes [Check].
type Options struct {
	// SkipDryRun skips the GenerateDataKey dry run of batch evaluations.
	// The dry run runs as the KMS client's identity; skip it when that
	// identity is not the caller role (an admin or CI client checking for
	// the role), so that its finding does not speak for the wrong identity.
	SkipDryRun bool
	// ExpiryWarning is how long before imported key material expires the
	// key.material-expiry finding warns. If zero, DefaultExpiryWarning.
	ExpiryWarning time.Duration
	// Now returns the current time, for expiry dates. If nil, time.Now.
	Now func() time.Time
	// IAM, if set, resolves every key-policy finding that is allowed only
	// if IAM allows it with IAM's own evaluator, SimulatePrincipalPolicy:
	// one call per caller and request context, all concurrent, after the
	// KMS calls (see the package documentation). If nil, such findings
	// stay warnings.
	IAM SimulatePrincipalPolicyAPIClient
}

// Check checks that the key keyID (a key id, key ARN, alias name or alias
// ARN) will work for target, and returns a [Report] with one [Finding] per
// requirement. A problem with the key is a failed finding, never an error
// of Check: Check returns an error only for bad input (an [*InputError]:
// a malformed key reference, a nil or zero-value client, an invalid
// Target, or a client that panicked) or when ctx ends (then errors.Is(err,
// ctx.Err()) holds).
//
// keyID must be a key id (a UUID or an mrk- id), a key ARN, an alias name
// (alias/NAME, never alias/aws/...) or an alias ARN, in the partition of the
// client's Region (a *kms.Client's Options().Region) and of the target's
// Region; anything else is refused before any request is made.
//
// With a key id or key ARN, DescribeKey, GetKeyPolicy and (for batch
// evaluations) the GenerateDataKey dry run run concurrently: one round
// trip. With an alias, DescribeKey resolves it first: two. Check does not
// retry: the client's retryer does (the SDK's standard retryer retries
// throttling and 5xx errors). A call that still fails, or answers without
// the fields a finding needs, makes its findings unknown, never pass.
//
// # Which identity needs what
//
// Two identities are involved, and they may differ:
//
//   - the identity of client (the one running the preflight, such as a CI
//     or admin role) needs kms:DescribeKey and kms:GetKeyPolicy on the key;
//     for batch evaluations its kms:GenerateDataKey dry run is also the
//     dry-run finding, so give it the caller's credentials if that finding
//     must speak for the caller (or set Options.SkipDryRun);
//   - the principal in target (the caller role that creates policy engines
//     or starts batch evaluations) is the one the key-policy findings judge,
//     offline, whatever the client's identity.
//
// The documented policy-engine key policy lets the caller role use the key
// only through AgentCore (kms:ViaService), so that role usually cannot read
// the key itself: check with an admin client and name the role in target.
func Check(ctx context.Context, client KMS, keyID string, target Target, optFns ...func(*Options)) (*Report, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.ExpiryWarning == 0 {
		o.ExpiryWarning = DefaultExpiryWarning
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if typednil.Is(client) {
		return nil, &InputError{Field: "client", Reason: "is nil"}
	}
	clientRegion := ""
	if kc, ok := client.(*kms.Client); ok {
		opts := kc.Options()
		if opts.HTTPClient == nil {
			return nil, &InputError{Field: "client", Reason: "is a zero-value *kms.Client; build it with kms.NewFromConfig or kms.New"}
		}
		clientRegion = opts.Region
	}
	feature := target.Feature()
	if feature == "" {
		return nil, &InputError{Field: "target", Reason: "set exactly one of PolicyEngine, BatchEvaluation and Consumer"}
	}
	reqs, err := target.requirements()
	if err != nil {
		return nil, &InputError{Field: "target", Reason: "bad " + feature + " parameters", Err: err}
	}
	ref, err := parseKeyRef(keyID, clientRegion, target.region())
	if err != nil {
		return nil, err
	}
	if err := target.checkKeyRef(keyID); err != nil {
		return nil, err
	}
	canceled := func(err error) (*Report, error) {
		return nil, fmt.Errorf("kmscheck: checking key %q: %w", keyID, err)
	}
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}

	dryRun := target.dryRuns(reqs) && !o.SkipDryRun
	var (
		desc              *kms.DescribeKeyOutput
		pol               *kms.GetKeyPolicyOutput
		dry               *kms.GenerateDataKeyOutput
		descErr, polErr   error
		dryErr            error
		polCalled, dryRan bool
	)
	g, gctx := errgroup.WithContext(ctx)
	// run runs fn in the group; a panic in the client (a hand-made client
	// with nil fields, say) becomes an error of Check, not a crash of the
	// program.
	run := func(op string, fn func(context.Context)) {
		g.Go(func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = &InputError{Field: "client", Reason: fmt.Sprintf("panicked in %s: %v", op, p)}
				}
			}()
			fn(gctx)
			return nil
		})
	}
	start := func(id string) {
		polCalled = true
		run("GetKeyPolicy", func(ctx context.Context) {
			pol, polErr = client.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("default")})
		})
		if dryRun {
			dryRan = true
			ec := dryRunContext(reqs)
			run("GenerateDataKey", func(ctx context.Context) {
				dry, dryErr = client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
					KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256,
					EncryptionContext: ec, DryRun: aws.Bool(true),
				})
			})
		}
	}
	// The alias case starts the other calls from DescribeKey's goroutine,
	// once it has the key ARN; the group's Wait covers them too.
	resolve := ref.IsAlias()
	run("DescribeKey", func(ctx context.Context) {
		desc, descErr = client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
		if resolve && descErr == nil && desc != nil && desc.KeyMetadata != nil && aws.ToString(desc.KeyMetadata.Arn) != "" {
			start(aws.ToString(desc.KeyMetadata.Arn))
		}
	})
	if !resolve {
		start(keyID)
	}
	// Wait in another goroutine, so that a client that ignores its context
	// cannot hold Check past the end of ctx.
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		return canceled(ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}
	if dry != nil {
		clear(dry.Plaintext) // a fake that ignored DryRun
	}

	var md *types.KeyMetadata
	switch {
	case descErr != nil:
	case desc == nil || desc.KeyMetadata == nil:
		descErr = errNoAnswer("DescribeKey", "KeyMetadata")
	case aws.ToString(desc.KeyMetadata.Arn) == "":
		descErr = errNoAnswer("DescribeKey", "KeyMetadata.Arn")
	default:
		md = desc.KeyMetadata
	}
	b := builder{
		report: &Report{KeyID: keyID, Feature: feature, Metadata: md},
		target: target, opts: o, ref: ref,
	}
	if md != nil {
		b.report.KeyARN = aws.ToString(md.Arn)
	} else if ref.Form == agentcore.FormKeyARN {
		b.report.KeyARN = keyID
	}
	b.keyFindings(descErr)
	b.consumerFindings(md)
	b.policyFindings(reqs, md, descErr, pol, polErr, polCalled)
	if !typednil.Is(o.IAM) {
		if err := b.resolveIAM(ctx, o.IAM); err != nil {
			return canceled(err)
		}
	}
	b.unconfirmedFindings()
	if dryRun {
		b.dryRunFinding(dryErr, dryRan, descErr)
	}
	return b.report, nil
}

// dryRunContext is the encryption context of the caller's GenerateDataKey
// requirement.
func dryRunContext(reqs []keypolicy.Requirement) map[string]string {
	const prefix = "kms:EncryptionContext:"
	for _, r := range reqs {
		if r.Caller != keypolicy.CallerPrincipal || r.Action != "kms:GenerateDataKey" {
			continue
		}
		ec := map[string]string{}
		for k, v := range r.Request.Context {
			if name, ok := strings.CutPrefix(k, prefix); ok && len(v) > 0 {
				ec[name] = v[0]
			}
		}
		return ec
	}
	return nil
}

// parseKeyRef validates keyID with the module's one key-reference
// validator, in the partition of the client's Region (if known) and of the
// target's Region.
func parseKeyRef(keyID, clientRegion, targetRegion string) (agentcore.KeyRef, error) {
	const field = "keyID"
	ref, err := agentcore.ParseKeyRef(keyID, agentcore.KeyRefRules{Field: field, Region: clientRegion})
	if err != nil || targetRegion == "" || targetRegion == clientRegion {
		return ref, err
	}
	return agentcore.ParseKeyRef(keyID, agentcore.KeyRefRules{Field: field, Region: targetRegion})
}

// errNoAnswer is the cause of an unknown finding whose call succeeded but
// whose answer lacks the field the finding reads.
func errNoAnswer(op, field string) error {
	return &MissingFieldError{Operation: op, Field: field}
}

// MissingFieldError is the cause of an unknown finding whose KMS call
// returned no error but an answer without the field the finding needs
// (KMS always sets it, so the endpoint is not KMS or misbehaves).
//
// Error is safe on a nil *MissingFieldError.
type MissingFieldError struct {
	// Operation is the KMS operation, such as "DescribeKey".
	Operation string
	// Field is the missing field, such as "KeyMetadata.KeyState".
	Field string
}

// Error returns "kmscheck: OPERATION answered without FIELD".
func (e *MissingFieldError) Error() string {
	if e == nil {
		return "kmscheck: a KMS answer lacks a required field"
	}
	return "kmscheck: " + e.Operation + " answered without " + e.Field + "; the endpoint is not KMS or misbehaves"
}
