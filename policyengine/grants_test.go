package policyengine_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/internal/hostile"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// Grants and RevokeGrants check both ARNs with Create's rules before any
// call: a wrong argument is an InputError, never "no grants".
func TestGrantsRefuseWhatIsNotAKeyAndAnEngine(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	const (
		engineARN  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
		gatewayARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/my-gateway-abc123"
		cnKey      = "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	)
	tests := []struct {
		name, key, engine, wantField string
	}{
		{name: "an engine id", key: r.keyARN, engine: "MyPolicyEngine-abc123", wantField: "EngineARN"},
		{name: "garbage", key: r.keyARN, engine: "x", wantField: "EngineARN"},
		{name: "a gateway ARN", key: r.keyARN, engine: gatewayARN, wantField: "EngineARN"},
		{name: "the key ARN where the engine ARN belongs", key: r.keyARN, engine: r.keyARN, wantField: "EngineARN"},
		{name: "the two swapped", key: engineARN, engine: r.keyARN, wantField: "KeyARN"},
		{name: "a key of another partition, which Create refuses", key: cnKey, engine: engineARN, wantField: "KeyARN"},
		{name: "a malformed key id", key: `arn:aws:kms:us-east-1:1111:key/"x`, engine: engineARN, wantField: "KeyARN"},
		{name: "an engine of another partition than the key", key: r.keyARN, engine: "arn:aws-cn:bedrock-agentcore:cn-north-1:111122223333:policy-engine/E-abc", wantField: "EngineARN"},
		{name: "no engine", key: r.keyARN, engine: "", wantField: "EngineARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for op, call := range map[string]func() (policyengine.GrantPair, error){
				"Grants":       func() (policyengine.GrantPair, error) { return r.pe.Grants(t.Context(), tt.key, tt.engine) },
				"RevokeGrants": func() (policyengine.GrantPair, error) { return r.pe.RevokeGrants(t.Context(), tt.key, tt.engine) },
			} {
				pair, err := call()
				var ie *policyengine.InputError
				if !errors.As(err, &ie) || ie.Field != tt.wantField {
					t.Errorf("%s(%q, %q) = %v, %v; want an *InputError for %s", op, tt.key, tt.engine, pair.State(), err, tt.wantField)
				}
			}
		})
	}
	if n := r.kmsH.Seen(hostile.Target("ListGrants")); n != 0 {
		t.Errorf("ListGrants was called %d times for refused input", n)
	}
}

// Each grant carries its encryption-context constraint, so a caller can
// check the binding to the engine without calling ListGrants.
func TestGrantsCarryTheirConstraints(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	out, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Bound", KeyARN: r.keyARN})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := r.pe.Grants(t.Context(), out.Engine.KeyARN, out.Engine.ARN)
	if err != nil || pair.State() != policyengine.GrantsBoth {
		t.Fatalf("Grants = %v, %v; want both", pair.State(), err)
	}
	want := map[string]string{policyengine.ContextKey: out.Engine.ARN}
	for _, g := range []*policyengine.Grant{pair.Management, pair.Evaluation} {
		if diff := cmp.Diff(want, g.EncryptionContextSubset); diff != "" {
			t.Errorf("%s EncryptionContextSubset (-want +got):\n%s", g.Kind, diff)
		}
		if g.EncryptionContextEquals != nil {
			t.Errorf("%s EncryptionContextEquals = %v, want none", g.Kind, g.EncryptionContextEquals)
		}
	}
}

// ListGrants answers that cannot be read completely are errors, not "no
// grants".
func TestListGrantsAnswersWithoutWhatTheyNeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      func(engineARN string) string
		wantField string
	}{
		{
			name:      "truncated without a marker",
			body:      func(string) string { return `{"Grants":[],"Truncated":true}` },
			wantField: "NextMarker",
		},
		{
			name: "a grant bound to the engine without a grant id",
			body: func(engineARN string) string {
				return `{"Grants":[{"Operations":["Decrypt","ReEncryptFrom","ReEncryptTo"],"Constraints":{"EncryptionContextSubset":{"` +
					policyengine.ContextKey + `":"` + engineARN + `"}}}],"Truncated":false}`
			},
			wantField: "Grants[0].GrantId",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			const engineARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/Listed-abc123"
			r.kmsH.On(hostile.Target("ListGrants"), hostile.Answer{Body: tt.body(engineARN)})
			for op, call := range map[string]func() (policyengine.GrantPair, error){
				"Grants":       func() (policyengine.GrantPair, error) { return r.pe.Grants(t.Context(), r.keyARN, engineARN) },
				"RevokeGrants": func() (policyengine.GrantPair, error) { return r.pe.RevokeGrants(t.Context(), r.keyARN, engineARN) },
			} {
				_, err := call()
				var ia *policyengine.IncompleteAnswerError
				if !errors.As(err, &ia) || ia.Op != "ListGrants" || ia.Field != tt.wantField {
					t.Errorf("%s = %v, want an *IncompleteAnswerError for ListGrants %s", op, err, tt.wantField)
				}
			}
			if n := r.kmsH.Seen(hostile.Target("RevokeGrant")); n != 0 {
				t.Errorf("RevokeGrant was called %d times on an unreadable list", n)
			}
		})
	}
}
