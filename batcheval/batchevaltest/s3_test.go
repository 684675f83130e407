package batchevaltest_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

const evalARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/nightly-abc"

func sseInput(key, keyID string) *s3.PutObjectInput {
	return &s3.PutObjectInput{
		Bucket: aws.String("archive"), Key: aws.String(key), Body: strings.NewReader(`{"ok":true}`),
		ServerSideEncryption:    s3types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:             aws.String(keyID),
		SSEKMSEncryptionContext: aws.String(base64.StdEncoding.EncodeToString([]byte(`{"` + keypolicy.BatchEvaluationContextKey + `":"` + evalARN + `"}`))),
	}
}

// TestGofakes3AloneDoesNotEnforceSSEKMS records what gofakes3 does by
// itself: it echoes the SSE-KMS headers it was given, key id and all, and
// accepts a key that does not exist. This is why the sandbox puts the
// batchevaltest.S3 front on it.
func TestGofakes3AloneDoesNotEnforceSSEKMS(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true)).Server())
	defer srv.Close()
	c := batchevaltest.NewS3SDKClient(srv.URL, accessKey)
	ctx := context.Background()
	if _, err := c.PutObject(ctx, sseInput("a.json", "no-such-key")); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json")})
	if err != nil {
		t.Fatal(err)
	}
	if head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != "no-such-key" {
		t.Errorf("gofakes3 head = %s %q; if this changed, revisit batchevaltest.S3", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId))
	}
	// And it merges old metadata into a replacement: a plain overwrite still
	// says aws:kms.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Fatal(err)
	}
	head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json")})
	if err != nil || head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms {
		t.Errorf("gofakes3 head after a plain overwrite = %v, %v; if this changed, revisit batchevaltest.S3.dropInner", head, err)
	}
}

func TestS3EnforcesSSEKMS(t *testing.T) {
	sb, err := agentcoretest.Start(role)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	k := sb.Emulators.KMS
	strangerClients, err := sb.As("Stranger")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := doc.JSON()
	md := k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
	c := sb.S3
	ctx := context.Background()

	// The key id is enough; S3 reports the key ARN.
	if _, err := c.PutObject(ctx, sseInput("a.json", aws.ToString(md.KeyId))); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json")})
	if err != nil {
		t.Fatal(err)
	}
	if head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != aws.ToString(md.Arn) {
		t.Errorf("head = %s %q, want aws:kms %q", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId), aws.ToString(md.Arn))
	}
	var sawS3 bool
	for _, call := range k.Requests() {
		if call.Operation == "GenerateDataKey" && call.Caller.ViaService == "s3.us-east-1.amazonaws.com" && call.Caller.Principal == role && call.Err == nil {
			sawS3 = true
		}
	}
	if !sawS3 {
		t.Errorf("no GenerateDataKey through S3 for %s in %+v", role, k.Requests())
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(body) != `{"ok":true}` {
		t.Errorf("body = %s", body)
	}

	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return ""
	}
	// Without the encryption context the key policy requires, KMS refuses.
	noEC := sseInput("b.json", aws.ToString(md.Arn))
	noEC.SSEKMSEncryptionContext = nil
	if _, err := c.PutObject(ctx, noEC); code(err) != "AccessDenied" {
		t.Errorf("put without the encryption context: %v, want AccessDenied", err)
	}
	// A principal the key policy does not name is refused.
	stranger := strangerClients.S3
	if _, err := stranger.PutObject(ctx, sseInput("c.json", aws.ToString(md.Arn))); code(err) != "AccessDenied" {
		t.Errorf("put by a stranger: %v, want AccessDenied", err)
	}
	// A disabled key can neither write nor read.
	if err := k.SetKeyState(aws.ToString(md.KeyId), kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, sseInput("d.json", aws.ToString(md.Arn))); code(err) != "KMS.DisabledException" {
		t.Errorf("put with a disabled key: %v, want KMS.DisabledException", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json")}); code(err) != "KMS.DisabledException" {
		t.Errorf("get with a disabled key: %v, want KMS.DisabledException", err)
	}
	// HeadObject needs no KMS call.
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json")}); err != nil {
		t.Errorf("head with a disabled key: %v", err)
	}
	// A plain overwrite of an SSE-KMS object is plain, as in S3.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Fatal(err)
	}
	head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("a.json")})
	if err != nil || head.ServerSideEncryption != "" || head.SSEKMSKeyId != nil {
		t.Errorf("head after a plain overwrite = %v, %v", head, err)
	}
	// Objects without SSE-KMS pass through untouched.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("archive"), Key: aws.String("plain.json"), Body: strings.NewReader("{}")}); err != nil {
		t.Fatal(err)
	}
	head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("plain.json")})
	if err != nil || head.ServerSideEncryption != "" {
		t.Errorf("plain head = %v, %v", head, err)
	}
}
