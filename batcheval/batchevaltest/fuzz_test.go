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
		case rec.Header().Get("X-Amzn-Errortype") == "" || out["message"] == nil:
			t.Fatalf("status %d without an error type or message: %v", rec.Code, out)
		}
	})
}
