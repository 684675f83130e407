package kmscheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// wireRequest is one KMS request as it crossed the wire.
type wireRequest struct {
	Target string
	Body   map[string]any
}

// recordingServer serves k and records every request body it receives.
func recordingServer(t *testing.T, k *kmstest.KMS) (*kms.Client, func() []wireRequest) {
	t.Helper()
	var mu sync.Mutex
	var got []wireRequest
	h := k.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("request body is not JSON: %v", err)
		}
		mu.Lock()
		got = append(got, wireRequest{Target: r.Header.Get("X-Amz-Target"), Body: body})
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return kmstest.NewSDKClient(srv.URL, akid), func() []wireRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]wireRequest(nil), got...)
	}
}

// The dry run is what goes on the wire: GenerateDataKey with DryRun true
// and the batch evaluation's encryption context, never a plain data-key
// request; and the policy-engine preflight sends no GenerateDataKey at all.
func TestDryRunOnTheWire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const evalARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"
	tests := []struct {
		name    string
		target  kmscheck.Target
		wantGDK []map[string]any // GenerateDataKey bodies, without KeyId
	}{
		{
			name: "batch evaluation narrowed to one evaluation: its ARN is the context",
			target: kmscheck.BatchEvaluation(keypolicy.BatchEvaluationParams{
				Account: account, Region: region, Principal: caller, BatchEvaluationARN: evalARN,
			}),
			wantGDK: []map[string]any{{
				"DryRun": true, "KeySpec": "AES_256",
				"EncryptionContext": map[string]any{"aws:bedrock-agentcore:batchEvaluationArn": evalARN},
			}},
		},
		{
			name:   "batch evaluation of any evaluation: a dry run all the same",
			target: beTarget,
		},
		{
			name:   "policy engine: checked statically, no dry run",
			target: peTarget,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := kmstest.New()
			k.MapAccessKey(akid, caller)
			c, sent := recordingServer(t, k)
			feature := keypolicy.FeatureBatchEvaluation
			if tt.target.PolicyEngine != nil {
				feature = keypolicy.FeaturePolicyEngine
			}
			e := &env{k: k, c: c}
			md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, feature))})
			k.ResetCalls()
			r, err := kmscheck.Check(ctx, c, *md.Arn, tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK() {
				t.Errorf("statuses %v, want no failure", statuses(r))
			}
			var gdk []map[string]any
			for _, w := range sent() {
				switch w.Target {
				case "TrentService.GenerateDataKey", "TrentService.GenerateDataKeyWithoutPlaintext":
					if w.Body["KeyId"] != *md.Arn {
						t.Errorf("%s named key %v, want %s", w.Target, w.Body["KeyId"], *md.Arn)
					}
					delete(w.Body, "KeyId")
					gdk = append(gdk, w.Body)
				case "TrentService.DescribeKey", "TrentService.GetKeyPolicy":
				default:
					t.Errorf("unexpected request %s %v", w.Target, w.Body)
				}
			}
			if tt.target.BatchEvaluation != nil {
				if len(gdk) != 1 {
					t.Fatalf("%d GenerateDataKey requests, want one dry run", len(gdk))
				}
				if gdk[0]["DryRun"] != true {
					t.Errorf("GenerateDataKey sent without DryRun: %v", gdk[0])
				}
				if tt.wantGDK == nil {
					// Whatever the context, it names only the batch evaluation key.
					ec, _ := gdk[0]["EncryptionContext"].(map[string]any)
					for name := range ec {
						if name != "aws:bedrock-agentcore:batchEvaluationArn" {
							t.Errorf("encryption context key %q, want only the batch evaluation ARN key", name)
						}
					}
					return
				}
			}
			if diff := cmp.Diff(tt.wantGDK, gdk); diff != "" {
				t.Errorf("GenerateDataKey requests (-want +got):\n%s", diff)
			}
		})
	}
}
