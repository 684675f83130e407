package batcheval_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/internal/hostile"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// rig is the KMS, AgentCore and S3 emulators, each behind a hostile server
// that passes requests through until a test tells it to misbehave; the real
// SDK clients talk to the hostile servers. The key policy is the documented
// one plus the default administration statement, so the caller may read it
// and the preflight is complete unless a test breaks a call.
type rig struct {
	kms             *kmstest.KMS
	kmsH, apiH, s3H *hostile.Server
	api             *bedrockagentcore.Client
	kmsc            *kms.Client
	s3c             *s3.Client
	c               *batcheval.Client
	keyARN          string
}

func newRig(t *testing.T, optFns ...func(*batcheval.Options)) *rig {
	t.Helper()
	sb, err := agentcoretest.Start(role, func(o *agentcoretest.Options) {
		o.DataPlane = append(o.DataPlane, func(o *batchevaltest.Options) { o.PendingFor, o.RunFor = -1, -1 })
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	md := sb.Emulators.KMS.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(keyPolicy(t, true))})
	front := func(url string) *hostile.Server {
		h, err := hostile.New(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}
	e := sb.Emulators
	r := &rig{kms: e.KMS, kmsH: front(e.KMSURL), apiH: front(e.DataPlaneURL), s3H: front(e.S3URL), keyARN: aws.ToString(md.Arn)}
	r.api = batchevaltest.NewSDKClient(r.apiH.URL, sb.AccessKeyID)
	r.kmsc = kmstest.NewSDKClient(r.kmsH.URL, sb.AccessKeyID)
	r.s3c = batchevaltest.NewS3SDKClient(r.s3H.URL, sb.AccessKeyID)
	r.c = batcheval.New(r.api, r.kmsc, append([]func(*batcheval.Options){func(o *batcheval.Options) {
		o.Region, o.Principal = "us-east-1", role
		o.WaitMinDelay, o.WaitMaxDelay = time.Millisecond, 4*time.Millisecond
	}}, optFns...)...)
	return r
}

var (
	startRoute = hostile.Route(http.MethodPost, "/evaluations/batch-evaluate")
	getRoute   = hostile.Route(http.MethodGet, "/evaluations/batch-evaluate/")
	listRoute  = func(r *http.Request) bool {
		return r.Method == http.MethodGet && r.URL.Path == "/evaluations/batch-evaluate"
	}
	deleteRoute = hostile.Route(http.MethodDelete, "/evaluations/batch-evaluate/")
)

func TestStartPreflightVerdicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		kmsRules    []string // operations answered with a 500
		proceed     bool
		wantStarted bool
		wantIs      []error
		wantNotIs   []error
	}{
		{
			name: "the key policy cannot be read: incomplete, refused by default", kmsRules: []string{"GetKeyPolicy"},
			wantIs: []error{kmscheck.ErrIncomplete}, wantNotIs: []error{batcheval.ErrNoPreflightAnswer, batcheval.ErrInvalidInput},
		},
		{name: "incomplete, and the caller opts in", kmsRules: []string{"GetKeyPolicy"}, proceed: true, wantStarted: true},
		{
			name: "every KMS call is a 500: no answer, refused even when opted in", kmsRules: []string{"DescribeKey", "GetKeyPolicy", "GenerateDataKey"},
			proceed: true, wantIs: []error{batcheval.ErrNoPreflightAnswer, kmscheck.ErrIncomplete},
		},
		{
			name: "every KMS call is a 500, not opted in", kmsRules: []string{"DescribeKey", "GetKeyPolicy", "GenerateDataKey"},
			wantIs: []error{batcheval.ErrNoPreflightAnswer},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, func(o *batcheval.Options) { o.ProceedOnIncompletePreflight = tt.proceed })
			for _, op := range tt.kmsRules {
				r.kmsH.On(hostile.Target(op), hostile.InternalError)
			}
			out, err := r.c.Start(t.Context(), startInput("verdict", r.keyARN))
			if tt.wantStarted {
				if err != nil || aws.ToString(out.BatchEvaluationId) == "" {
					t.Fatalf("Start = %+v, %v; want a started evaluation", out, err)
				}
				return
			}
			var pe *batcheval.PreflightError
			if !errors.As(err, &pe) || out != nil {
				t.Fatalf("Start = %+v, %v; want a *PreflightError", out, err)
			}
			for _, want := range tt.wantIs {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not unwrap to %v", err, want)
				}
			}
			for _, not := range tt.wantNotIs {
				if errors.Is(err, not) {
					t.Errorf("error %v unwraps to %v", err, not)
				}
			}
			if n := r.apiH.Seen(startRoute); n != 0 {
				t.Errorf("StartBatchEvaluation was called %d times after a refused preflight", n)
			}
		})
	}
}

// A 200 without the fields AWS always sends is never a result.
func TestEmptyAnswersAreIncomplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		match     hostile.Match
		answer    hostile.Answer
		call      func(t *testing.T, r *rig, id string) (any, error)
		wantOp    string
		wantField string
	}{
		{
			name: "Start on 200 {}", match: startRoute, answer: hostile.Empty,
			call: func(t *testing.T, r *rig, _ string) (any, error) {
				out, err := r.c.Start(t.Context(), startInput("empty", r.keyARN))
				if out != nil {
					return out, err
				}
				return nil, err
			},
			wantOp: "StartBatchEvaluation", wantField: "BatchEvaluationId",
		},
		{
			name: "Get on 200 {}", match: getRoute, answer: hostile.Empty,
			call: func(t *testing.T, r *rig, id string) (any, error) {
				out, err := r.c.Get(t.Context(), id)
				if out != nil {
					return out, err
				}
				return nil, err
			},
			wantOp: "GetBatchEvaluation", wantField: "BatchEvaluationId",
		},
		{
			name: "Wait on an answer without a status", match: getRoute,
			answer: hostile.Answer{Body: `{"batchEvaluationId":"x-0123456789","batchEvaluationArn":"arn:aws:bedrock-agentcore:us-east-1:111122223333:evaluation/x"}`},
			call: func(t *testing.T, r *rig, id string) (any, error) {
				out, err := r.c.Wait(t.Context(), id)
				if out != nil {
					return out, err
				}
				return nil, err
			},
			wantOp: "GetBatchEvaluation", wantField: "Status",
		},
		{
			name: "Delete on 200 {}", match: deleteRoute, answer: hostile.Empty,
			call: func(t *testing.T, r *rig, id string) (any, error) {
				out, err := r.c.Delete(t.Context(), id)
				if out != nil {
					return out, err
				}
				return nil, err
			},
			wantOp: "DeleteBatchEvaluation", wantField: "BatchEvaluationId",
		},
		{
			name: "Stop on 200 {}", match: hostile.Route(http.MethodPost, "/evaluations/batch-evaluate/"), answer: hostile.Empty,
			call: func(t *testing.T, r *rig, id string) (any, error) {
				out, err := r.c.Stop(t.Context(), id)
				if out != nil {
					return out, err
				}
				return nil, err
			},
			wantOp: "StopBatchEvaluation", wantField: "BatchEvaluationId",
		},
		{
			name: "List on a 200 carrying an error body", match: listRoute,
			answer: hostile.Answer{Body: `{"__type":"AccessDeniedException","message":"not authorized"}`},
			call: func(t *testing.T, r *rig, _ string) (any, error) {
				out, err := r.c.List(t.Context())
				if len(out) > 0 {
					return out, err
				}
				return nil, err
			},
			wantOp: "ListBatchEvaluations", wantField: "BatchEvaluations",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			start, err := r.c.Start(t.Context(), startInput("live", r.keyARN))
			if err != nil {
				t.Fatal(err)
			}
			r.apiH.On(tt.match, tt.answer)
			got, err := tt.call(t, r, aws.ToString(start.BatchEvaluationId))
			var ia *batcheval.IncompleteAnswerError
			if !errors.As(err, &ia) || !errors.Is(err, batcheval.ErrIncompleteAnswer) || ia.Op != tt.wantOp || ia.Field != tt.wantField {
				t.Fatalf("error = %v, want an *IncompleteAnswerError for %s %s", err, tt.wantOp, tt.wantField)
			}
			if got != nil {
				t.Errorf("output = %+v, want none", got)
			}
		})
	}
}

// Key references are checked with the module's one validator before any
// call; batch evaluations need the key in their own Region.
func TestStartRefusesMalformedKeys(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, key := range []string{
		`arn:aws:kms:us-east-1:1111:key/"x`,
		`arn:aws:kms:us-east-1:111122223333:key/"x`,
		"arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"1234abcd-12ab-34cd-56ef-1234567890ab",
	} {
		in := startInput("bad_key", key)
		for name, err := range map[string]error{"Validate": r.c.Validate(in), "Start": func() error { _, err := r.c.Start(t.Context(), in); return err }()} {
			var ie *batcheval.InputError
			if !errors.As(err, &ie) || ie.Field != "KmsKeyArn" {
				t.Errorf("%s(KmsKeyArn %q) = %v, want an *InputError for KmsKeyArn", name, key, err)
			}
		}
	}
	if n := r.kmsH.Seen(hostile.Any) + r.apiH.Seen(hostile.Any); n != 0 {
		t.Errorf("%d requests were sent for malformed keys", n)
	}
}

// A zero-value SDK client is bad input, never a panic in a goroutine.
func TestZeroClientsAreInputErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := startInput("zero", r.keyARN)
	opts := func(o *batcheval.Options) { o.Region, o.Principal = "us-east-1", role }
	ev := &bedrockagentcore.GetBatchEvaluationOutput{BatchEvaluationId: aws.String("e-0123456789"), BatchEvaluationArn: aws.String("arn:e"), KmsKeyArn: aws.String(r.keyARN)}
	tests := map[string]func() error{
		"zero data-plane client": func() error {
			_, err := batcheval.New(&bedrockagentcore.Client{}, r.kmsc, opts).Start(t.Context(), in)
			return err
		},
		"zero KMS client": func() error { _, err := batcheval.New(r.api, &kms.Client{}, opts).Start(t.Context(), in); return err },
		"zero S3 client, Archive": func() error {
			_, err := r.c.Archive(t.Context(), &s3.Client{}, "b", "p", ev)
			return err
		},
		"zero S3 client, VerifyArchive": func() error {
			return r.c.VerifyArchive(t.Context(), &s3.Client{}, &batcheval.ArchiveResult{Bucket: "b", KeyARN: r.keyARN, Keys: []string{"k"}})
		},
	}
	for name, run := range tests {
		var ie *batcheval.InputError
		if err := run(); !errors.As(err, &ie) {
			t.Errorf("%s: error = %v, want an *InputError", name, err)
		}
	}
	if n := r.kmsH.Seen(hostile.Any) + r.apiH.Seen(hostile.Any) + r.s3H.Seen(hostile.Any); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// Every exported method on a pointer type is safe on nil.
func TestNilReceivers(t *testing.T) {
	t.Parallel()
	var c *batcheval.Client
	in := startInput("nil_client", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
	if err := c.Validate(in, func(o *batcheval.Options) { o.Region = "us-east-1" }); err != nil {
		t.Errorf("nil Client Validate of good input = %v", err)
	}
	if err := c.Validate(startInput("bad-name", "alias/x")); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("nil Client Validate of bad input = %v", err)
	}
	if _, err := c.Start(t.Context(), in); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("nil Client Start = %v", err)
	}
	for name, err := range map[string]error{
		"KeyError":                (*batcheval.KeyError)(nil),
		"ResultsUnavailableError": (*batcheval.ResultsUnavailableError)(nil),
		"FailedError":             (*batcheval.FailedError)(nil),
		"ArchiveError":            (*batcheval.ArchiveError)(nil),
		"PreflightError":          (*batcheval.PreflightError)(nil),
		"PreflightError{}":        &batcheval.PreflightError{},
		"InputError":              (*batcheval.InputError)(nil),
		"IncompleteAnswerError":   (*batcheval.IncompleteAnswerError)(nil),
	} {
		if err.Error() == "" {
			t.Errorf("%s: empty message", name)
		}
		_ = errors.Is(err, batcheval.ErrAccessDenied) // walks Unwrap
	}
}

// The package's names for the module's facts and sentinels are the
// module's values.
func TestOneSourceOfTruth(t *testing.T) {
	t.Parallel()
	if batcheval.ErrInvalidInput != kmscheck.ErrInvalidInput || batcheval.ErrAccessDenied != kmscheck.ErrAccessDenied || batcheval.ErrKeyNotUsable != kmscheck.ErrKeyNotUsable {
		t.Error("batcheval's sentinels are not kmscheck's")
	}
	r := newRig(t, func(o *batcheval.Options) { o.Principal = "not-an-arn" })
	_, err := r.c.Start(t.Context(), startInput("bad_principal", r.keyARN))
	if !errors.Is(err, batcheval.ErrInvalidInput) || !errors.Is(err, kmscheck.ErrInvalidInput) {
		t.Errorf("bad principal: %v, want ErrInvalidInput", err)
	}
}
