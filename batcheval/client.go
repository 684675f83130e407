package batcheval

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/sdkclient"
	"github.com/agentcorekms/agentcorekms/internal/typednil"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// EncryptionContextKey is the encryption-context key AgentCore Evaluations
// sets, in every KMS call, to the batch evaluation's ARN.
const EncryptionContextKey = agentcore.BatchEvaluationContextKey

// Documented limits of StartBatchEvaluation.
const (
	// MaxEvaluators is the most evaluators one batch evaluation takes.
	MaxEvaluators = agentcore.MaxEvaluators
	// MaxInsights is the most insights one batch evaluation takes.
	MaxInsights = 10
)

// Defaults of [Options].
const (
	DefaultWaitMinDelay = time.Second
	DefaultWaitMaxDelay = 20 * time.Second
)

// EncryptionContext returns the encryption context AgentCore uses for the
// batch evaluation evaluationARN:
// {"aws:bedrock-agentcore:batchEvaluationArn": evaluationARN}.
func EncryptionContext(evaluationARN string) map[string]string {
	return map[string]string{EncryptionContextKey: evaluationARN}
}

// Progress is what [Client.Wait] reports after each poll.
type Progress struct {
	// ID is the evaluation being waited for; Status is its status at this
	// poll.
	ID      string
	Status  types.BatchEvaluationStatus
	Attempt int           // 1 for the first poll
	Elapsed time.Duration // since Wait was called
	// Evaluation is the GetBatchEvaluation output of this poll.
	Evaluation *bedrockagentcore.GetBatchEvaluationOutput
}

// Options configures a [Client]. Per-call option functions change a copy.
type Options struct {
	// Region is the Region of the batch evaluations; the key must be in it.
	// If empty, the Region of the API client is used when it is a
	// *bedrockagentcore.Client (anything with an Options() method returning
	// bedrockagentcore.Options).
	Region string
	// Principal is the ARN of the IAM role or user that starts the
	// evaluations, for the preflight's key-policy analysis; an STS
	// assumed-role session ARN (as sts GetCallerIdentity returns) stands for
	// its role. Required unless SkipPreflight is set.
	Principal string
	// SkipPreflight turns off the KMS preflight of Start; the input is still
	// validated.
	SkipPreflight bool
	// ProceedOnIncompletePreflight lets Start call StartBatchEvaluation
	// when the preflight failed no finding but could not check some (the
	// caller may not read the key policy, say). The zero value refuses with
	// a [*PreflightError] that unwraps to [kmscheck.ErrIncomplete]. It never
	// lets Start go ahead on a failed preflight, nor on one that got no
	// answer at all ([ErrNoPreflightAnswer]).
	ProceedOnIncompletePreflight bool
	// Preflight are options for [kmscheck.Check].
	Preflight []func(*kmscheck.Options)
	// WaitMinDelay is the first delay between polls of Wait. If zero,
	// DefaultWaitMinDelay is used.
	WaitMinDelay time.Duration
	// WaitMaxDelay caps the doubling delay between polls. If zero,
	// DefaultWaitMaxDelay is used.
	WaitMaxDelay time.Duration
	// OnProgress, if set, is called by Wait after every poll.
	OnProgress func(Progress)
	// APIOptions are passed to every data-plane call.
	APIOptions []func(*bedrockagentcore.Options)
}

// Client starts and manages batch evaluations encrypted with a customer
// managed KMS key. It is safe for concurrent use. Build it with [New]; the
// methods of a nil or zero Client return an [*InputError].
type Client struct {
	api  API
	kms  kmscheck.KMS
	opts Options
}

// New returns a Client calling api (usually a *bedrockagentcore.Client) and
// keys (usually a *kms.Client) for the preflight and diagnoses. keys may be
// nil when every Start skips the preflight; Get then explains unreadable
// results without asking KMS.
func New(api API, keys kmscheck.KMS, optFns ...func(*Options)) *Client {
	c := &Client{api: api, kms: keys}
	if r, ok := api.(interface {
		Options() bedrockagentcore.Options
	}); ok && !typednil.Is(api) {
		c.opts.Region = r.Options().Region
	}
	for _, fn := range optFns {
		fn(&c.opts)
	}
	return c
}

func (c *Client) options(optFns []func(*Options)) Options {
	o := c.opts
	o.Preflight = slices.Clone(o.Preflight)
	o.APIOptions = slices.Clone(o.APIOptions)
	for _, fn := range optFns {
		fn(&o)
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
	return o
}

// Patterns and limits of the service model (AgentCore API reference).
var (
	nameRE        = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`)
	idRE          = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}$`)
	evaluatorIDRE = regexp.MustCompile(`^(Builtin\.[a-zA-Z0-9_-]+|[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10})$`)
	tokenRE       = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$`)
)

// MaxDescription is the longest description StartBatchEvaluation accepts.
const MaxDescription = 200

// Validate checks in as Start does before any call, against the constraints
// of the service model, and returns every problem at once (errors.Join of
// [*InputError]). It makes no call, and a nil *Client validates with the
// options given (so the key ARN needs an Options.Region).
func (c *Client) Validate(in *bedrockagentcore.StartBatchEvaluationInput, optFns ...func(*Options)) error {
	if c == nil {
		c = &Client{}
	}
	return validate(in, c.options(optFns).Region)
}

func validate(in *bedrockagentcore.StartBatchEvaluationInput, region string) error {
	if in == nil {
		return &InputError{Field: "input", Reason: "is nil"}
	}
	var errs []error
	bad := func(field, value, reason string) {
		errs = append(errs, &InputError{Field: field, Value: value, Reason: reason})
	}
	switch name := aws.ToString(in.BatchEvaluationName); {
	case name == "":
		bad("BatchEvaluationName", "", "is required")
	case !nameRE.MatchString(name):
		bad("BatchEvaluationName", name, "must start with a letter and have at most 48 letters, digits and underscores")
	}
	if n := utf8.RuneCountInString(aws.ToString(in.Description)); n > MaxDescription {
		bad("Description", "", fmt.Sprintf("has %d characters, more than %d", n, MaxDescription))
	}
	if in.ClientToken != nil {
		if t := *in.ClientToken; len(t) < 33 || len(t) > 256 || !tokenRE.MatchString(t) {
			bad("ClientToken", t, "must be 33 to 256 letters and digits, optionally separated by dashes")
		}
	}
	if n := len(in.Evaluators); n > MaxEvaluators {
		bad("Evaluators", fmt.Sprint(n), fmt.Sprintf("has more than %d evaluators", MaxEvaluators))
	}
	for i, e := range in.Evaluators {
		switch id := aws.ToString(e.EvaluatorId); {
		case id == "":
			bad(fmt.Sprintf("Evaluators[%d].EvaluatorId", i), "", "is required")
		case !evaluatorIDRE.MatchString(id):
			bad(fmt.Sprintf("Evaluators[%d].EvaluatorId", i), id, "is neither a built-in evaluator (Builtin.NAME) nor a custom evaluator id (NAME-XXXXXXXXXX)")
		}
	}
	if n := len(in.Insights); n > MaxInsights {
		bad("Insights", fmt.Sprint(n), fmt.Sprintf("has more than %d insights", MaxInsights))
	}
	for i, e := range in.Insights {
		if aws.ToString(e.InsightId) == "" {
			bad(fmt.Sprintf("Insights[%d].InsightId", i), "", "is required")
		}
	}
	switch ds := in.DataSourceConfig.(type) {
	case nil:
		bad("DataSourceConfig", "", "is required")
	case *types.DataSourceConfigMemberCloudWatchLogs:
		if ds == nil {
			bad("DataSourceConfig", "", "is required (a nil *DataSourceConfigMemberCloudWatchLogs)")
			break
		}
		if len(ds.Value.ServiceNames) == 0 {
			bad("DataSourceConfig.CloudWatchLogs.ServiceNames", "", "is required")
		}
		if len(ds.Value.LogGroupNames) == 0 && len(ds.Value.LogGroupNamePrefixes) == 0 {
			bad("DataSourceConfig.CloudWatchLogs", "", "needs LogGroupNames or LogGroupNamePrefixes")
		}
	case *types.DataSourceConfigMemberOnlineEvaluationConfigSource:
		if ds == nil {
			bad("DataSourceConfig", "", "is required (a nil *DataSourceConfigMemberOnlineEvaluationConfigSource)")
		}
	}
	// The optional unions too: the SDK's serializer dereferences a member
	// given as a typed nil pointer.
	if m, ok := in.OutputConfig.(*types.OutputConfigMemberCloudWatchConfig); ok && m == nil {
		bad("OutputConfig", "", "is a nil *OutputConfigMemberCloudWatchConfig; leave OutputConfig nil instead")
	}
	if m, ok := in.EvaluationMetadata.(*types.EvaluationMetadataMemberSessionMetadata); ok && m == nil {
		bad("EvaluationMetadata", "", "is a nil *EvaluationMetadataMemberSessionMetadata; leave EvaluationMetadata nil instead")
	}
	if err := validateKeyARN(aws.ToString(in.KmsKeyArn), region); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateKeyARN checks, with the module's one key-reference validator,
// that key is the ARN of a KMS key (not an alias, not a bare key id) in
// region: batch evaluations require the key in their own Region.
func validateKeyARN(key, region string) error {
	bad := func(reason string) error { return &InputError{Field: "KmsKeyArn", Value: key, Reason: reason} }
	switch {
	case key == "":
		return bad("is required: this client starts evaluations encrypted with a customer managed key")
	case strings.HasPrefix(key, "alias/"):
		return bad("is an alias name; give the key ARN (DescribeKey resolves an alias to it)")
	}
	if _, err := agentcore.ParseKeyRef(key, agentcore.KeyRefRules{Field: "KmsKeyArn", KeyARNOnly: true}); err != nil {
		return err
	}
	if region == "" {
		return bad("cannot be checked: the client has no Region; set Options.Region")
	}
	_, err := agentcore.ParseKeyRef(key, agentcore.KeyRefRules{Field: "KmsKeyArn", KeyARNOnly: true, Region: region, SameRegion: true})
	return err
}

// Start validates in, runs the KMS preflight for batch evaluations (unless
// Options.SkipPreflight), then calls StartBatchEvaluation.
//
// Invalid input, including a nil or zero-value client, returns errors
// unwrapping to [ErrInvalidInput] before any call. A key the preflight or
// the service finds unusable returns an error unwrapping to
// [ErrKeyNotUsable]; missing permissions to [ErrAccessDenied]. A preflight
// that could not check some findings returns a [*PreflightError] unwrapping
// to [kmscheck.ErrIncomplete], unless Options.ProceedOnIncompletePreflight;
// one that got no answer at all (every KMS call failed) unwraps to
// [ErrNoPreflightAnswer] whatever the options. An answer without the
// evaluation's id, ARN or status is an [*IncompleteAnswerError]. Service
// errors stay reachable with errors.As. Start does not modify in.
func (c *Client) Start(ctx context.Context, in *bedrockagentcore.StartBatchEvaluationInput, optFns ...func(*Options)) (*bedrockagentcore.StartBatchEvaluationOutput, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	o := c.options(optFns)
	if err := validate(in, o.Region); err != nil {
		return nil, err
	}
	key := aws.ToString(in.KmsKeyArn)
	if !o.SkipPreflight {
		if err := c.preflight(ctx, o, key); err != nil {
			return nil, err
		}
	}
	// The SDK writes a generated ClientToken into its input; a copy keeps
	// in reusable for another Start.
	cp := *in
	out, err := c.api.StartBatchEvaluation(ctx, &cp, o.APIOptions...)
	if err != nil {
		return nil, classify("starting batch evaluation", aws.ToString(in.BatchEvaluationName), key, err)
	}
	if err := answered("StartBatchEvaluation", aws.ToString(in.BatchEvaluationName), out.BatchEvaluationId, out.BatchEvaluationArn, out.Status); err != nil {
		return nil, err
	}
	return out, nil
}

// answered returns an [*IncompleteAnswerError] when an answer about a batch
// evaluation lacks its id, ARN or status, required members of every output
// about one: without them there is nothing to wait on, archive or report.
func answered(op, resource string, id, arn *string, status types.BatchEvaluationStatus) error {
	if e := agentcore.IncompleteResource(op, resource, "BatchEvaluationId", "BatchEvaluationArn", id, arn, status); e != nil {
		return fmt.Errorf("batcheval: %s %q: %w", op, resource, e)
	}
	return nil
}

// ready reports a client that cannot make calls: nil, built without New,
// or given a nil or zero-value data-plane client (&bedrockagentcore.Client{}
// panics inside the SDK on its first call).
func (c *Client) ready() error {
	switch {
	case c == nil || typednil.Is(c.api):
		return &InputError{Field: "api", Reason: "is nil; build the Client with New and a data-plane client"}
	case sdkclient.Unbuilt(c.api):
		return &InputError{Field: "api", Reason: "is a zero-value SDK client; build it with bedrockagentcore.NewFromConfig or New"}
	}
	return nil
}

func (c *Client) checkID(id string) error {
	if err := c.ready(); err != nil {
		return err
	}
	if id == "" {
		return &InputError{Field: "id", Reason: "is required"}
	}
	if !idRE.MatchString(id) {
		return &InputError{Field: "id", Value: id, Reason: "is not a batch evaluation id (NAME-XXXXXXXXXX)"}
	}
	return nil
}

// Get returns the batch evaluation id. Its metadata comes back whatever the
// state of its key. When the evaluation completed but its results cannot be
// read (the service returned no evaluationResults for an evaluation with a
// kmsKeyArn), Get returns the output and a [*ResultsUnavailableError] that
// says, from a DescribeKey with the caller's credentials, why and how to
// restore access:
//
//	out, err := c.Get(ctx, id)
//	if errors.Is(err, batcheval.ErrResultsUnavailable) {
//		fmt.Println(out.Status, err) // metadata is still there
//	}
func (c *Client) Get(ctx context.Context, id string, optFns ...func(*Options)) (*bedrockagentcore.GetBatchEvaluationOutput, error) {
	if err := c.checkID(id); err != nil {
		return nil, err
	}
	o := c.options(optFns)
	out, err := c.api.GetBatchEvaluation(ctx, &bedrockagentcore.GetBatchEvaluationInput{BatchEvaluationId: aws.String(id)}, o.APIOptions...)
	if err != nil {
		return nil, classify("getting batch evaluation", id, "", err)
	}
	if err := answered("GetBatchEvaluation", id, out.BatchEvaluationId, out.BatchEvaluationArn, out.Status); err != nil {
		return nil, err
	}
	if aws.ToString(out.KmsKeyArn) != "" && out.EvaluationResults == nil &&
		(out.Status == types.BatchEvaluationStatusCompleted || out.Status == types.BatchEvaluationStatusCompletedWithErrors) {
		return out, c.diagnose(ctx, out)
	}
	return out, nil
}

// diagnose explains why the results of out cannot be read.
func (c *Client) diagnose(ctx context.Context, out *bedrockagentcore.GetBatchEvaluationOutput) error {
	e := &ResultsUnavailableError{
		ID: aws.ToString(out.BatchEvaluationId), ARN: aws.ToString(out.BatchEvaluationArn),
		KeyARN: aws.ToString(out.KmsKeyArn), Status: out.Status, Details: out.ErrorDetails,
	}
	if typednil.Is(c.kms) || sdkclient.Unbuilt(c.kms) {
		e.Reason = "the service could not decrypt them with key " + e.KeyARN
		return e
	}
	d, err := c.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(e.KeyARN)})
	switch kind := agentcore.KindOf(err); {
	case err != nil && kind == agentcore.KindAccessDenied:
		e.Reason = "the caller may not even describe key " + e.KeyARN + ", so the key policy no longer grants the documented permissions"
		e.Cause = errors.Join(ErrAccessDenied, err)
	case err != nil && kind == agentcore.KindKeyNotFound:
		// AWS reports a key that no longer exists as access denied.
		e.Reason = "key " + e.KeyARN + " no longer exists"
		e.Cause = errors.Join(ErrAccessDenied, kmscheck.ErrKeyNotFound, err)
	case err != nil:
		e.Reason = "the service could not decrypt them with key " + e.KeyARN + ", and describing the key failed: " + err.Error()
		e.Cause = err
	case d.KeyMetadata == nil || d.KeyMetadata.KeyState == "":
		// No answer about the key: the reason is unknown, not the policy.
		ia := &IncompleteAnswerError{Op: "DescribeKey", Field: "KeyMetadata.KeyState", Resource: e.KeyARN}
		e.Reason = "the service could not decrypt them with key " + e.KeyARN + ", and describing the key told nothing: " + ia.Error()
		e.Cause = ia
	case d.KeyMetadata.KeyState != kmstypes.KeyStateEnabled:
		e.Reason = fmt.Sprintf("key %s is %s", e.KeyARN, d.KeyMetadata.KeyState)
		e.Cause = ErrKeyNotUsable
	default:
		e.Reason = "key " + e.KeyARN + " is enabled, so its key policy no longer lets the AgentCore service principal decrypt (statement " + keypolicy.SidBatchServicePrincipalAccess + ")"
		e.Cause = ErrAccessDenied
	}
	return e
}

// List returns every batch evaluation, following NextToken with the SDK's
// paginator. It makes no KMS call and works whatever the state of the keys.
// If a page fails, List returns the evaluations listed so far with the
// error.
func (c *Client) List(ctx context.Context, optFns ...func(*bedrockagentcore.ListBatchEvaluationsPaginatorOptions)) ([]types.BatchEvaluationSummary, error) {
	if err := c.ready(); err != nil {
		return nil, err
	}
	p := bedrockagentcore.NewListBatchEvaluationsPaginator(c.api, &bedrockagentcore.ListBatchEvaluationsInput{}, optFns...)
	var all []types.BatchEvaluationSummary
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, c.opts.APIOptions...)
		if err != nil {
			return all, classify("listing batch evaluations", "", "", err)
		}
		if page.BatchEvaluations == nil {
			return all, fmt.Errorf("listing batch evaluations: %w", &IncompleteAnswerError{Op: "ListBatchEvaluations", Field: "BatchEvaluations"})
		}
		for i, s := range page.BatchEvaluations {
			if err := answered("ListBatchEvaluations", "", s.BatchEvaluationId, s.BatchEvaluationArn, s.Status); err != nil {
				return all, fmt.Errorf("listing batch evaluations: %w", &IncompleteAnswerError{Op: "ListBatchEvaluations", Field: fmt.Sprintf("BatchEvaluations[%d]", i), Resource: aws.ToString(s.BatchEvaluationId)})
			}
		}
		all = append(all, page.BatchEvaluations...)
	}
	return all, nil
}

// Stop stops the batch evaluation id. It needs no KMS call, so it works
// whatever the state of the key. An unknown id returns an error wrapping
// [ErrNotFound].
func (c *Client) Stop(ctx context.Context, id string, optFns ...func(*Options)) (*bedrockagentcore.StopBatchEvaluationOutput, error) {
	if err := c.checkID(id); err != nil {
		return nil, err
	}
	out, err := c.api.StopBatchEvaluation(ctx, &bedrockagentcore.StopBatchEvaluationInput{BatchEvaluationId: aws.String(id)}, c.options(optFns).APIOptions...)
	if err != nil {
		return nil, classify("stopping batch evaluation", id, "", err)
	}
	if err := answered("StopBatchEvaluation", id, out.BatchEvaluationId, out.BatchEvaluationArn, out.Status); err != nil {
		return nil, err
	}
	return out, nil
}

// Delete deletes the batch evaluation id and its output. It needs no KMS
// call, so it works whatever the state of the key. An unknown id returns an
// error wrapping [ErrNotFound].
func (c *Client) Delete(ctx context.Context, id string, optFns ...func(*Options)) (*bedrockagentcore.DeleteBatchEvaluationOutput, error) {
	if err := c.checkID(id); err != nil {
		return nil, err
	}
	out, err := c.api.DeleteBatchEvaluation(ctx, &bedrockagentcore.DeleteBatchEvaluationInput{BatchEvaluationId: aws.String(id)}, c.options(optFns).APIOptions...)
	if err != nil {
		return nil, classify("deleting batch evaluation", id, "", err)
	}
	if err := answered("DeleteBatchEvaluation", id, out.BatchEvaluationId, out.BatchEvaluationArn, out.Status); err != nil {
		return nil, err
	}
	return out, nil
}

// Terminal reports whether status is one Wait stops at: COMPLETED,
// COMPLETED_WITH_ERRORS, FAILED or STOPPED.
func Terminal(status types.BatchEvaluationStatus) bool {
	switch status {
	case types.BatchEvaluationStatusCompleted, types.BatchEvaluationStatusCompletedWithErrors,
		types.BatchEvaluationStatusFailed, types.BatchEvaluationStatusStopped:
		return true
	}
	return false
}

// Wait polls the batch evaluation id until its status is terminal, doubling
// the delay between polls from WaitMinDelay up to WaitMaxDelay and calling
// OnProgress after each poll. Bound it with ctx.
//
// It returns the last output and: nil for COMPLETED, COMPLETED_WITH_ERRORS
// and STOPPED; a [*FailedError] for FAILED; a [*ResultsUnavailableError]
// when the results cannot be read; ctx's error, wrapped, on cancellation.
// Any other error of a poll ends the wait: the SDK's retryer has already
// retried throttling and server errors by then.
func (c *Client) Wait(ctx context.Context, id string, optFns ...func(*Options)) (*bedrockagentcore.GetBatchEvaluationOutput, error) {
	if err := c.checkID(id); err != nil {
		return nil, err
	}
	o := c.options(optFns)
	begin := time.Now()
	delay := o.WaitMinDelay
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for attempt := 1; ; attempt++ {
		out, err := c.Get(ctx, id, optFns...)
		if err != nil && !errors.Is(err, ErrResultsUnavailable) {
			if ctx.Err() != nil {
				return out, fmt.Errorf("waiting for batch evaluation %q: %w", id, ctx.Err())
			}
			return out, err
		}
		if o.OnProgress != nil {
			o.OnProgress(Progress{ID: id, Status: out.Status, Attempt: attempt, Elapsed: time.Since(begin), Evaluation: out})
		}
		if Terminal(out.Status) {
			if out.Status == types.BatchEvaluationStatusFailed {
				return out, &FailedError{ID: id, ARN: aws.ToString(out.BatchEvaluationArn), Details: out.ErrorDetails}
			}
			return out, err
		}
		if timer == nil {
			timer = time.NewTimer(delay)
		} else {
			timer.Reset(delay)
		}
		select {
		case <-ctx.Done():
			return out, fmt.Errorf("waiting for batch evaluation %q: %w", id, ctx.Err())
		case <-timer.C:
		}
		delay = min(2*delay, o.WaitMaxDelay)
	}
}
