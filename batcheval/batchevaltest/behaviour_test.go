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
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
)

func codeOf(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// A malformed kmsKeyArn is refused against the API's pattern before any
// KMS call: ValidationException, never the access denial KMS would give.
func TestMalformedKMSKeyARNIsAValidationError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, key := range []string{
		"arn:aws:kms:us-east-1:111122223333:key/1234",
		"arn:aws-iso:kms:us-iso-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"1234abcd-12ab-34cd-56ef-1234567890ab",
		"alias/batch",
	} {
		before := len(e.em.KMSCalls())
		_, err := e.api.StartBatchEvaluation(t.Context(), startInput("malformed", key))
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "'kmsKeyArn'") {
			t.Errorf("kmsKeyArn %q: %v, want a ValidationException on kmsKeyArn", key, err)
		}
		if n := len(e.em.KMSCalls()) - before; n != 0 {
			t.Errorf("kmsKeyArn %q: %d KMS calls, want none", key, n)
		}
	}
}

func TestTagsAreValidated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for name, tags := range map[string]map[string]string{
		"an aws: key":         {"aws:createdBy": "me"},
		"an empty key":        {"": "x"},
		"a character outside": {"a;b": "x"},
		"a long value":        {"k": strings.Repeat("v", 257)},
	} {
		in := startInput("tagged", e.keyARN)
		in.Tags = tags
		_, err := e.api.StartBatchEvaluation(t.Context(), in)
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "'tags'") {
			t.Errorf("%s: %v, want a ValidationException on tags", name, err)
		}
	}
	in := startInput("tagged", e.keyARN)
	in.Tags = map[string]string{"team": "agents", "cost-center": "a/b:c=d+e@f"}
	out, err := e.api.StartBatchEvaluation(t.Context(), in)
	if err != nil || len(out.Tags) != 2 {
		t.Errorf("valid tags: %v, %v", out, err)
	}
}

// A completed evaluation with failed sessions whose results can no longer
// be read still reports one errorDetails entry, which says both.
func TestErrorDetailsHoldsOneEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, func(o *batchevaltest.Options) { o.FailedSessions = 1 })
	start := e.start(t, "partial")
	e.clock.Add(time.Minute)
	got, err := e.get(t.Context(), start.BatchEvaluationId)
	if err != nil || got.Status != types.BatchEvaluationStatusCompletedWithErrors || len(got.ErrorDetails) != 1 {
		t.Fatalf("completed with errors: %v, %v", got, err)
	}
	e.setState(t, kmstypes.KeyStateDisabled)
	got, err = e.get(t.Context(), start.BatchEvaluationId)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.ErrorDetails) != 1 || !strings.Contains(got.ErrorDetails[0], "1 of 4 sessions") || !strings.Contains(got.ErrorDetails[0], batchevaltest.ResultsUnavailablePrefix) {
		t.Errorf("errorDetails = %q, want one entry naming the failed sessions and the unreadable results", got.ErrorDetails)
	}
	list, err := e.api.ListBatchEvaluations(t.Context(), &bedrockagentcore.ListBatchEvaluationsInput{})
	if err != nil || len(list.BatchEvaluations) != 1 || len(list.BatchEvaluations[0].ErrorDetails) > 1 {
		t.Errorf("list = %v, %v; want at most one errorDetails entry", list, err)
	}
}

// InjectFault appends; SetLatency, Requests and RequestCount are the same
// controls as every emulator's.
func TestFaultQueueAppends(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	start := e.start(t, "faulted")
	e.em.InjectFault(batchevaltest.OpGet, batchevaltest.ThrottlingFault(), 1)
	e.em.InjectFault(batchevaltest.OpGet, batchevaltest.InternalFault(), 1)
	before := e.em.RequestCount(batchevaltest.OpGet)
	if _, err := e.get(t.Context(), start.BatchEvaluationId); err != nil {
		t.Fatalf("get after two injected faults and the SDK's three attempts: %v", err)
	}
	if n := e.em.RequestCount(batchevaltest.OpGet) - before; n != 3 {
		t.Errorf("%d GetBatchEvaluation requests, want 3 (both faults kept)", n)
	}
	reqs := e.em.Requests()
	var codes []string
	for _, r := range reqs[len(reqs)-3:] {
		codes = append(codes, r.ErrorCode)
	}
	if want := []string{"ThrottlingException", "InternalServerException", ""}; strings.Join(codes, ",") != strings.Join(want, ",") {
		t.Errorf("recorded error codes %q, want %q", codes, want)
	}
	e.em.SetLatency(time.Hour)
	ctx, cancel := contextWithTimeout(t, 20*time.Millisecond)
	defer cancel()
	if _, err := e.get(ctx, start.BatchEvaluationId); err == nil {
		t.Error("a get under an hour of latency finished before its deadline")
	}
	e.em.SetLatency(0)
	if _, err := e.get(t.Context(), start.BatchEvaluationId); err != nil {
		t.Errorf("after the latency is removed: %v", err)
	}
}

func TestUnknownAccessKeyAndPanics(t *testing.T) {
	t.Parallel()
	var explode atomic.Bool
	sb, err := agentcoretest.Start("R", func(o *agentcoretest.Options) {
		now := func() time.Time {
			if explode.Load() {
				panic("clock exploded")
			}
			return time.Now()
		}
		o.DataPlane = append(o.DataPlane, func(bo *batchevaltest.Options) { bo.Now = now })
		o.S3 = append(o.S3, func(so *batchevaltest.S3Options) { so.Now = now })
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	stranger := batchevaltest.NewSDKClient(sb.Emulators.DataPlaneURL, "AKIANOBODYKNOWS")
	if _, err := stranger.ListBatchEvaluations(t.Context(), &bedrockagentcore.ListBatchEvaluationsInput{}); codeOf(err) != "UnrecognizedClientException" {
		t.Errorf("unknown access key on the data plane: %v, want UnrecognizedClientException", err)
	}
	s3Stranger := batchevaltest.NewS3SDKClient(sb.Emulators.S3URL, "AKIANOBODYKNOWS")
	if _, err := s3Stranger.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x")}); codeOf(err) != "InvalidAccessKeyId" {
		t.Errorf("unknown access key on S3: %v, want InvalidAccessKeyId, S3's answer", err)
	}
	explode.Store(true)
	if _, err := sb.DataPlane.ListBatchEvaluations(t.Context(), &bedrockagentcore.ListBatchEvaluationsInput{}); codeOf(err) != "InternalFailure" {
		t.Errorf("a panicking data plane: %v, want InternalFailure", err)
	}
	if _, err := sb.S3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("k")}); err == nil {
		t.Error("a panicking S3 answered a HEAD")
	}
	_, err = sb.S3.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	if codeOf(err) != "InternalError" {
		t.Errorf("a panicking S3: %v, want InternalError", err)
	}
	explode.Store(false)
	if _, err := sb.DataPlane.ListBatchEvaluations(t.Context(), &bedrockagentcore.ListBatchEvaluationsInput{}); err != nil {
		t.Errorf("after the panic: %v", err)
	}
}

// s3Env is a sandbox whose key has the documented batch-evaluation policy
// (no root statement), and the S3 client of its role.
func s3Env(t *testing.T) (*env, *s3.Client) {
	e := newEnv(t, nil)
	return e, e.sb.S3
}

func TestPutObjectAnswersWithSSEKMSHeaders(t *testing.T) {
	t.Parallel()
	e, c := s3Env(t)
	out, err := c.PutObject(t.Context(), sseInput("a.json", e.keyID))
	if err != nil {
		t.Fatal(err)
	}
	if out.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) != e.keyARN {
		t.Errorf("PutObject answered %q %q, want aws:kms and the key ARN %s", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId), e.keyARN)
	}
}

func TestCopyObjectDecryptsTheSource(t *testing.T) {
	t.Parallel()
	e, c := s3Env(t)
	ctx := t.Context()
	if _, err := c.PutObject(ctx, sseInput("src.json", e.keyARN)); err != nil {
		t.Fatal(err)
	}
	// A plain copy is SSE-S3, never the source's KMS headers.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("archive"), Key: aws.String("plain-copy.json"), CopySource: aws.String("archive/src.json")}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("plain-copy.json")})
	if err != nil || head.ServerSideEncryption != s3types.ServerSideEncryptionAes256 || aws.ToString(head.SSEKMSKeyId) != "" {
		t.Errorf("head of a plain copy = %v %q, %v; want AES256 and no KMS key", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId), err)
	}
	// An SSE-KMS copy is encrypted under the destination's key.
	in := sseInput("kms-copy.json", e.keyARN)
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String("archive"), Key: aws.String("kms-copy.json"), CopySource: aws.String("archive/src.json"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(e.keyARN), SSEKMSEncryptionContext: in.SSEKMSEncryptionContext,
	})
	if err != nil || cp.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(cp.SSEKMSKeyId) != e.keyARN {
		t.Errorf("SSE-KMS copy = %v, %v", cp, err)
	}
	// With the key disabled, S3 cannot decrypt the source.
	e.setState(t, kmstypes.KeyStateDisabled)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("archive"), Key: aws.String("late-copy.json"), CopySource: aws.String("archive/src.json")})
	if codeOf(err) != "KMS.DisabledException" {
		t.Errorf("copy of an SSE-KMS object under a disabled key: %v, want KMS.DisabledException", err)
	}
}

func TestMultipartUploadsEnforceSSEKMS(t *testing.T) {
	t.Parallel()
	e, c := s3Env(t)
	ctx := t.Context()
	in := sseInput("big.json", e.keyARN)
	create := func(key string) (*s3.CreateMultipartUploadOutput, error) {
		return c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket: aws.String("archive"), Key: aws.String(key),
			ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(e.keyID), SSEKMSEncryptionContext: in.SSEKMSEncryptionContext,
		})
	}
	up, err := create("big.json")
	if err != nil {
		t.Fatal(err)
	}
	if up.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(up.SSEKMSKeyId) != e.keyARN {
		t.Errorf("CreateMultipartUpload answered %q %q", up.ServerSideEncryption, aws.ToString(up.SSEKMSKeyId))
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("archive"), Key: aws.String("big.json"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(`{"ok":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	complete := func(key string, id *string, etag *string) error {
		_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String("archive"), Key: aws.String(key), UploadId: id,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: etag, PartNumber: aws.Int32(1)}}},
		})
		return err
	}
	if err := complete("big.json", up.UploadId, part.ETag); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("big.json")})
	if err != nil || head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != e.keyARN {
		t.Errorf("head of the multipart object = %v, %v", head, err)
	}
	// The object is read through KMS like any SSE-KMS object, and a second
	// upload under a disabled key cannot complete.
	up2, err := create("late.json")
	if err != nil {
		t.Fatal(err)
	}
	part2, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("archive"), Key: aws.String("late.json"), UploadId: up2.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	if err != nil {
		t.Fatal(err)
	}
	e.setState(t, kmstypes.KeyStateDisabled)
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("archive"), Key: aws.String("big.json")}); codeOf(err) != "KMS.DisabledException" {
		t.Errorf("get of the multipart object under a disabled key: %v, want KMS.DisabledException", err)
	}
	if err := complete("late.json", up2.UploadId, part2.ETag); codeOf(err) != "KMS.DisabledException" {
		t.Errorf("complete under a disabled key: %v, want KMS.DisabledException", err)
	}
	if _, err := create("never.json"); codeOf(err) != "KMS.DisabledException" {
		t.Errorf("create under a disabled key: %v, want KMS.DisabledException", err)
	}
}

// Object keys follow S3's rules: any UTF-8, newlines included, up to 1,024
// bytes.
func TestObjectKeys(t *testing.T) {
	t.Parallel()
	e, c := s3Env(t)
	ctx := t.Context()
	for _, key := range []string{"a\nb/metadata.json", "sp ace/ü.json", strings.Repeat("k", 1024)} {
		if _, err := c.PutObject(ctx, sseInput(key, e.keyARN)); err != nil {
			t.Fatalf("PutObject(%q): %v", key, err)
		}
		// An overwrite drops the old object first: the key must survive that.
		if _, err := c.PutObject(ctx, sseInput(key, e.keyARN)); err != nil {
			t.Fatalf("overwriting %q: %v", key, err)
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("archive"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject(%q): %v", key, err)
		}
		body, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if string(body) != `{"ok":true}` {
			t.Errorf("GetObject(%q) = %s", key, body)
		}
	}
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("archive"), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")})
	var re interface{ HTTPStatusCode() int }
	if codeOf(err) != "KeyTooLongError" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
		t.Errorf("a 1,025-byte key: %v, want 400 KeyTooLongError", err)
	}
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

// The request and KMS-call records are rings: memory per recorded call is
// bounded however many requests are served.
func TestRecordsAreBounded(t *testing.T) {
	t.Parallel()
	sb, err := agentcoretest.Start("R", func(o *agentcoretest.Options) {
		o.DataPlane = append(o.DataPlane, func(bo *batchevaltest.Options) { bo.MaxRequests = 5 })
		o.S3 = append(o.S3, func(so *batchevaltest.S3Options) { so.MaxRequests = 5 })
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	for range 20 {
		if _, err := sb.DataPlane.ListBatchEvaluations(t.Context(), &bedrockagentcore.ListBatchEvaluationsInput{}); err != nil {
			t.Fatal(err)
		}
		_, _ = sb.S3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("none")})
	}
	if n := len(sb.Emulators.DataPlane.Requests()); n != 5 {
		t.Errorf("data plane keeps %d requests, want 5", n)
	}
	if n := sb.Emulators.DataPlane.RequestCount(batchevaltest.OpList); n != 20 {
		t.Errorf("data plane counted %d requests, want 20", n)
	}
	if n := len(sb.Emulators.S3.Requests()); n != 5 {
		t.Errorf("S3 keeps %d requests, want 5", n)
	}
	if n := sb.Emulators.S3.RequestCount(batchevaltest.OpHeadObject); n != 20 {
		t.Errorf("S3 counted %d HeadObject requests, want 20", n)
	}
}
