package batchevaltest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const (
	account   = "111122223333"
	role      = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
	accessKey = "AKIDBATCHEVAL"
)

type env struct {
	sb     *agentcoretest.Sandbox
	kms    *kmstest.KMS
	em     *batchevaltest.Emulator
	api    *bedrockagentcore.Client
	clock  *agentcoretest.Clock
	url    string
	keyARN string
	keyID  string
}

// newEnv starts a sandbox for role with one key whose policy is the
// documented batch-evaluation policy, edited by edit if set.
func newEnv(t *testing.T, edit func(*keypolicy.Document), optFns ...func(*batchevaltest.Options)) *env {
	t.Helper()
	clk := agentcoretest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	sb, err := agentcoretest.Start(role, func(o *agentcoretest.Options) {
		o.DataPlane = append([]func(*batchevaltest.Options){func(o *batchevaltest.Options) {
			o.Now = clk.Now
			o.PendingFor = time.Second
			o.RunFor = 10 * time.Second
			o.Sessions = 4
		}}, optFns...)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(doc)
	}
	policy, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	key, err := sb.NewKey(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	// The test's policy replaces the documented one as an administrator
	// outside the key policy would: it may leave the role out on purpose.
	if err := sb.Emulators.KMS.SetKeyPolicy(key, string(policy)); err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, kms: sb.Emulators.KMS, em: sb.Emulators.DataPlane, api: sb.DataPlane, clock: clk,
		url: sb.Emulators.DataPlaneURL, keyARN: key, keyID: key[strings.LastIndex(key, "/")+1:]}
}

// signedPost posts body to url with an Authorization header naming
// accessKey, as a SigV4-signed request would (the emulator reads the access
// key id; it does not verify signatures).
func signedPost(accessKey, url, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+accessKey+"/20260102/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=0")
	return http.DefaultClient.Do(req)
}

// startInput is agentcoretest's valid input with key and a description.
func startInput(name, key string) *bedrockagentcore.StartBatchEvaluationInput {
	in := agentcoretest.StartBatchEvaluationInput(name, key)
	in.Description = aws.String("nightly regression")
	return in
}

func apiError(t *testing.T, err error) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	return ae
}

// start starts an evaluation called name under the env's key, failing the
// test if the emulator refuses.
func (e *env) start(t *testing.T, name string) *bedrockagentcore.StartBatchEvaluationOutput {
	t.Helper()
	out, err := e.api.StartBatchEvaluation(context.Background(), startInput(name, e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// get reads the evaluation id through the SDK client.
func (e *env) get(ctx context.Context, id *string) (*bedrockagentcore.GetBatchEvaluationOutput, error) {
	return e.api.GetBatchEvaluation(ctx, &bedrockagentcore.GetBatchEvaluationInput{BatchEvaluationId: id})
}

// setState puts the env's key in state s.
func (e *env) setState(t *testing.T, s kmstypes.KeyState) {
	t.Helper()
	if err := e.kms.SetKeyState(e.keyID, s); err != nil {
		t.Fatal(err)
	}
}

func TestLifecycleThroughSDK(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	start := e.start(t, "nightly")
	wantARN := "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/" + aws.ToString(start.BatchEvaluationId)
	if got := aws.ToString(start.BatchEvaluationArn); got != wantARN {
		t.Errorf("ARN = %q, want %q", got, wantARN)
	}
	if start.Status != types.BatchEvaluationStatusPending || aws.ToString(start.KmsKeyArn) != e.keyARN ||
		aws.ToString(start.BatchEvaluationName) != "nightly" || len(start.Evaluators) != 2 || start.CreatedAt == nil {
		t.Errorf("start output = %+v", start)
	}
	id := start.BatchEvaluationId

	for _, step := range []struct {
		advance time.Duration
		want    types.BatchEvaluationStatus
	}{
		{0, types.BatchEvaluationStatusPending},
		{time.Second, types.BatchEvaluationStatusInProgress},
		{9 * time.Second, types.BatchEvaluationStatusInProgress},
		{time.Second, types.BatchEvaluationStatusCompleted},
	} {
		e.clock.Add(step.advance)
		got, err := e.get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != step.want {
			t.Fatalf("after %v: status %s, want %s", step.advance, got.Status, step.want)
		}
		if step.want != types.BatchEvaluationStatusCompleted {
			if got.EvaluationResults != nil {
				t.Errorf("status %s has results", got.Status)
			}
			continue
		}
		r := got.EvaluationResults
		if r == nil {
			t.Fatalf("completed without results: %+v", got)
		}
		if aws.ToInt32(r.TotalNumberOfSessions) != 4 || aws.ToInt32(r.NumberOfSessionsCompleted) != 4 || len(r.EvaluatorSummaries) != 2 ||
			aws.ToString(r.EvaluatorSummaries[0].EvaluatorId) != "Builtin.Helpfulness" || r.EvaluatorSummaries[0].Statistics == nil {
			t.Errorf("results = %+v", r)
		}
		if got.InsightResults == nil {
			t.Error("insightResults missing for an evaluation with insights")
		}
		if want := time.Date(2026, 1, 2, 3, 4, 16, 0, time.UTC); !aws.ToTime(got.UpdatedAt).Equal(want) {
			t.Errorf("updatedAt = %v, want %v", got.UpdatedAt, want)
		}
		if _, ok := got.DataSourceConfig.(*types.DataSourceConfigMemberCloudWatchLogs); !ok {
			t.Errorf("dataSourceConfig = %#v, want the CloudWatch Logs member back", got.DataSourceConfig)
		}
		if aws.ToString(got.Description) != "nightly regression" || len(got.ErrorDetails) != 0 {
			t.Errorf("get = %+v", got)
		}
	}

	// Who called KMS, as what, with which context.
	ec := map[string]string{keypolicy.BatchEvaluationContextKey: wantARN}
	got := e.em.KMSCalls()
	want := []batchevaltest.KMSCall{
		{Operation: "DescribeKey", Principal: role, ViaService: "bedrock-agentcore.us-east-1.amazonaws.com", KeyID: e.keyARN},
		{Operation: "GenerateDataKey", Principal: role, ViaService: "bedrock-agentcore.us-east-1.amazonaws.com", KeyID: e.keyARN, EncryptionContext: ec, DryRun: true, ErrorCode: "DryRunOperationException"},
		{Operation: "GenerateDataKey", Service: keypolicy.ServicePrincipalName, SourceAccount: account, SourceArn: wantARN, KeyID: e.keyARN, EncryptionContext: ec},
		{Operation: "GenerateDataKey", Service: keypolicy.ServicePrincipalName, SourceAccount: account, SourceArn: wantARN, KeyID: e.keyARN, EncryptionContext: ec},
		{Operation: "GenerateDataKey", Service: keypolicy.ServicePrincipalName, SourceAccount: account, SourceArn: wantARN, KeyID: e.keyARN, EncryptionContext: ec},
		{Operation: "Decrypt", Service: keypolicy.ServicePrincipalName, SourceAccount: account, SourceArn: wantARN, KeyID: e.keyARN, EncryptionContext: ec},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("KMS calls (-want +got):\n%s", diff)
	}
}

func TestStartKeyChecks(t *testing.T) {
	dropSid := func(sid string) func(*keypolicy.Document) {
		return func(d *keypolicy.Document) {
			var keep []keypolicy.Statement
			for _, s := range d.Statement {
				if s.Sid != sid {
					keep = append(keep, s)
				}
			}
			d.Statement = keep
		}
	}
	tests := []struct {
		name     string
		edit     func(*keypolicy.Document)
		state    kmstypes.KeyState
		key      func(e *env) string
		wantCode string
		wantMsg  string
	}{
		{name: "disabled key", state: kmstypes.KeyStateDisabled,
			wantCode: "ValidationException", wantMsg: batchevaltest.MessageKeyNotUsable},
		{name: "key pending deletion", state: kmstypes.KeyStatePendingDeletion,
			wantCode: "ValidationException", wantMsg: batchevaltest.MessageKeyNotUsable},
		{name: "asymmetric key", key: func(e *env) string {
			md := e.kms.CreateTestKey(t, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt, Policy: aws.String(e.kms.DefaultKeyPolicy())})
			return aws.ToString(md.Arn)
		}, wantCode: "ValidationException", wantMsg: batchevaltest.MessageKeyNotUsable},
		{name: "caller may not describe the key", edit: dropSid(keypolicy.SidBatchCallerAccess),
			wantCode: "AccessDeniedException", wantMsg: batchevaltest.MessageAccessDenied},
		{name: "caller may not generate data keys", edit: dropSid(keypolicy.SidBatchCallerCryptoOps),
			wantCode: "AccessDeniedException", wantMsg: batchevaltest.MessageAccessDenied},
		{name: "service principal statement missing", edit: dropSid(keypolicy.SidBatchServicePrincipalAccess),
			wantCode: "AccessDeniedException", wantMsg: batchevaltest.MessageAccessDenied},
		{name: "key in another Region", key: func(e *env) string {
			return strings.Replace(e.keyARN, "us-east-1", "us-west-2", 1)
		}, wantCode: "ValidationException", wantMsg: batchevaltest.MessageWrongRegion},
		{name: "alias ARN", key: func(e *env) string {
			return "arn:aws:kms:us-east-1:111122223333:alias/batch"
		}, wantCode: "ValidationException", wantMsg: `1 validation error detected: Value "arn:aws:kms:us-east-1:111122223333:alias/batch" at 'kmsKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}`},
		{name: "no such key", key: func(e *env) string {
			return "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"
		}, wantCode: "AccessDeniedException", wantMsg: batchevaltest.MessageAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.edit)
			key := e.keyARN
			if tt.key != nil {
				key = tt.key(e)
			}
			if tt.state != "" {
				e.setState(t, tt.state)
			}
			_, err := e.api.StartBatchEvaluation(context.Background(), startInput("nightly", key))
			ae := apiError(t, err)
			if ae.ErrorCode() != tt.wantCode || ae.ErrorMessage() != tt.wantMsg {
				t.Errorf("error = %s: %q, want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), tt.wantCode, tt.wantMsg)
			}
			// Nothing was created.
			out, err := e.api.ListBatchEvaluations(context.Background(), &bedrockagentcore.ListBatchEvaluationsInput{})
			if err != nil || len(out.BatchEvaluations) != 0 {
				t.Errorf("list after a failed start = %v, %v", out, err)
			}
		})
	}
}

func TestStartValidation(t *testing.T) {
	e := newEnv(t, nil)
	many := func(n int) []types.Evaluator {
		out := make([]types.Evaluator, n)
		for i := range out {
			out[i] = types.Evaluator{EvaluatorId: aws.String("Builtin.Helpfulness")}
		}
		return out
	}
	tests := []struct {
		name string
		edit func(*bedrockagentcore.StartBatchEvaluationInput)
		want string
	}{
		{"name with a dash", func(in *bedrockagentcore.StartBatchEvaluationInput) { in.BatchEvaluationName = aws.String("night-ly") }, "batchEvaluationName"},
		{"name too long", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.BatchEvaluationName = aws.String(strings.Repeat("a", 49))
		}, "batchEvaluationName"},
		{"eleven evaluators", func(in *bedrockagentcore.StartBatchEvaluationInput) { in.Evaluators = many(11) }, "evaluators"},
		{"evaluator id of neither form", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Evaluators = []types.Evaluator{{EvaluatorId: aws.String("helpfulness")}}
		}, "evaluatorId"},
		{"description of 201 characters", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Description = aws.String(strings.Repeat("d", 201))
		}, "description"},
		{"short client token", func(in *bedrockagentcore.StartBatchEvaluationInput) { in.ClientToken = aws.String("token-1") }, "clientToken"},
		{"eleven insights", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Insights = make([]types.Insight, 11)
			for i := range in.Insights {
				in.Insights[i].InsightId = aws.String("Builtin.FailureAnalysis")
			}
		}, "insights"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := startInput("nightly", e.keyARN)
			tt.edit(in)
			_, err := e.api.StartBatchEvaluation(context.Background(), in)
			var ve *types.ValidationException
			if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), tt.want) || ve.Reason != types.ValidationExceptionReasonFieldValidationFailed {
				t.Errorf("error = %v, want a ValidationException about %s", err, tt.want)
			}
		})
	}
	// The SDK checks required members before sending; the emulator checks
	// them again on the wire for other clients.
	for _, body := range []string{
		`{"dataSourceConfig":{"cloudWatchLogs":{"serviceNames":["a"]}}}`,
		`{"batchEvaluationName":"x"}`,
		`{"batchEvaluationName":"x","dataSourceConfig":{}}`,
		`{"batchEvaluationName":"x","dataSourceConfig":{"cloudWatchLogs":{"serviceNames":["a"]}},"evaluators":[{}]}`,
	} {
		resp, err := signedPost(e.sb.AccessKeyID, e.url+"/evaluations/batch-evaluate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "ValidationException" || !strings.Contains(string(msg), "validation error") {
			t.Errorf("body %s: %d %s", body, resp.StatusCode, msg)
		}
	}
}

func TestKeyUnavailableAfterCompletion(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	start := e.start(t, "nightly")
	running := e.start(t, "second")
	e.clock.Add(11 * time.Second)
	if _, err := e.get(ctx, start.BatchEvaluationId); err != nil {
		t.Fatal(err)
	}
	e.setState(t, kmstypes.KeyStateDisabled)

	// Start fails at validation.
	_, err := e.api.StartBatchEvaluation(ctx, startInput("third", e.keyARN))
	if ae := apiError(t, err); ae.ErrorCode() != "ValidationException" {
		t.Errorf("start with a disabled key: %v", err)
	}
	// Get returns metadata without results.
	got, err := e.get(ctx, start.BatchEvaluationId)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != types.BatchEvaluationStatusCompleted || aws.ToString(got.BatchEvaluationName) != "nightly" || got.CreatedAt == nil || got.UpdatedAt == nil {
		t.Errorf("metadata = %+v", got)
	}
	if got.EvaluationResults != nil || got.InsightResults != nil {
		t.Errorf("results readable with a disabled key: %+v", got.EvaluationResults)
	}
	if len(got.ErrorDetails) != 1 || !strings.HasPrefix(got.ErrorDetails[0], batchevaltest.ResultsUnavailablePrefix) ||
		!strings.Contains(got.ErrorDetails[0], "DisabledException") || !strings.HasSuffix(got.ErrorDetails[0], batchevaltest.RestoreAccessAdvice) {
		t.Errorf("errorDetails = %q", got.ErrorDetails)
	}
	// List, Stop and Delete succeed.
	list, err := e.api.ListBatchEvaluations(ctx, &bedrockagentcore.ListBatchEvaluationsInput{})
	if err != nil || len(list.BatchEvaluations) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	// The second evaluation was still due to write its results: it failed.
	if s := list.BatchEvaluations[1]; s.Status != types.BatchEvaluationStatusFailed || len(s.ErrorDetails) == 0 {
		t.Errorf("second evaluation = %s %q, want FAILED with details", s.Status, s.ErrorDetails)
	}
	_ = running
	third, err := func() (*bedrockagentcore.StartBatchEvaluationOutput, error) {
		if err := e.kms.SetKeyState(e.keyID, kmstypes.KeyStateEnabled); err != nil {
			return nil, err
		}
		defer e.kms.SetKeyState(e.keyID, kmstypes.KeyStateDisabled)
		return e.api.StartBatchEvaluation(ctx, startInput("third", e.keyARN))
	}()
	if err != nil {
		t.Fatal(err)
	}
	stop, err := e.api.StopBatchEvaluation(ctx, &bedrockagentcore.StopBatchEvaluationInput{BatchEvaluationId: third.BatchEvaluationId})
	if err != nil || stop.Status != types.BatchEvaluationStatusStopping {
		t.Fatalf("stop = %+v, %v", stop, err)
	}
	got, err = e.get(ctx, third.BatchEvaluationId)
	if err != nil || got.Status != types.BatchEvaluationStatusStopped {
		t.Fatalf("after stop: %+v, %v", got, err)
	}
	del, err := e.api.DeleteBatchEvaluation(ctx, &bedrockagentcore.DeleteBatchEvaluationInput{BatchEvaluationId: start.BatchEvaluationId})
	if err != nil || del.Status != types.BatchEvaluationStatusDeleting || aws.ToString(del.BatchEvaluationArn) != aws.ToString(start.BatchEvaluationArn) {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	_, err = e.get(ctx, start.BatchEvaluationId)
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("get after delete: %v, want ResourceNotFoundException", err)
	}

	// The consumer model says the same of each operation above.
	model, _ := keypolicy.ConsumerByName(keypolicy.ConsumerBatchEvaluation)
	for op, fails := range map[string]bool{batchevaltest.OpStart: true, batchevaltest.OpGet: false,
		batchevaltest.OpList: false, batchevaltest.OpStop: false, batchevaltest.OpDelete: false} {
		if got, known := model.FailsWhenUnavailable(op); got != fails || !known {
			t.Errorf("consumer model: %s fails %v (known %v) while the key is unavailable; the emulator: %v", op, got, known, fails)
		}
	}

	// Re-enabling the key restores access to results.
	e.setState(t, kmstypes.KeyStateEnabled)
	e.clock.Add(11 * time.Second)
	fourth := e.start(t, "fourth")
	e.clock.Add(11 * time.Second)
	got, err = e.get(ctx, fourth.BatchEvaluationId)
	if err != nil || got.EvaluationResults == nil {
		t.Errorf("after re-enabling: %+v, %v", got, err)
	}
}

func TestListPaginates(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	var want []string
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		out := e.start(t, name)
		want = append(want, aws.ToString(out.BatchEvaluationId))
	}
	p := bedrockagentcore.NewListBatchEvaluationsPaginator(e.api, &bedrockagentcore.ListBatchEvaluationsInput{MaxResults: aws.Int32(2)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.BatchEvaluations {
			got = append(got, aws.ToString(s.BatchEvaluationId))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" || pages != 3 {
		t.Errorf("pages = %d; ids (-want +got):\n%s", pages, diff)
	}
	for _, bad := range []int32{0, 101} {
		_, err := e.api.ListBatchEvaluations(ctx, &bedrockagentcore.ListBatchEvaluationsInput{MaxResults: aws.Int32(bad)})
		if ae := apiError(t, err); ae.ErrorCode() != "ValidationException" {
			t.Errorf("maxResults %d: %v", bad, err)
		}
	}
	_, err := e.api.ListBatchEvaluations(ctx, &bedrockagentcore.ListBatchEvaluationsInput{NextToken: aws.String("garbage!")})
	if ae := apiError(t, err); ae.ErrorCode() != "ValidationException" {
		t.Errorf("bad token: %v", err)
	}
}

func TestConflictsAndIdempotency(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	in := startInput("nightly", e.keyARN)
	in.ClientToken = aws.String("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
	first, err := e.api.StartBatchEvaluation(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.api.StartBatchEvaluation(ctx, in)
	if err != nil || aws.ToString(again.BatchEvaluationId) != aws.ToString(first.BatchEvaluationId) {
		t.Errorf("retry with the same token = %v, %v; want the same evaluation", again, err)
	}
	other := startInput("other", e.keyARN)
	other.ClientToken = aws.String("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
	_, err = e.api.StartBatchEvaluation(ctx, other)
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.Reason != types.ValidationExceptionReasonIdempotentParameterMismatchException {
		t.Errorf("token reuse with other parameters: %v", err)
	}
	_, err = e.api.StartBatchEvaluation(ctx, startInput("nightly", e.keyARN))
	var ce *types.ConflictException
	if !errors.As(err, &ce) {
		t.Errorf("duplicate name: %v, want ConflictException", err)
	}
	e.clock.Add(time.Minute)
	_, err = e.api.StopBatchEvaluation(ctx, &bedrockagentcore.StopBatchEvaluationInput{BatchEvaluationId: first.BatchEvaluationId})
	if !errors.As(err, &ce) {
		t.Errorf("stop after completion: %v, want ConflictException", err)
	}
	_, err = e.api.StopBatchEvaluation(ctx, &bedrockagentcore.StopBatchEvaluationInput{BatchEvaluationId: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("stop of an unknown id: %v", err)
	}
}

func TestFaultsAndLatency(t *testing.T) {
	var n atomic.Int32
	e := newEnv(t, nil, func(o *batchevaltest.Options) {
		o.Latency = 5 * time.Millisecond
		o.Inject = func(op string) *batchevaltest.Fault {
			if op == batchevaltest.OpList && n.Add(1) <= 2 {
				return batchevaltest.Throttling()
			}
			if op == batchevaltest.OpGet {
				return &batchevaltest.Fault{StatusCode: http.StatusServiceUnavailable, Code: "ServiceUnavailableException", Message: "down"}
			}
			return nil
		}
	})
	ctx := context.Background()
	begin := time.Now()
	if _, err := e.api.ListBatchEvaluations(ctx, &bedrockagentcore.ListBatchEvaluationsInput{}); err != nil {
		t.Fatalf("list after two throttles: %v (the SDK retries)", err)
	}
	if n.Load() != 3 {
		t.Errorf("list attempts = %d, want 3", n.Load())
	}
	if d := time.Since(begin); d < 15*time.Millisecond {
		t.Errorf("three attempts took %v, want at least 3x the latency", d)
	}
	_, err := e.api.GetBatchEvaluation(ctx, &bedrockagentcore.GetBatchEvaluationInput{BatchEvaluationId: aws.String("x")})
	if ae := apiError(t, err); ae.ErrorCode() != "ServiceUnavailableException" || ae.ErrorMessage() != "down" {
		t.Errorf("injected fault = %v", err)
	}
}

func TestUnknownRoute(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := signedPost(e.sb.AccessKeyID, e.url+"/evaluations/nope", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Amzn-Errortype") != "UnknownOperationException" || !strings.Contains(string(body), `"message"`) {
		t.Errorf("unknown route: %d %s %s", resp.StatusCode, resp.Header, body)
	}
	// A body that is not JSON is a ValidationException, not a panic.
	resp2, err := signedPost(e.sb.AccessKeyID, e.url+"/evaluations/batch-evaluate", "application/json", strings.NewReader("{"))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusBadRequest || resp2.Header.Get("X-Amzn-Errortype") != "ValidationException" {
		t.Errorf("bad body: %d %s", resp2.StatusCode, resp2.Header)
	}
}

func TestResultsUnreadableReasons(t *testing.T) {
	tests := []struct {
		name     string
		breakKey func(e *env) error
		want     string
	}{
		{"pending deletion", func(e *env) error { return e.kms.SetKeyState(e.keyID, kmstypes.KeyStatePendingDeletion) }, "KMSInvalidStateException"},
		{"service principal statement removed", func(e *env) error {
			doc, _ := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: "us-east-1", Principal: role})
			doc.Statement = doc.Statement[:2]
			p, _ := doc.JSON()
			return e.kms.SetKeyPolicy(e.keyID, string(p))
		}, "does not allow the AgentCore service principal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			start := e.start(t, "nightly")
			e.clock.Add(time.Minute)
			if _, err := e.get(ctx, start.BatchEvaluationId); err != nil {
				t.Fatal(err)
			}
			if err := tt.breakKey(e); err != nil {
				t.Fatal(err)
			}
			got, err := e.get(ctx, start.BatchEvaluationId)
			if err != nil || got.EvaluationResults != nil || len(got.ErrorDetails) != 1 || !strings.Contains(got.ErrorDetails[0], tt.want) {
				t.Errorf("get = %+v, %v; want metadata and a detail naming %q", got, err, tt.want)
			}
		})
	}
}

func TestListCarriesResultsOnlyWithoutAKey(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.start(t, "encrypted")
	plain := startInput("plain", "")
	plain.KmsKeyArn = nil
	if _, err := e.api.StartBatchEvaluation(ctx, plain); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	calls := len(e.em.KMSCalls())
	list, err := e.api.ListBatchEvaluations(ctx, &bedrockagentcore.ListBatchEvaluationsInput{})
	if err != nil || len(list.BatchEvaluations) != 2 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	enc, pl := list.BatchEvaluations[0], list.BatchEvaluations[1]
	if enc.Status != types.BatchEvaluationStatusCompleted || enc.EvaluationResults != nil || aws.ToString(enc.KmsKeyArn) != e.keyARN {
		t.Errorf("encrypted summary = %+v", enc)
	}
	if pl.Status != types.BatchEvaluationStatusCompleted || pl.EvaluationResults == nil || pl.KmsKeyArn != nil {
		t.Errorf("plain summary = %+v", pl)
	}
	// The only KMS calls during the listing are the encrypted evaluation's
	// own writes as it caught up (session metadata, results), never a Decrypt.
	for _, c := range e.em.KMSCalls()[calls:] {
		if c.Operation != "GenerateDataKey" || c.Service != keypolicy.ServicePrincipalName {
			t.Errorf("KMS call during List: %+v", c)
		}
	}
}
