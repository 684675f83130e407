package batchevaltest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// FuzzStartRequest sends arbitrary StartBatchEvaluation bodies: the emulator
// never panics, answers 202 with a well-formed evaluation, or an error with
// the X-Amzn-Errortype header and a JSON message.
func FuzzStartRequest(f *testing.F) {
	k := kmstest.New()
	k.MapAccessKey("AKIAFUZZ", "arn:aws:iam::111122223333:role/Fuzz")
	md := k.CreateTestKey(f, &kms.CreateKeyInput{Policy: aws.String(k.DefaultKeyPolicy())})
	key := aws.ToString(md.Arn)
	for _, seed := range []string{
		`{"batchEvaluationName":"a","dataSourceConfig":{"cloudWatchLogs":{"serviceNames":["s"],"logGroupNames":["g"]}},"kmsKeyArn":"` + key + `"}`,
		`{"batchEvaluationName":"a","dataSourceConfig":{"cloudWatchLogs":{}},"evaluators":[{"evaluatorId":"e"}],"insights":[{}]}`,
		`{"batchEvaluationName":null,"dataSourceConfig":null}`,
		`{"kmsKeyArn":"arn:aws:kms:us-east-1:111122223333:alias/x","batchEvaluationName":"b","dataSourceConfig":{"x":1}}`,
		`[]`, `"`, `{"tags":{"a":"b"},"clientToken":"t","batchEvaluationName":"c","dataSourceConfig":{"a":{},"b":{}}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		em := batchevaltest.New(k)
		req := httptest.NewRequest(http.MethodPost, "/evaluations/batch-evaluate", strings.NewReader(body))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFUZZ/20260102/us-east-1/bedrock-agentcore/aws4_request")
		rec := httptest.NewRecorder()
		em.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d with a body that is not JSON: %q", rec.Code, rec.Body.String())
		}
		switch {
		case rec.Code == http.StatusAccepted:
			if out["batchEvaluationId"] == "" || out["status"] != "PENDING" {
				t.Fatalf("accepted without an evaluation: %v", out)
			}
		case rec.Code == http.StatusInternalServerError && rec.Header().Get("X-Amzn-Errortype") == "InternalFailure":
			t.Fatalf("a handler panicked: %v", out)
		case rec.Header().Get("X-Amzn-Errortype") == "" || out["message"] == nil:
			t.Fatalf("status %d without an error type or message: %v", rec.Code, out)
		}
	})
}

// FuzzS3Front sends arbitrary object requests to the S3 front: it never
// panics (a panic would be answered 500 InternalError).
func FuzzS3Front(f *testing.F) {
	k := kmstest.New()
	k.MapAccessKey("AKIAFUZZ", "arn:aws:iam::111122223333:role/Fuzz")
	md := k.CreateTestKey(f, &kms.CreateKeyInput{Policy: aws.String(k.DefaultKeyPolicy())})
	s := batchevaltest.NewS3(k)
	f.Add("PUT", "/b/a%0Ab", "aws:kms", aws.ToString(md.Arn), "")
	f.Add("PUT", "/b/copy", "", "", "/b/a%0Ab")
	f.Add("POST", "/b/mp?uploads", "aws:kms", aws.ToString(md.KeyId), "")
	f.Add("PUT", "/b/mp?partNumber=1&uploadId=x", "", "", "")
	f.Add("POST", "/b/mp?uploadId=x", "", "", "")
	f.Add("GET", "/b/a%0Ab", "", "", "")
	f.Fuzz(func(t *testing.T, method, target, sse, keyID, copySource string) {
		req, err := http.NewRequest(method, "http://s3"+target, strings.NewReader("body"))
		if err != nil || req.URL.Path == "" {
			return
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFUZZ/20260102/us-east-1/s3/aws4_request")
		for h, v := range map[string]string{"X-Amz-Server-Side-Encryption": sse, "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": keyID, "X-Amz-Copy-Source": copySource} {
			if v != "" {
				req.Header.Set(h, v)
			}
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code == http.StatusInternalServerError && strings.Contains(rec.Body.String(), "<Code>InternalError</Code>") && strings.Contains(rec.Body.String(), "We encountered an internal error:") {
			t.Fatalf("%s %s panicked: %s", method, target, rec.Body)
		}
	})
}
