package batcheval_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

func TestStartWaitArchiveVerify(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	start, err := e.c.Start(ctx, startInput("nightly", e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	if start.Status != types.BatchEvaluationStatusPending || aws.ToString(start.KmsKeyArn) != e.keyARN {
		t.Errorf("start = %+v", start)
	}
	// The preflight ran with the caller's own credentials before the call.
	if n := e.kms.CallCount("DescribeKey"); n < 2 {
		t.Errorf("DescribeKey calls = %d, want the preflight's and the service's", n)
	}

	var seen []types.BatchEvaluationStatus
	var attempts []int
	out, err := e.c.Wait(ctx, aws.ToString(start.BatchEvaluationId), func(o *batcheval.Options) {
		o.OnProgress = func(p batcheval.Progress) {
			seen = append(seen, p.Status)
			attempts = append(attempts, p.Attempt)
			if p.Evaluation == nil || p.ID != aws.ToString(start.BatchEvaluationId) {
				t.Errorf("progress = %+v", p)
			}
			e.clock.Add(4 * time.Second)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []types.BatchEvaluationStatus{"PENDING", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("statuses seen (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4}, attempts); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	if out.EvaluationResults == nil || len(out.EvaluationResults.EvaluatorSummaries) != 2 {
		t.Fatalf("results = %+v", out.EvaluationResults)
	}

	a, err := e.c.Archive(ctx, e.s3c, "eval-archive", "runs/2026", out)
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.BatchEvaluationId)
	wantKeys := []string{"runs/2026/" + id + "/metadata.json", "runs/2026/" + id + "/results.json"}
	if diff := cmp.Diff(wantKeys, a.Keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(batcheval.EncryptionContext(aws.ToString(out.BatchEvaluationArn)), a.EncryptionContext); diff != "" || a.KeyARN != e.keyARN {
		t.Errorf("archive = %+v (%s)", a, diff)
	}
	if err := e.c.VerifyArchive(ctx, e.s3c, a); err != nil {
		t.Errorf("VerifyArchive: %v", err)
	}
	// What S3 stored reads back as the evaluation.
	get, err := e.s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("eval-archive"), Key: aws.String(wantKeys[1])})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	var res struct {
		BatchEvaluationArn string
		EvaluationResults  struct{ TotalNumberOfSessions int }
	}
	if err := json.Unmarshal(body, &res); err != nil || res.BatchEvaluationArn != aws.ToString(out.BatchEvaluationArn) || res.EvaluationResults.TotalNumberOfSessions == 0 {
		t.Errorf("results.json = %s (%v)", body, err)
	}
	if get.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms {
		t.Errorf("GetObject SSE = %q", get.ServerSideEncryption)
	}
}

func TestEncryptionContext(t *testing.T) {
	arn := "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"
	got, err := json.Marshal(batcheval.EncryptionContext(arn))
	if err != nil {
		t.Fatal(err)
	}
	// The documented context, byte for byte (compact form of the spec file).
	want := `{"aws:bedrock-agentcore:batchEvaluationArn":"arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"}`
	if string(got) != want || batcheval.EncryptionContextKey != keypolicy.BatchEvaluationContextKey {
		t.Errorf("EncryptionContext = %s, want %s", got, want)
	}
}

func TestStartValidation(t *testing.T) {
	e := newEnv(t, envConfig{})
	n := func(k int) []types.Evaluator {
		out := make([]types.Evaluator, k)
		for i := range out {
			out[i].EvaluatorId = aws.String("Builtin.Helpfulness")
		}
		return out
	}
	type edit = func(in *bedrockagentcore.StartBatchEvaluationInput)
	tests := []struct {
		name      string
		edit      edit
		opt       func(*batcheval.Options)
		nilInput  bool
		wantField string
	}{
		{name: "nil input", nilInput: true, wantField: "input"},
		{name: "no name", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.BatchEvaluationName = nil }, wantField: "BatchEvaluationName"},
		{name: "name with a dash", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.BatchEvaluationName = aws.String("night-ly") }, wantField: "BatchEvaluationName"},
		{name: "name of 49 characters", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.BatchEvaluationName = aws.String(strings.Repeat("a", 49))
		}, wantField: "BatchEvaluationName"},
		{name: "11 evaluators", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.Evaluators = n(11) }, wantField: "Evaluators"},
		{name: "evaluator without id", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.Evaluators = []types.Evaluator{{}} }, wantField: "Evaluators[0].EvaluatorId"},
		{name: "11 insights", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Insights = make([]types.Insight, 11)
			for i := range in.Insights {
				in.Insights[i].InsightId = aws.String("Builtin.FailureAnalysis")
			}
		}, wantField: "Insights"},
		{name: "evaluator id that is neither built-in nor custom", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Evaluators = []types.Evaluator{{EvaluatorId: aws.String("helpfulness")}}
		}, wantField: "Evaluators[0].EvaluatorId"},
		{name: "description of 201 characters", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Description = aws.String(strings.Repeat("d", 201))
		}, wantField: "Description"},
		{name: "client token too short", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.ClientToken = aws.String("token-1") }, wantField: "ClientToken"},
		{name: "client token with a space", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.ClientToken = aws.String(strings.Repeat("a", 20) + " " + strings.Repeat("b", 20))
		}, wantField: "ClientToken"},
		{name: "insight without id", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.Insights = []types.Insight{{}} }, wantField: "Insights[0].InsightId"},
		{name: "no data source", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.DataSourceConfig = nil }, wantField: "DataSourceConfig"},
		{name: "CloudWatch source without service names", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.DataSourceConfig = &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{LogGroupNames: []string{"g"}}}
		}, wantField: "DataSourceConfig.CloudWatchLogs.ServiceNames"},
		{name: "CloudWatch source without log groups", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.DataSourceConfig = &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{ServiceNames: []string{"s"}}}
		}, wantField: "DataSourceConfig.CloudWatchLogs"},
		{name: "no key", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.KmsKeyArn = nil }, wantField: "KmsKeyArn"},
		{name: "alias name", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.KmsKeyArn = aws.String("alias/batch") }, wantField: "KmsKeyArn"},
		{name: "alias ARN", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.KmsKeyArn = aws.String("arn:aws:kms:us-east-1:111122223333:alias/batch")
		}, wantField: "KmsKeyArn"},
		{name: "bare key id", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) { in.KmsKeyArn = aws.String(e.keyID) }, wantField: "KmsKeyArn"},
		{name: "not a KMS ARN", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.KmsKeyArn = aws.String("arn:aws:s3:::bucket/key")
		}, wantField: "KmsKeyArn"},
		{name: "key ARN without id", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.KmsKeyArn = aws.String("arn:aws:kms:us-east-1:111122223333:key/")
		}, wantField: "KmsKeyArn"},
		{name: "key in another Region", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.KmsKeyArn = aws.String(strings.Replace(e.keyARN, "us-east-1", "eu-west-1", 1))
		}, wantField: "KmsKeyArn"},
		{name: "key in another partition", edit: func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.KmsKeyArn = aws.String(strings.Replace(e.keyARN, "arn:aws:", "arn:aws-cn:", 1))
		}, wantField: "KmsKeyArn"},
		{name: "client without a Region", opt: func(o *batcheval.Options) { o.Region = "" }, wantField: "KmsKeyArn"},
		{name: "preflight without a principal", opt: func(o *batcheval.Options) { o.Principal = "" }, wantField: "Options.Principal"},
		{name: "preflight with a principal that is not an ARN", opt: func(o *batcheval.Options) { o.Principal = "MyBatchEvaluationRole" }, wantField: "Options.Principal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := startInput("nightly", e.keyARN)
			if tt.edit != nil {
				tt.edit(in)
			}
			if tt.nilInput {
				in = nil
			}
			var opts []func(*batcheval.Options)
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			before := len(e.kms.Requests())
			_, err := e.c.Start(context.Background(), in, opts...)
			if !errors.Is(err, batcheval.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			var ie *batcheval.InputError
			if !errors.As(err, &ie) || ie.Field != tt.wantField {
				t.Errorf("err = %v, want an InputError about %s", err, tt.wantField)
			}
			if e.api.starts.Load() != 0 || len(e.kms.Requests()) != before {
				t.Errorf("calls were made before validation failed")
			}
		})
	}
	// Several problems come back together.
	in := startInput("bad-name", "alias/x")
	in.DataSourceConfig = nil
	err := e.c.Validate(in)
	var fields []string
	for _, err := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ie *batcheval.InputError
		if errors.As(err, &ie) {
			fields = append(fields, ie.Field)
		}
	}
	if diff := cmp.Diff([]string{"BatchEvaluationName", "DataSourceConfig", "KmsKeyArn"}, fields); diff != "" {
		t.Errorf("joined fields (-want +got):\n%s", diff)
	}
	// The Region comes from the SDK client when not set.
	c := batcheval.New(e.sdk, e.kmsc)
	if err := c.Validate(startInput("nightly", e.keyARN)); err != nil {
		t.Errorf("Validate with the SDK client's Region: %v", err)
	}
}

func TestStartPreflightFailures(t *testing.T) {
	tests := []struct {
		name  string
		cfg   envConfig
		state kmstypes.KeyState
		want  error
	}{
		{name: "disabled key", state: kmstypes.KeyStateDisabled, want: kmscheck.ErrKeyNotUsable},
		{name: "key pending deletion", state: kmstypes.KeyStatePendingDeletion, want: kmscheck.ErrKeyNotUsable},
		{name: "caller statement missing", cfg: envConfig{drop: []string{keypolicy.SidBatchCallerCryptoOps}}, want: kmscheck.ErrAccessDenied},
		// The caller may read the key policy only with the admin statement;
		// then the preflight sees the service statement is missing.
		{name: "service statement missing", cfg: envConfig{admin: true, drop: []string{keypolicy.SidBatchServicePrincipalAccess}}, want: kmscheck.ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			if tt.state != "" {
				e.setState(t, tt.state)
			}
			_, err := e.c.Start(context.Background(), startInput("nightly", e.keyARN))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var pe *batcheval.PreflightError
			if !errors.As(err, &pe) || pe.Report == nil || pe.KeyARN != e.keyARN {
				t.Errorf("err = %v, want a PreflightError with its report", err)
			}
			if e.api.starts.Load() != 0 {
				t.Error("StartBatchEvaluation was called after a failed preflight")
			}
		})
	}
}

// TestStartServiceErrors skips the preflight, so the emulated service's own
// checks answer, and the client maps them.
func TestStartServiceErrors(t *testing.T) {
	tests := []struct {
		name     string
		cfg      envConfig
		state    kmstypes.KeyState
		want     error
		wantType string
	}{
		{name: "disabled key", state: kmstypes.KeyStateDisabled, want: kmscheck.ErrKeyNotUsable, wantType: "ValidationException"},
		{name: "key pending deletion", state: kmstypes.KeyStatePendingDeletion, want: kmscheck.ErrKeyNotUsable, wantType: "ValidationException"},
		{name: "service principal statement missing", cfg: envConfig{drop: []string{keypolicy.SidBatchServicePrincipalAccess}}, want: kmscheck.ErrAccessDenied, wantType: "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg, func(o *batcheval.Options) { o.SkipPreflight = true })
			if tt.state != "" {
				e.setState(t, tt.state)
			}
			_, err := e.c.Start(context.Background(), startInput("nightly", e.keyARN))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ke *batcheval.KeyError
			if !errors.As(err, &ke) || ke.KeyARN != e.keyARN {
				t.Errorf("err = %v, want a KeyError", err)
			}
			var ve *types.ValidationException
			var ad *types.AccessDeniedException
			switch tt.wantType {
			case "ValidationException":
				if !errors.As(err, &ve) || ve.ErrorMessage() != kmscheck.ErrKeyNotUsable.Error() {
					t.Errorf("SDK error not reachable or wrong text: %v", err)
				}
			case "AccessDeniedException":
				if !errors.As(err, &ad) || ad.ErrorMessage() != kmscheck.ErrAccessDenied.Error() {
					t.Errorf("SDK error not reachable or wrong text: %v", err)
				}
			}
			if e.api.starts.Load() != 1 {
				t.Errorf("StartBatchEvaluation calls = %d, want 1", e.api.starts.Load())
			}
		})
	}
}

func TestKeyUnavailableAfterCompletion(t *testing.T) {
	e := newEnv(t, envConfig{admin: true})
	ctx := context.Background()
	id, done := e.startAndWait(t, "nightly")
	if done.Status != types.BatchEvaluationStatusCompleted {
		t.Fatalf("wait = %v", done)
	}
	e.setState(t, kmstypes.KeyStateDisabled)

	// Start fails: the preflight sees the disabled key.
	if _, err := e.c.Start(ctx, startInput("second", e.keyARN)); !errors.Is(err, kmscheck.ErrKeyNotUsable) {
		t.Errorf("start with a disabled key: %v", err)
	}
	// Get returns the metadata and says why the results are gone.
	out, err := e.c.Get(ctx, id)
	if !errors.Is(err, batcheval.ErrResultsUnavailable) || !errors.Is(err, kmscheck.ErrKeyNotUsable) {
		t.Fatalf("get: %v, want ErrResultsUnavailable and ErrKeyNotUsable", err)
	}
	if out == nil || out.Status != types.BatchEvaluationStatusCompleted || aws.ToString(out.BatchEvaluationName) != "nightly" || out.CreatedAt == nil || out.EvaluationResults != nil {
		t.Errorf("metadata = %+v", out)
	}
	var ru *batcheval.ResultsUnavailableError
	if !errors.As(err, &ru) || !strings.Contains(ru.Reason, "Disabled") || !strings.Contains(err.Error(), batcheval.RestoreAccessAdvice) || ru.KeyARN != e.keyARN || len(ru.Details) == 0 {
		t.Errorf("ResultsUnavailableError = %+v (%v)", ru, err)
	}
	// Wait reports the same at once, since the status is terminal.
	if _, err := e.c.Wait(ctx, id); !errors.Is(err, batcheval.ErrResultsUnavailable) {
		t.Errorf("wait: %v", err)
	}
	// Archive refuses to write what cannot be read.
	if _, err := e.c.Archive(ctx, e.s3c, "b", "", out); !errors.Is(err, batcheval.ErrResultsUnavailable) {
		t.Errorf("archive: %v", err)
	}
	// List works.
	list, err := e.c.List(ctx)
	if err != nil || len(list) != 1 || aws.ToString(list[0].BatchEvaluationId) != id {
		t.Errorf("list = %+v, %v", list, err)
	}

	// Enabled again but the service statement removed: access denied.
	e.setState(t, kmstypes.KeyStateEnabled)
	e.setPolicy(t, true, keypolicy.SidBatchServicePrincipalAccess)
	_, err = e.c.Get(ctx, id)
	if !errors.Is(err, batcheval.ErrResultsUnavailable) || !errors.Is(err, kmscheck.ErrAccessDenied) || !errors.As(err, &ru) || !strings.Contains(ru.Reason, keypolicy.SidBatchServicePrincipalAccess) {
		t.Errorf("get without the service statement: %v", err)
	}

	// Stop and Delete need no key.
	e.setState(t, kmstypes.KeyStatePendingDeletion)
	del, err := e.c.Delete(ctx, id)
	if err != nil || del.Status != types.BatchEvaluationStatusDeleting {
		t.Errorf("delete = %+v, %v", del, err)
	}
	if _, err := e.c.Get(ctx, id); !errors.Is(err, batcheval.ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	var nf *types.ResourceNotFoundException
	if _, err := e.c.Stop(ctx, id); !errors.Is(err, batcheval.ErrNotFound) || !errors.As(err, &nf) {
		t.Errorf("stop after delete: %v", err)
	}
}

func TestKeyRestoredBringsResultsBack(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	id, _ := e.startAndWait(t, "nightly")
	e.setState(t, kmstypes.KeyStateDisabled)
	if _, err := e.c.Get(ctx, id); !errors.Is(err, batcheval.ErrResultsUnavailable) {
		t.Fatalf("get with a disabled key: %v", err)
	}
	e.setState(t, kmstypes.KeyStateEnabled)
	out, err := e.c.Get(ctx, id)
	if err != nil || out.EvaluationResults == nil {
		t.Errorf("get after re-enabling: %+v, %v", out, err)
	}
}

func TestKeyDisabledMidRun(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	start, err := e.c.Start(ctx, startInput("nightly", e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	var seen []types.BatchEvaluationStatus
	out, err := e.c.Wait(ctx, aws.ToString(start.BatchEvaluationId), func(o *batcheval.Options) {
		o.OnProgress = func(p batcheval.Progress) {
			seen = append(seen, p.Status)
			if p.Status == types.BatchEvaluationStatusInProgress {
				// Disabled while the evaluation runs: writing results fails.
				if err := e.kms.SetKeyState(e.keyID, kmstypes.KeyStateDisabled); err != nil {
					t.Error(err)
				}
			}
			e.clock.Add(6 * time.Second)
		}
	})
	var fe *batcheval.FailedError
	if !errors.Is(err, batcheval.ErrEvaluationFailed) || !errors.As(err, &fe) || len(fe.Details) == 0 || !strings.Contains(fe.Details[0], "disabled") {
		t.Fatalf("wait = %v, want a FailedError naming the disabled key", err)
	}
	if out.Status != types.BatchEvaluationStatusFailed {
		t.Errorf("status = %s", out.Status)
	}
	if diff := cmp.Diff([]types.BatchEvaluationStatus{"PENDING", "IN_PROGRESS", "FAILED"}, seen); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	// The evaluation's metadata is still there, and listing still works.
	list, err := e.c.List(ctx)
	if err != nil || len(list) != 1 || list[0].Status != types.BatchEvaluationStatusFailed {
		t.Errorf("list = %+v, %v", list, err)
	}
}

func TestStopWithUnusableKey(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	start, err := e.c.Start(ctx, startInput("nightly", e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	e.setState(t, kmstypes.KeyStatePendingDeletion)
	id := aws.ToString(start.BatchEvaluationId)
	stop, err := e.c.Stop(ctx, id)
	if err != nil || stop.Status != types.BatchEvaluationStatusStopping {
		t.Fatalf("stop = %+v, %v", stop, err)
	}
	out, err := e.c.Wait(ctx, id)
	if err != nil || out.Status != types.BatchEvaluationStatusStopped {
		t.Errorf("wait after stop = %+v, %v", out, err)
	}
}

func TestWaitCancellation(t *testing.T) {
	e := newEnv(t, envConfig{})
	start, err := e.c.Start(context.Background(), startInput("nightly", e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	_, err = e.c.Wait(ctx, aws.ToString(start.BatchEvaluationId), func(o *batcheval.Options) {
		o.OnProgress = func(batcheval.Progress) {
			polls++
			if polls == 3 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) || polls != 3 {
		t.Errorf("wait = %v after %d polls, want context.Canceled after 3", err, polls)
	}
	// Deadline: the clock never moves, so only the context ends it.
	ctx, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := e.c.Wait(ctx, aws.ToString(start.BatchEvaluationId)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait with a deadline = %v", err)
	}
}

func TestIDsRequired(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	calls := []struct {
		name string
		fn   func() error
	}{
		{"Get", func() error { _, err := e.c.Get(ctx, ""); return err }},
		{"Stop", func() error { _, err := e.c.Stop(ctx, ""); return err }},
		{"Delete", func() error { _, err := e.c.Delete(ctx, ""); return err }},
		{"Wait", func() error { _, err := e.c.Wait(ctx, ""); return err }},
	}
	for _, c := range calls {
		if err := c.fn(); !errors.Is(err, batcheval.ErrInvalidInput) {
			t.Errorf("%s(\"\") = %v, want ErrInvalidInput", c.name, err)
		}
	}
	// An id that does not have the documented form is refused before any
	// call; a custom evaluator id and a UUID client token are accepted.
	if _, err := e.c.Get(ctx, "nightly"); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("Get of a malformed id: %v", err)
	}
	in := startInput("nightly", e.keyARN)
	in.Evaluators = append(in.Evaluators, types.Evaluator{EvaluatorId: aws.String("my_evaluator-a1B2c3D4e5")})
	in.ClientToken = aws.String("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
	if err := e.c.Validate(in); err != nil {
		t.Errorf("Validate of valid optional members: %v", err)
	}
}

func TestListFollowsPages(t *testing.T) {
	e := newEnv(t, envConfig{}, func(o *batcheval.Options) { o.SkipPreflight = true })
	ctx := context.Background()
	var want []string
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		out, err := e.c.Start(ctx, startInput(name, e.keyARN))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, aws.ToString(out.BatchEvaluationId))
	}
	list, err := e.c.List(ctx, func(o *bedrockagentcore.ListBatchEvaluationsPaginatorOptions) { o.Limit = 2 })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list {
		got = append(got, aws.ToString(s.BatchEvaluationId))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func TestArchiveRefusalsAndVerifyFailures(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	_, out := e.startAndWait(t, "nightly")
	noKey := *out
	noKey.KmsKeyArn = nil
	for _, tt := range []struct {
		name   string
		run    func() error
		wantIs error
	}{
		{"no key", func() error { _, err := e.c.Archive(ctx, e.s3c, "b", "", &noKey); return err }, batcheval.ErrNoKey},
		{"no bucket", func() error { _, err := e.c.Archive(ctx, e.s3c, "", "", out); return err }, batcheval.ErrInvalidInput},
		{"nil evaluation", func() error { _, err := e.c.Archive(ctx, e.s3c, "b", "", nil); return err }, batcheval.ErrInvalidInput},
		{"nil client", func() error { _, err := e.c.Archive(ctx, nil, "b", "", out); return err }, batcheval.ErrInvalidInput},
		{"verify nothing", func() error { return e.c.VerifyArchive(ctx, e.s3c, &batcheval.ArchiveResult{}) }, batcheval.ErrInvalidInput},
	} {
		if err := tt.run(); !errors.Is(err, tt.wantIs) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.wantIs)
		}
	}

	a, err := e.c.Archive(ctx, e.s3c, "b", "/p/", out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "p/" + aws.ToString(out.BatchEvaluationId) + "/metadata.json"; a.Keys[0] != want {
		t.Errorf("key = %q, want %q (no leading or doubled slash)", a.Keys[0], want)
	}
	// Replace one object with a plain one, and name another key: both fail.
	if _, err := e.s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(a.Keys[0]), Body: strings.NewReader("{}")}); err != nil {
		t.Fatal(err)
	}
	other := *a
	other.KeyARN = strings.Replace(e.keyARN, e.keyID, "00000000-0000-0000-0000-000000000000", 1)
	err = e.c.VerifyArchive(ctx, e.s3c, a)
	var ae *batcheval.ArchiveError
	if !errors.Is(err, batcheval.ErrArchiveNotEncrypted) || !errors.As(err, &ae) || ae.Key != a.Keys[0] || !strings.Contains(ae.Problem, "server-side encryption") {
		t.Errorf("verify with a plain object: %v", err)
	}
	err = e.c.VerifyArchive(ctx, e.s3c, &other)
	if !errors.Is(err, batcheval.ErrArchiveNotEncrypted) || !strings.Contains(err.Error(), "encrypted under KMS key") {
		t.Errorf("verify against another key: %v", err)
	}
	missing := *a
	missing.Keys = []string{"p/none.json"}
	if err := e.c.VerifyArchive(ctx, e.s3c, &missing); err == nil || errors.Is(err, batcheval.ErrArchiveNotEncrypted) {
		t.Errorf("verify of a missing object: %v, want the HeadObject error", err)
	}

	// With the key disabled, S3 (through KMS) refuses to write the archive.
	e.setState(t, kmstypes.KeyStateDisabled)
	if _, err := e.c.Archive(ctx, e.s3c, "b", "q", out); err == nil || !strings.Contains(err.Error(), "KMS.DisabledException") {
		t.Errorf("archive with a disabled key: %v", err)
	}
}

func TestPreflightAcceptsAssumedRoleSession(t *testing.T) {
	e := newEnv(t, envConfig{}, func(o *batcheval.Options) {
		o.Principal = "arn:aws:sts::111122223333:assumed-role/MyBatchEvaluationRole/ci-session"
	})
	if _, err := e.c.Start(context.Background(), startInput("nightly", e.keyARN)); err != nil {
		t.Errorf("start with a session principal: %v", err)
	}
}

func TestStartLeavesInputReusable(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	in := startInput("first", e.keyARN)
	if _, err := e.c.Start(ctx, in); err != nil {
		t.Fatal(err)
	}
	if in.ClientToken != nil {
		t.Errorf("Start wrote ClientToken %q into its input", *in.ClientToken)
	}
	in.BatchEvaluationName = aws.String("second")
	if _, err := e.c.Start(ctx, in); err != nil {
		t.Errorf("second Start with the same input: %v", err)
	}
}

func TestCompletedWithErrors(t *testing.T) {
	e := newEnv(t, envConfig{em: func(o *batchevaltest.Options) { o.Sessions, o.FailedSessions = 5, 2 }})
	ctx := context.Background()
	id, out := e.startAndWait(t, "nightly")
	if out.Status != types.BatchEvaluationStatusCompletedWithErrors {
		t.Fatalf("wait = %v; want COMPLETED_WITH_ERRORS and no error", out)
	}
	r := out.EvaluationResults
	if r == nil || aws.ToInt32(r.NumberOfSessionsFailed) != 2 || aws.ToInt32(r.NumberOfSessionsCompleted) != 3 || len(out.ErrorDetails) != 1 {
		t.Errorf("results = %+v, details %q", r, out.ErrorDetails)
	}
	if _, err := e.c.Archive(ctx, e.s3c, "b", "", out); err != nil {
		t.Errorf("archive: %v", err)
	}
	e.setState(t, kmstypes.KeyStatePendingDeletion)
	if _, err := e.c.Get(ctx, id); !errors.Is(err, batcheval.ErrResultsUnavailable) || !errors.Is(err, kmscheck.ErrKeyNotUsable) || !strings.Contains(err.Error(), "PendingDeletion") {
		t.Errorf("get with the key pending deletion: %v", err)
	}
}

func TestGetDiagnosesAccessDenied(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	id, _ := e.startAndWait(t, "nightly")
	// Only the caller's crypto statement is left: neither the caller's
	// DescribeKey nor the service principal's Decrypt is allowed.
	e.setPolicy(t, false, keypolicy.SidBatchCallerAccess, keypolicy.SidBatchServicePrincipalAccess)
	out, err := e.c.Get(ctx, id)
	var ru *batcheval.ResultsUnavailableError
	if !errors.As(err, &ru) || !errors.Is(err, kmscheck.ErrAccessDenied) || !strings.Contains(ru.Reason, "may not even describe") || out == nil {
		t.Errorf("get = %v, %v", out, err)
	}
}

func TestFaultsThroughTheClient(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	start, err := e.c.Start(ctx, startInput("nightly", e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	// Two throttled polls are retried by the SDK; Wait goes on.
	e.em.InjectFault(batchevaltest.OpGet, batchevaltest.ThrottlingFault(), 2)
	out, err := e.c.Wait(ctx, aws.ToString(start.BatchEvaluationId), e.advanceOnProgress(6*time.Second, nil))
	if err != nil || out.Status != types.BatchEvaluationStatusCompleted {
		t.Fatalf("wait through throttling = %v, %v", out, err)
	}
	// A server error that outlasts the retries is the SDK's, not a key error.
	e.em.InjectFault(batchevaltest.OpStart, batchevaltest.InternalFault(), 100)
	before := e.em.RequestCount(batchevaltest.OpStart)
	_, err = e.c.Start(ctx, startInput("second", e.keyARN))
	var ise *types.InternalServerException
	if !errors.As(err, &ise) || errors.Is(err, kmscheck.ErrKeyNotUsable) || errors.Is(err, kmscheck.ErrAccessDenied) {
		t.Errorf("start during an outage: %v", err)
	}
	if n := e.em.RequestCount(batchevaltest.OpStart) - before; n != 3 {
		t.Errorf("StartBatchEvaluation attempts = %d, want 3 (the SDK's attempts)", n)
	}
}

func TestNilAPI(t *testing.T) {
	c := batcheval.New(nil, nil, func(o *batcheval.Options) { o.Region = "us-east-1" })
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Start": func() error {
			_, err := c.Start(ctx, startInput("a", "arn:aws:kms:us-east-1:111122223333:key/k"))
			return err
		},
		"Get":    func() error { _, err := c.Get(ctx, "id"); return err },
		"List":   func() error { _, err := c.List(ctx); return err },
		"Stop":   func() error { _, err := c.Stop(ctx, "id"); return err },
		"Delete": func() error { _, err := c.Delete(ctx, "id"); return err },
		"Wait":   func() error { _, err := c.Wait(ctx, "id"); return err },
	} {
		if err := call(); !errors.Is(err, batcheval.ErrInvalidInput) {
			t.Errorf("%s with a nil API: %v, want ErrInvalidInput", name, err)
		}
	}
	// A nil KMS client fails the preflight with ErrInvalidInput too.
	e := newEnv(t, envConfig{})
	c = batcheval.New(e.sdk, nil, func(o *batcheval.Options) { o.Principal = role })
	if _, err := c.Start(ctx, startInput("a", e.keyARN)); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("preflight without KMS: %v", err)
	}
	// So do clients that are nil pointers inside the interfaces, such as a
	// *kms.Client left nil by a failed constructor.
	var nilKMS *kms.Client
	var nilSDK *bedrockagentcore.Client
	c = batcheval.New(nilSDK, nilKMS, func(o *batcheval.Options) { o.Region = "us-east-1"; o.Principal = role })
	if _, err := c.Get(ctx, "id"); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("Get with a nil *bedrockagentcore.Client: %v, want ErrInvalidInput", err)
	}
	c = batcheval.New(e.sdk, nilKMS, func(o *batcheval.Options) { o.Principal = role })
	if _, err := c.Start(ctx, startInput("a", e.keyARN)); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("preflight with a nil *kms.Client: %v, want ErrInvalidInput", err)
	}
	var nilS3 *s3.Client
	if _, err := c.Archive(ctx, nilS3, "bucket", "prefix", &bedrockagentcore.GetBatchEvaluationOutput{}); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("Archive with a nil *s3.Client: %v, want ErrInvalidInput", err)
	}
}

func TestConcurrentStarts(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := e.c.Start(ctx, startInput("run_"+string(rune('a'+i)), e.keyARN))
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	e.clock.Add(time.Minute)
	list, err := e.c.List(ctx)
	if err != nil || len(list) != n {
		t.Fatalf("list = %d evaluations, %v", len(list), err)
	}
	for _, s := range list {
		if s.Status != types.BatchEvaluationStatusCompleted {
			t.Errorf("%s: %s", aws.ToString(s.BatchEvaluationId), s.Status)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := &bedrockagentcore.GetBatchEvaluationOutput{
		BatchEvaluationId: aws.String("e1"), BatchEvaluationArn: aws.String("arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/e1"),
		Status: types.BatchEvaluationStatusCompleted, KmsKeyArn: aws.String(e.keyARN), EvaluationResults: &types.EvaluationJobResults{},
	}
	calls := map[string]func() error{
		"Start": func() error { _, err := e.c.Start(ctx, startInput("a", e.keyARN)); return err },
		"StartNoPreflight": func() error {
			_, err := e.c.Start(ctx, startInput("a", e.keyARN), func(o *batcheval.Options) { o.SkipPreflight = true })
			return err
		},
		"Get":     func() error { _, err := e.c.Get(ctx, "nightly-0123456789"); return err },
		"List":    func() error { _, err := e.c.List(ctx); return err },
		"Stop":    func() error { _, err := e.c.Stop(ctx, "nightly-0123456789"); return err },
		"Delete":  func() error { _, err := e.c.Delete(ctx, "nightly-0123456789"); return err },
		"Wait":    func() error { _, err := e.c.Wait(ctx, "nightly-0123456789"); return err },
		"Archive": func() error { _, err := e.c.Archive(ctx, e.s3c, "b", "", done); return err },
		"VerifyArchive": func() error {
			return e.c.VerifyArchive(ctx, e.s3c, &batcheval.ArchiveResult{Bucket: "b", Keys: []string{"k"}, KeyARN: e.keyARN})
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: %v", name, err)
		}
	}
}
