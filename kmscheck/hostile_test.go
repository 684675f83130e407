package kmscheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// misbehaviour is how the hostile endpoint answers one KMS operation.
type misbehaviour struct {
	// body, if set, is answered with HTTP 200 instead of forwarding.
	body string
	// drop removes these top-level fields of KeyMetadata (DescribeKey) or
	// of the answer (other operations) from the real answer.
	drop []string
	// set replaces these fields of KeyMetadata in the real answer.
	set map[string]any
	// hang never answers: the handler waits until the request is gone.
	hang bool
}

// hostileServer is a loopback KMS endpoint in front of k: it forwards every
// request to k except the operations in ops, which it answers as told. It
// returns the real SDK client of the caller pointed at it.
func hostileServer(t *testing.T, k *kmstest.KMS, ops map[string]misbehaviour) *kms.Client {
	t.Helper()
	h := k.Handler()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
		m, ok := ops[op]
		if !ok {
			m, ok = ops["*"]
		}
		switch {
		case !ok:
			h.ServeHTTP(w, r)
			return
		case m.hang:
			// The server notices a client that gave up only once the body
			// is read.
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-stop:
			}
			return
		case m.body != "":
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			io.WriteString(w, m.body)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK {
			t.Errorf("%s: upstream answered %d %s", op, rec.Code, rec.Body)
			return
		}
		fields := out
		if md, ok := out["KeyMetadata"].(map[string]any); ok {
			fields = md
		}
		for _, f := range m.drop {
			delete(fields, f)
		}
		for f, v := range m.set {
			fields[f] = v
		}
		b, _ := json.Marshal(out)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: no handler outlives the test
	return kmstest.NewSDKClient(srv.URL, akid)
}

// TestMisbehavingEndpoint drives Check through the real SDK client against
// an endpoint that answers without the answers a pass needs: every finding
// that reads a missing answer is unknown, never pass, and the report is
// incomplete, never passed.
func TestMisbehavingEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		feature string
		ops     map[string]misbehaviour
		// wantUnknown must be unknown; every other finding passes.
		wantUnknown []string
		// allUnknown: every finding is unknown.
		allUnknown bool
		// external creates the key with imported material.
		external bool
	}{
		{name: "200 {} to everything, policy engine", feature: keypolicy.FeaturePolicyEngine, ops: map[string]misbehaviour{"*": {body: "{}"}}, allUnknown: true},
		{name: "200 {} to everything, batch evaluation", feature: keypolicy.FeatureBatchEvaluation, ops: map[string]misbehaviour{"*": {body: "{}"}}, allUnknown: true},
		{name: "200 with an error body", feature: keypolicy.FeaturePolicyEngine,
			ops: map[string]misbehaviour{"*": {body: `{"__type":"AccessDeniedException","message":"no"}`}}, allUnknown: true},
		{name: "the dry run answers 200 {}", feature: keypolicy.FeatureBatchEvaluation,
			ops: map[string]misbehaviour{"GenerateDataKey": {body: "{}"}}, wantUnknown: []string{kmscheck.IDDryRunGenerateDataKey}},
		{name: "the dry run answers a data key", feature: keypolicy.FeatureBatchEvaluation,
			ops: map[string]misbehaviour{"GenerateDataKey": {body: `{"KeyId":"x","Plaintext":"AAAA","CiphertextBlob":"AAAA"}`}}, wantUnknown: []string{kmscheck.IDDryRunGenerateDataKey}},
		{name: "no KeyManager", feature: keypolicy.FeaturePolicyEngine,
			ops: map[string]misbehaviour{"DescribeKey": {drop: []string{"KeyManager"}}}, wantUnknown: []string{kmscheck.IDKeyManager}},
		{name: "no Origin", feature: keypolicy.FeaturePolicyEngine,
			ops:         map[string]misbehaviour{"DescribeKey": {drop: []string{"Origin"}}},
			wantUnknown: []string{kmscheck.IDKeyMaterialExpiry, kmscheck.IDKeyCustomKeyStore}},
		{name: "no KeySpec", feature: keypolicy.FeaturePolicyEngine,
			ops: map[string]misbehaviour{"DescribeKey": {drop: []string{"KeySpec"}}}, wantUnknown: []string{kmscheck.IDKeySpec}},
		{name: "no KeyUsage", feature: keypolicy.FeaturePolicyEngine,
			ops: map[string]misbehaviour{"DescribeKey": {drop: []string{"KeyUsage"}}}, wantUnknown: []string{kmscheck.IDKeyUsage}},
		{name: "no KeyState", feature: keypolicy.FeatureBatchEvaluation,
			ops: map[string]misbehaviour{"DescribeKey": {drop: []string{"KeyState"}}}, wantUnknown: []string{kmscheck.IDKeyState}},
		{name: "no AWSAccountId", feature: keypolicy.FeaturePolicyEngine,
			ops: map[string]misbehaviour{"DescribeKey": {drop: []string{"AWSAccountId"}}}, wantUnknown: []string{kmscheck.IDKeyAccount}},
		{name: "an AWSAccountId the ARN contradicts", feature: keypolicy.FeaturePolicyEngine,
			ops: map[string]misbehaviour{"DescribeKey": {set: map[string]any{"AWSAccountId": "444455556666"}}}, wantUnknown: []string{kmscheck.IDKeyAccount}},
		{name: "imported material without ExpirationModel", feature: keypolicy.FeaturePolicyEngine, external: true,
			ops: map[string]misbehaviour{"DescribeKey": {drop: []string{"ExpirationModel"}}}, wantUnknown: []string{kmscheck.IDKeyMaterialExpiry}},
		{name: "expiring material without ValidTo", feature: keypolicy.FeaturePolicyEngine, external: true,
			ops:         map[string]misbehaviour{"DescribeKey": {set: map[string]any{"ExpirationModel": "KEY_MATERIAL_EXPIRES"}, drop: []string{"ValidTo"}}},
			wantUnknown: []string{kmscheck.IDKeyMaterialExpiry}},
		{name: "a custom key store origin without its id", feature: keypolicy.FeaturePolicyEngine,
			ops: map[string]misbehaviour{"DescribeKey": {set: map[string]any{"Origin": "AWS_CLOUDHSM"}}}, wantUnknown: []string{kmscheck.IDKeyCustomKeyStore}},
		{name: "no Arn", feature: keypolicy.FeaturePolicyEngine, ops: map[string]misbehaviour{"DescribeKey": {drop: []string{"Arn"}}},
			// The key ARN Check was given still lets the policy be judged.
			wantUnknown: []string{kmscheck.IDKeyExists, kmscheck.IDKeyReference, kmscheck.IDKeySpec, kmscheck.IDKeyUsage, kmscheck.IDKeyState,
				kmscheck.IDKeyManager, kmscheck.IDKeyRegion, kmscheck.IDKeyAccount, kmscheck.IDKeyMaterialExpiry, kmscheck.IDKeyCustomKeyStore}},
		{name: "an empty Policy", feature: keypolicy.FeaturePolicyEngine, ops: map[string]misbehaviour{"GetKeyPolicy": {body: `{"Policy":"","PolicyName":"default"}`}},
			wantUnknown: append([]string{kmscheck.IDPolicyRead}, peIDs[len(keyIDs):]...)},
		{name: "no Policy", feature: keypolicy.FeatureBatchEvaluation, ops: map[string]misbehaviour{"GetKeyPolicy": {body: `{"PolicyName":"default"}`}},
			wantUnknown: append([]string{kmscheck.IDPolicyRead}, beIDs[len(keyIDs):len(beIDs)-1]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			in := &kms.CreateKeyInput{Policy: aws.String(e.policy(t, tt.feature))}
			if tt.external {
				in.Origin = types.OriginTypeExternal
			}
			md := e.key(t, in)
			if tt.external {
				if err := e.k.UpdateKey(*md.KeyId, func(m *types.KeyMetadata) { m.KeyState = types.KeyStateEnabled }); err != nil {
					t.Fatal(err)
				}
			}
			target := peTarget
			if tt.feature == keypolicy.FeatureBatchEvaluation {
				target = beTarget
			}
			c := hostileServer(t, e.k, tt.ops)
			r, err := kmscheck.Check(t.Context(), c, *md.Arn, target)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, id := range tt.wantUnknown {
				want[id] = true
			}
			for _, f := range r.Findings {
				switch {
				case tt.allUnknown || want[f.ID]:
					if f.Status != kmscheck.StatusUnknown || f.Remedy == "" && f.Err == nil {
						t.Errorf("%v, want unknown with a remedy or a cause", f)
					}
				case f.Status != kmscheck.StatusPass:
					t.Errorf("%v, want pass", f)
				}
			}
			if r.Passed() || r.OK() || !r.Incomplete() {
				t.Errorf("outcome %v (OK %v), want incomplete", r.Outcome(), r.OK())
			}
			var ie *kmscheck.IncompleteError
			if err := r.Err(); !errors.Is(err, kmscheck.ErrIncomplete) || !errors.As(err, &ie) || len(ie.Unknown) == 0 {
				t.Errorf("Err() = %v, want an *IncompleteError", err)
			}
		})
	}
}

// A missing field is named in the finding's cause.
func TestMissingFieldIsNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, keypolicy.FeaturePolicyEngine))})
	c := hostileServer(t, e.k, map[string]misbehaviour{"DescribeKey": {drop: []string{"KeyManager"}}})
	r, err := kmscheck.Check(t.Context(), c, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, r, kmscheck.IDKeyManager)
	var mf *kmscheck.MissingFieldError
	if !errors.As(f.Err, &mf) || mf.Operation != "DescribeKey" || mf.Field != "KeyMetadata.KeyManager" || !strings.Contains(f.Message, "KeyManager") {
		t.Errorf("key.manager = %v (cause %v), want unknown naming KeyMetadata.KeyManager", f, f.Err)
	}
}

// An endpoint that never answers cannot hold Check past its context: Check
// returns an error for which errors.Is(err, context.DeadlineExceeded) holds.
func TestEndpointThatNeverAnswers(t *testing.T) {
	t.Parallel()
	for _, target := range []kmscheck.Target{peTarget, beTarget} {
		t.Run(target.Feature(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			md := e.key(t, nil)
			c := hostileServer(t, e.k, map[string]misbehaviour{"*": {hang: true}})
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			r, err := kmscheck.Check(ctx, c, *md.Arn, target)
			if r != nil || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Check = %v, %v; want no report and context.DeadlineExceeded", r, err)
			}
		})
	}
}
