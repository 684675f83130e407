package kmscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

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
	SkipDryRun bool
	// ExpiryWarning is how long before imported key material expires the
	// key.material-expiry finding warns. If zero, DefaultExpiryWarning.
	ExpiryWarning time.Duration
	// Now returns the current time, for expiry dates. If nil, time.Now.
	Now func() time.Time
}

type callResult[T any] struct {
	out T
	err error
}

func call[T any](ctx context.Context, fn func(context.Context) (T, error)) <-chan callResult[T] {
	ch := make(chan callResult[T], 1)
	go func() {
		out, err := fn(ctx)
		ch <- callResult[T]{out, err}
	}()
	return ch
}

func wait[T any](ctx context.Context, ch <-chan callResult[T]) (callResult[T], error) {
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return callResult[T]{}, ctx.Err()
	}
}

// Check checks that the key keyID (a key id, key ARN, alias name or alias
// ARN) will work for target, and returns a [Report] with one [Finding] per
// requirement. A problem with the key is a failed finding, never an error
// of Check: Check returns an error only for bad input (an [*InputError]) or
// when ctx ends (then errors.Is(err, ctx.Err()) holds).
//
// With a key id or key ARN, DescribeKey, GetKeyPolicy and (for batch
// evaluations) the GenerateDataKey dry run run concurrently: one round
// trip. With an alias, DescribeKey resolves it first: two. Check does not
// retry: the client's retryer does (the SDK's standard retryer retries
// throttling and 5xx errors). A call that still fails makes its findings
// unknown.
//
// The dry run and the reads are made with the client's credentials; give Check
// a client for the identity in the target (the caller principal), or the
// dry-run finding speaks for another identity.
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
	feature := target.Feature()
	if feature == "" {
		return nil, &InputError{Field: "target", Reason: "set exactly one of PolicyEngine, BatchEvaluation and Consumer"}
	}
	reqs, err := target.requirements()
	if err != nil {
		return nil, &InputError{Field: "target", Reason: "bad " + feature + " parameters", Err: err}
	}
	ref, err := parseKeyRef(keyID)
	if err != nil {
		return nil, err
	}
	if err := target.checkKeyRef(keyID); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kmscheck: checking key %q: %w", keyID, err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dryRun := target.dryRuns(reqs) && !o.SkipDryRun
	describe := call(ctx, func(ctx context.Context) (*kms.DescribeKeyOutput, error) {
		return client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	})
	var policyCh <-chan callResult[*kms.GetKeyPolicyOutput]
	var dryCh <-chan callResult[*kms.GenerateDataKeyOutput]
	start := func(id string) {
		policyCh = call(ctx, func(ctx context.Context) (*kms.GetKeyPolicyOutput, error) {
			return client.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("default")})
		})
		if dryRun {
			ec := dryRunContext(reqs)
			dryCh = call(ctx, func(ctx context.Context) (*kms.GenerateDataKeyOutput, error) {
				return client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
					KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256,
					EncryptionContext: ec, DryRun: aws.Bool(true),
				})
			})
		}
	}
	if !ref.alias {
		start(keyID)
	}
	canceled := func(err error) (*Report, error) {
		return nil, fmt.Errorf("kmscheck: checking key %q: %w", keyID, err)
	}
	desc, err := wait(ctx, describe)
	if err != nil {
		return canceled(err)
	}
	var md *types.KeyMetadata
	if desc.err == nil && desc.out != nil && desc.out.KeyMetadata != nil && desc.out.KeyMetadata.Arn != nil {
		md = desc.out.KeyMetadata
	} else if desc.err == nil {
		desc.err = errors.New("DescribeKey returned no key metadata")
	}
	if ref.alias && md != nil {
		start(*md.Arn)
	}
	var pol callResult[*kms.GetKeyPolicyOutput]
	var dry callResult[*kms.GenerateDataKeyOutput]
	if policyCh != nil {
		if pol, err = wait(ctx, policyCh); err != nil {
			return canceled(err)
		}
	}
	if dryCh != nil {
		if dry, err = wait(ctx, dryCh); err != nil {
			return canceled(err)
		}
		if dry.out != nil {
			clear(dry.out.Plaintext) // a fake that ignored DryRun
		}
	}
	if err := ctx.Err(); err != nil {
		return canceled(err)
	}

	b := builder{
		report: &Report{KeyID: keyID, Feature: feature, Metadata: md},
		target: target, opts: o, ref: ref,
	}
	if md != nil {
		b.report.KeyARN = *md.Arn
	} else if ref.arn != "" {
		b.report.KeyARN = ref.arn
	}
	b.keyFindings(desc.err)
	b.consumerFindings(md)
	b.policyFindings(reqs, md, desc.err, pol.out, pol.err, policyCh != nil)
	b.unconfirmedFindings()
	if dryRun {
		b.dryRunFinding(dry.err, dryCh != nil, desc.err)
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

type keyRef struct {
	alias bool
	arn   string // set when keyID is a key ARN
}

func parseKeyRef(keyID string) (keyRef, error) {
	bad := func(reason string) (keyRef, error) {
		return keyRef{}, &InputError{Field: "keyID", Reason: fmt.Sprintf("%q %s", keyID, reason)}
	}
	switch {
	case keyID == "":
		return bad("is empty: give a key id, key ARN, alias name or alias ARN")
	case len(keyID) > 2048:
		return bad("is longer than 2048 characters")
	case strings.TrimSpace(keyID) != keyID:
		return bad("has leading or trailing spaces")
	case strings.HasPrefix(keyID, "alias/"):
		return keyRef{alias: true}, nil
	case !strings.HasPrefix(keyID, "arn:"):
		if strings.ContainsAny(keyID, "/: ") {
			return bad("is not a key id, key ARN, alias name or alias ARN")
		}
		return keyRef{}, nil
	}
	a, err := arn.Parse(keyID)
	if err != nil || a.Service != "kms" {
		return bad("is not a KMS key or alias ARN")
	}
	switch {
	case strings.HasPrefix(a.Resource, "key/") && len(a.Resource) > len("key/"):
		return keyRef{arn: keyID}, nil
	case strings.HasPrefix(a.Resource, "alias/") && len(a.Resource) > len("alias/"):
		return keyRef{alias: true}, nil
	}
	return bad("is not a KMS key or alias ARN")
}

// errorCode returns the API error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// The error codes the findings tell apart by name. The first two are
// (&types.NotFoundException{}).ErrorCode() and
// (&types.DryRunOperationException{}).ErrorCode(), spelled out so that they
// can be constants; a test keeps them equal to the SDK's. KMS has no
// modelled type for AccessDeniedException.
const (
	codeNotFound     = "NotFoundException"
	codeDryRun       = "DryRunOperationException"
	codeAccessDenied = "AccessDeniedException"
)

// keyNotUsable reports whether code is an error KMS gives for a key it
// cannot use now.
func keyNotUsable(code string) bool {
	switch code {
	case (&types.DisabledException{}).ErrorCode(),
		(&types.KMSInvalidStateException{}).ErrorCode(),
		(&types.KeyUnavailableException{}).ErrorCode(),
		(&types.InvalidKeyUsageException{}).ErrorCode(),
		(&types.NotFoundException{}).ErrorCode(),
		(&types.IncorrectKeyException{}).ErrorCode(),
		(&types.UnsupportedOperationException{}).ErrorCode():
		return true
	}
	return false
}
