package policyengine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awsarn"
	"github.com/agentcorekms/agentcorekms/internal/sdkclient"
	"github.com/agentcorekms/agentcorekms/internal/typednil"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// ContextKey is the encryption-context key Policy in AgentCore sets to the
// policy engine's ARN in every KMS call, and that constrains both grants.
const ContextKey = agentcore.PolicyEngineContextKey

// Defaults of [Options].
const (
	// DefaultConcurrency is how many engines [Client.Audit] inspects at once.
	DefaultConcurrency = 8
	// DefaultWaitTimeout bounds [Client.WaitActive].
	DefaultWaitTimeout = 10 * time.Minute
	// DefaultWaitMinDelay and DefaultWaitMaxDelay are the waiter's delays
	// between polls, as the SDK's PolicyEngineActiveWaiter sets them.
	DefaultWaitMinDelay = 5 * time.Second
	DefaultWaitMaxDelay = 120 * time.Second
)

// KMS is the part of KMS a [Client] uses: what the [kmscheck] preflight
// needs, plus ListGrants and RevokeGrant for the grants. *kms.Client
// satisfies it.
type KMS interface {
	kmscheck.KMS
	ListGrantsAPIClient
	RevokeGrantAPIClient
}

var _ KMS = (*kms.Client)(nil)

// Options configures a [Client]. Per-call functional options change a copy.
type Options struct {
	// Region is the Region of the control plane, which decides the partition
	// keys must be in. If empty, the Region of the API client is used when it
	// is a *bedrockagentcorecontrol.Client; if that is empty too, any
	// partition is accepted.
	Region string
	// SkipPreflight turns off the kmscheck preflight Create runs before
	// CreatePolicyEngine. The zero value runs it.
	SkipPreflight bool
	// ProceedOnIncompletePreflight lets Create call CreatePolicyEngine when
	// the preflight failed no finding but could not check some (the caller
	// may not read the key policy, say). The zero value refuses with a
	// [*PreflightError] that unwraps to [kmscheck.ErrIncomplete]. It never
	// lets Create go ahead on a failed preflight, nor on one that got no
	// answer at all ([ErrNoPreflightAnswer]).
	ProceedOnIncompletePreflight bool
	// Principal is the ARN of the IAM role or user that calls AgentCore, for
	// which the preflight checks the key policy; an STS assumed-role session
	// ARN (as GetCallerIdentity returns) stands for its role. If empty, the
	// account root is assumed, which only key policies that delegate to IAM
	// satisfy.
	Principal string
	// Preflight are options for [kmscheck.Check].
	Preflight []func(*kmscheck.Options)
	// Wait makes Create wait until the engine is ACTIVE. The zero value
	// returns as soon as the engine is CREATING.
	Wait bool
	// WaitTimeout bounds WaitActive. If zero, DefaultWaitTimeout.
	WaitTimeout time.Duration
	// WaitMinDelay and WaitMaxDelay are the delays between polls. If zero,
	// DefaultWaitMinDelay and DefaultWaitMaxDelay.
	WaitMinDelay, WaitMaxDelay time.Duration
	// Concurrency is how many engines Audit inspects at once. If zero,
	// DefaultConcurrency.
	Concurrency int
	// Progress, if set, is called by Audit after each engine is inspected,
	// from one goroutine at a time.
	Progress func(AuditProgress)
	// Now returns the current time, for audit findings. If nil, time.Now.
	Now func() time.Time
}

// Client creates, inspects and audits policy engines encrypted with customer
// managed KMS keys. It is safe for concurrent use. Build it with [New]; the
// methods of a nil or zero Client return an [*InputError].
type Client struct {
	api  API
	kms  KMS
	opts Options
}

// New returns a Client using api for the AgentCore control plane and kms for
// the keys. Neither is called until a method needs it; a method that needs
// one that is nil returns an [*InputError].
func New(api API, kms KMS, optFns ...func(*Options)) *Client {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Region == "" {
		if c, ok := api.(interface {
			Options() bedrockagentcorecontrol.Options
		}); ok && !typednil.Is(api) {
			o.Region = c.Options().Region
		}
	}
	return &Client{api: api, kms: kms, opts: o}
}

// needs returns an [*InputError] when c, or a dependency the operation
// needs, is nil or a zero-value SDK client: a Client built without New, New
// given a nil client, or &kms.Client{} (which has no HTTP client and panics
// inside the SDK on its first call).
func (c *Client) needs(api, kms bool) error {
	switch {
	case c == nil:
		return &InputError{Field: "Client", Reason: "is nil; build it with New"}
	case api && typednil.Is(c.api):
		return &InputError{Field: "api", Reason: "is nil; give New a control-plane client such as *bedrockagentcorecontrol.Client"}
	case api && sdkclient.Unbuilt(c.api):
		return &InputError{Field: "api", Reason: "is a zero-value SDK client; build it with bedrockagentcorecontrol.NewFromConfig or New"}
	case kms && typednil.Is(c.kms):
		return &InputError{Field: "kms", Reason: "is nil; give New a KMS client such as *kms.Client"}
	case kms && sdkclient.Unbuilt(c.kms):
		return &InputError{Field: "kms", Reason: "is a zero-value SDK client; build it with kms.NewFromConfig or kms.New"}
	}
	return nil
}

func (c *Client) options(optFns []func(*Options)) Options {
	o := c.opts
	o.Preflight = slices.Clone(o.Preflight)
	for _, fn := range optFns {
		fn(&o)
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = DefaultWaitTimeout
	}
	if o.WaitMinDelay <= 0 {
		o.WaitMinDelay = DefaultWaitMinDelay
	}
	if o.WaitMaxDelay <= 0 {
		o.WaitMaxDelay = DefaultWaitMaxDelay
	}
	if o.WaitMaxDelay < o.WaitMinDelay {
		o.WaitMaxDelay = o.WaitMinDelay
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Engine is a policy engine as the control plane reports it.
type Engine struct {
	// ID is the engine's id: its name and a generated suffix.
	ID string
	// Name is the name given at creation.
	Name string
	// ARN is arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:policy-engine/ID,
	// the value of the encryption context (see [EncryptionContext]).
	ARN string
	// Description is empty in audits, which read summaries only.
	Description string
	// KeyARN is the customer managed key, or "" for an AWS owned key.
	KeyARN        string
	Status        types.PolicyEngineStatus
	StatusReasons []string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CreateInput describes a policy engine to create.
type CreateInput struct {
	// Name: 1-48 characters, a letter then letters, digits or underscores.
	// Required.
	Name string
	// Description: at most 4,096 characters. Optional.
	Description string
	// KeyARN is the ARN of the customer managed key (not an alias), in the
	// client's partition. Required.
	KeyARN string
	// Tags: at most 50, keys of 1-128 characters not starting with "aws:",
	// values of at most 256 characters.
	Tags map[string]string
	// ClientToken makes retries idempotent: 33-256 letters, digits and
	// hyphens. If empty, Create generates one and returns it.
	ClientToken string
}

// CreateOutput is the result of [Client.Create].
type CreateOutput struct {
	// Engine is the new policy engine: CREATING, or ACTIVE with
	// [Options.Wait].
	Engine *Engine
	// ClientToken is the token sent; pass it again to retry idempotently.
	ClientToken string
	// Preflight is the kmscheck report, unless the preflight was skipped.
	Preflight *kmscheck.Report
}

// Create validates in, runs the kmscheck preflight of the key for policy
// engines (unless [Options.SkipPreflight]) and calls CreatePolicyEngine.
//
// Bad input, including a nil or zero-value client, returns an
// [*InputError] before any call. A preflight that does not pass returns a
// [*PreflightError] without calling AgentCore: a failed finding unwraps to
// [ErrAccessDenied] or [ErrKeyNotUsable]; findings the preflight could not
// check (the caller may not read the key policy, say) unwrap to
// [kmscheck.ErrIncomplete] unless [Options.ProceedOnIncompletePreflight] is
// set; a preflight that got no answer at all unwraps to
// [ErrNoPreflightAnswer] whatever the options. The report is in the output
// either way. The service's documented KMS errors come back as a
// [*KeyError]; an answer without the engine's id, ARN or status as an
// [*IncompleteAnswerError]:
//
//	if errors.Is(err, policyengine.ErrAccessDenied) { /* fix the key policy */ }
//	var ae smithy.APIError; errors.As(err, &ae) // the SDK error
func (c *Client) Create(ctx context.Context, in CreateInput, optFns ...func(*Options)) (*CreateOutput, error) {
	if err := c.needs(true, false); err != nil {
		return nil, err
	}
	o := c.options(optFns)
	if err := c.needs(true, !o.SkipPreflight); err != nil {
		return nil, err
	}
	if err := validateCreate(in, o.Region); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &CreateOutput{ClientToken: in.ClientToken}
	if out.ClientToken == "" {
		out.ClientToken = newClientToken()
	}
	if !o.SkipPreflight {
		key, _ := validateKeyARN(in.KeyARN, o.Region) // validated above
		region := o.Region
		if region == "" {
			region = key.Region
		}
		// Key policies name the role of an assumed-role session (what
		// GetCallerIdentity returns), not the session.
		principal, _ := awsarn.SessionRole(o.Principal)
		rep, err := kmscheck.Check(ctx, c.kms, in.KeyARN, kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{
			Account: key.Account, Region: region, Partition: key.Partition, Principal: principal,
		}), o.Preflight...)
		out.Preflight = rep
		if err != nil {
			return out, fmt.Errorf("policyengine: preflight of key %s: %w", in.KeyARN, err)
		}
		if err := preflightVerdict(in.KeyARN, rep, o.ProceedOnIncompletePreflight); err != nil {
			return out, err
		}
	}
	params := &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name:             aws.String(in.Name),
		ClientToken:      aws.String(out.ClientToken),
		EncryptionKeyArn: aws.String(in.KeyARN),
	}
	if in.Description != "" {
		params.Description = aws.String(in.Description)
	}
	if len(in.Tags) > 0 {
		params.Tags = in.Tags
	}
	res, err := c.api.CreatePolicyEngine(ctx, params)
	if err != nil {
		return out, classify("CreatePolicyEngine", in.Name, in.KeyARN, err)
	}
	if err := answered("CreatePolicyEngine", in.Name, res.PolicyEngineId, res.PolicyEngineArn, res.Status); err != nil {
		return out, err
	}
	out.Engine = &Engine{
		ID: aws.ToString(res.PolicyEngineId), Name: aws.ToString(res.Name), ARN: aws.ToString(res.PolicyEngineArn),
		Description: aws.ToString(res.Description), KeyARN: aws.ToString(res.EncryptionKeyArn),
		Status: res.Status, StatusReasons: res.StatusReasons,
		CreatedAt: aws.ToTime(res.CreatedAt), UpdatedAt: aws.ToTime(res.UpdatedAt),
	}
	if o.Wait {
		e, err := c.wait(ctx, out.Engine.ID, o)
		if e != nil {
			out.Engine = e
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Validate checks in as Create does before any call, against the
// constraints of CreatePolicyEngine and the client's partition, and returns
// the first problem as an [*InputError]. It makes no call; a nil *Client
// validates with the options given.
func (c *Client) Validate(in CreateInput, optFns ...func(*Options)) error {
	if c == nil {
		c = &Client{}
	}
	return validateCreate(in, c.options(optFns).Region)
}

// WaitActive polls GetPolicyEngine with the SDK's PolicyEngineActiveWaiter
// until the engine is ACTIVE and returns it. A failed state returns a
// [*CreateFailedError] carrying the status reasons; running out of
// [Options.WaitTimeout] returns an error wrapping [ErrWaitTimeout]; a read
// that fails (the key became unusable, say) returns its mapped error.
func (c *Client) WaitActive(ctx context.Context, id string, optFns ...func(*Options)) (*Engine, error) {
	if err := c.needs(true, false); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, &InputError{Field: "ID", Value: id, Reason: "is required"}
	}
	return c.wait(ctx, id, c.options(optFns))
}

func (c *Client) wait(ctx context.Context, id string, o Options) (*Engine, error) {
	var (
		last  *Engine
		opErr error // the error of the last GetPolicyEngine, if it failed
	)
	w := bedrockagentcorecontrol.NewPolicyEngineActiveWaiter(c.api, func(wo *bedrockagentcorecontrol.PolicyEngineActiveWaiterOptions) {
		wo.MinDelay, wo.MaxDelay = o.WaitMinDelay, o.WaitMaxDelay
		wo.Retryable = func(ctx context.Context, in *bedrockagentcorecontrol.GetPolicyEngineInput, out *bedrockagentcorecontrol.GetPolicyEngineOutput, err error) (bool, error) {
			if err != nil {
				opErr = err
				return false, err
			}
			if err := answered("GetPolicyEngine", id, out.PolicyEngineId, out.PolicyEngineArn, out.Status); err != nil {
				return false, err
			}
			last = engineFromGet(out)
			switch out.Status {
			case types.PolicyEngineStatusActive:
				return false, nil
			case types.PolicyEngineStatusCreateFailed, types.PolicyEngineStatusUpdateFailed, types.PolicyEngineStatusDeleteFailed:
				return false, &CreateFailedError{Engine: last}
			}
			return true, nil
		}
	})
	out, err := w.WaitForOutput(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: aws.String(id)}, o.WaitTimeout)
	if err != nil {
		var (
			cf *CreateFailedError
			ia *IncompleteAnswerError
		)
		switch {
		case errors.As(err, &cf):
			return cf.Engine, err
		case errors.As(err, &ia):
			return last, fmt.Errorf("policyengine: waiting for %s to be ACTIVE: %w", id, err)
		case ctx.Err() != nil:
			return last, fmt.Errorf("policyengine: waiting for %s to be ACTIVE: %w", id, ctx.Err())
		}
		// A poll that failed, other than by running out of the wait's time,
		// is that failure (an API error, or the control plane unreachable).
		var ae interface{ ErrorCode() string }
		if errors.As(err, &ae) || (opErr != nil && !errors.Is(opErr, context.DeadlineExceeded)) {
			return last, classify("GetPolicyEngine", id, keyOf(last), err)
		}
		return last, fmt.Errorf("policyengine: waiting for %s after %v: %w", id, o.WaitTimeout, errors.Join(ErrWaitTimeout, err))
	}
	return engineFromGet(out), nil
}

func keyOf(e *Engine) string {
	if e == nil {
		return ""
	}
	return e.KeyARN
}

func engineFromGet(res *bedrockagentcorecontrol.GetPolicyEngineOutput) *Engine {
	return &Engine{
		ID: aws.ToString(res.PolicyEngineId), Name: aws.ToString(res.Name), ARN: aws.ToString(res.PolicyEngineArn),
		Description: aws.ToString(res.Description), KeyARN: aws.ToString(res.EncryptionKeyArn),
		Status: res.Status, StatusReasons: res.StatusReasons,
		CreatedAt: aws.ToTime(res.CreatedAt), UpdatedAt: aws.ToTime(res.UpdatedAt),
	}
}

// answered returns an [*IncompleteAnswerError] when an answer about an
// engine lacks its id, ARN or status, which every answer of the control
// plane about an engine carries (they are required members of the output).
// Without them there is no engine to wait on, list grants for or report.
func answered(op, resource string, id, arn *string, status types.PolicyEngineStatus) error {
	if e := agentcore.IncompleteResource(op, resource, "PolicyEngineId", "PolicyEngineArn", id, arn, status); e != nil {
		return fmt.Errorf("policyengine: %s %s: %w", op, resource, e)
	}
	return nil
}

// Get returns the policy engine with the given id, read with
// GetPolicyEngine. Reading an encrypted engine needs its key: when the key is
// unusable or the key policy denies the caller, Get returns a [*KeyError]
// (use [Client.Audit], which reads summaries, to see such engines). An
// unknown id returns an error wrapping [ErrNotFound].
func (c *Client) Get(ctx context.Context, id string) (*Engine, error) {
	if err := c.needs(true, false); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, &InputError{Field: "ID", Value: id, Reason: "is required"}
	}
	res, err := c.api.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: aws.String(id)})
	if err != nil {
		return nil, classify("GetPolicyEngine", id, "", err)
	}
	if err := answered("GetPolicyEngine", id, res.PolicyEngineId, res.PolicyEngineArn, res.Status); err != nil {
		return nil, err
	}
	return engineFromGet(res), nil
}

// DeleteOutput is the result of [Client.Delete].
type DeleteOutput struct {
	// Engine is the engine as DeletePolicyEngine returned it (DELETING).
	Engine *Engine
	// GrantsRetired reports whether, after the deletion, neither grant of
	// the engine is left on its key (always true for an engine without a
	// customer managed key).
	GrantsRetired bool
	// Remaining are the grants still on the key.
	Remaining GrantPair
	// GrantsErr is why the grants could not be listed, if they could not;
	// GrantsRetired is then false.
	GrantsErr error
}

// Delete deletes the policy engine with the given id, then lists the grants
// of its key and reports whether the service retired both. Deleting an
// encrypted engine needs its key, as reading does: when the key is unusable
// or the key policy denies the caller, Delete returns a [*KeyError] and
// nothing is deleted. An unknown id returns an error wrapping [ErrNotFound].
// A failure to list the grants afterwards is not an error of Delete: it is
// in [DeleteOutput.GrantsErr], classified as every KMS failure is
// (errors.Is(err, ErrAccessDenied) for a denial). An answer without the
// engine's id, ARN or status returns an [*IncompleteAnswerError] and no
// output: it shows nothing about the grants.
//
// Open point: DeletePolicyEngine's encryptionKeyArn is optional (absent for
// an engine with an AWS owned key), so an answer that leaves it out for an
// encrypted engine reads as an engine without grants to check.
func (c *Client) Delete(ctx context.Context, id string) (*DeleteOutput, error) {
	if err := c.needs(true, true); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, &InputError{Field: "ID", Value: id, Reason: "is required"}
	}
	res, err := c.api.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: aws.String(id)})
	if err != nil {
		return nil, classify("DeletePolicyEngine", id, "", err)
	}
	// An answer without the engine says nothing about its grants: it is
	// not "both grants retired".
	if err := answered("DeletePolicyEngine", id, res.PolicyEngineId, res.PolicyEngineArn, res.Status); err != nil {
		return nil, err
	}
	e := &Engine{
		ID: aws.ToString(res.PolicyEngineId), Name: aws.ToString(res.Name), ARN: aws.ToString(res.PolicyEngineArn),
		Description: aws.ToString(res.Description), KeyARN: aws.ToString(res.EncryptionKeyArn),
		Status: res.Status, StatusReasons: res.StatusReasons,
		CreatedAt: aws.ToTime(res.CreatedAt), UpdatedAt: aws.ToTime(res.UpdatedAt),
	}
	out := &DeleteOutput{Engine: e, GrantsRetired: true}
	if e.KeyARN == "" {
		return out, nil
	}
	pair, gerr := c.Grants(ctx, e.KeyARN, e.ARN)
	out.Remaining = pair
	if gerr != nil && !errors.Is(gerr, ErrGrantsInconsistent) {
		out.GrantsRetired, out.GrantsErr = false, gerr
		return out, nil
	}
	out.GrantsRetired = pair.State() == GrantsNone
	return out, nil
}

// EncryptionContext returns the encryption context Policy in AgentCore uses
// in every KMS call for the engine: {ContextKey: engineARN}.
func EncryptionContext(engineARN string) map[string]string {
	return map[string]string{ContextKey: engineARN}
}

// newClientToken returns a random 36-character token.
func newClientToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
