package kmstest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// documentedPolicy returns the role-only key policy AgentCore documents
// for policy engines: it names only role, and only via the service.
func documentedPolicy(t *testing.T) string {
	t.Helper()
	doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	b, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withAdmin adds to policy a statement that lets principal administer the
// key (kms:PutKeyPolicy), which keeps the policy past the lockout check.
func withAdmin(t *testing.T, policy, principal string) string {
	t.Helper()
	stmt := `{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"kms:PutKeyPolicy","Resource":"*"},`
	out := strings.Replace(policy, `"Statement": [`, `"Statement": [`+stmt, 1)
	if out == policy {
		t.Fatalf("no Statement array in %s", policy)
	}
	return out
}

func TestLockoutSafetyCheck(t *testing.T) {
	t.Parallel()
	documented := documentedPolicy(t)
	tests := []struct {
		name     string
		policy   string
		bypass   bool
		wantCode string
	}{
		{name: "the documented role-only policy locks the caller out", policy: documented, wantCode: "MalformedPolicyDocumentException"},
		{name: "the documented policy with the bypass flag", policy: documented, bypass: true},
		{name: "the documented policy with an admin statement for the caller", policy: withAdmin(t, documented, role)},
		{name: "an admin statement for someone else does not help", policy: withAdmin(t, documented, other), wantCode: "MalformedPolicyDocumentException"},
		{name: "the account root passes, as AWS lets it", policy: policyFor("arn:aws:iam::111122223333:root", "kms:*")},
		{name: "the caller's own kms:*", policy: policyFor(role, "kms:*")},
		{name: "PutKeyPolicy only under a condition the later request does not meet",
			policy:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + role + `"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"` + via + `"}}}]}`,
			wantCode: "MalformedPolicyDocumentException"},
	}
	for _, tt := range tests {
		t.Run("CreateKey/"+tt.name, func(t *testing.T) {
			t.Parallel()
			k, c := setup(t)
			_, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{Policy: aws.String(tt.policy), BypassPolicyLockoutSafetyCheck: tt.bypass})
			checkLockout(t, err, tt.wantCode)
			if tt.wantCode != "" && len(k.KeyIDs()) != 0 {
				t.Errorf("a refused CreateKey created a key: %v", k.KeyIDs())
			}
		})
		t.Run("PutKeyPolicy/"+tt.name, func(t *testing.T) {
			t.Parallel()
			k, c := setup(t)
			id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
			_, err := c.PutKeyPolicy(t.Context(), &kms.PutKeyPolicyInput{KeyId: &id, Policy: aws.String(tt.policy), BypassPolicyLockoutSafetyCheck: tt.bypass})
			checkLockout(t, err, tt.wantCode)
			got, gerr := k.KeyPolicy(id)
			if gerr != nil {
				t.Fatal(gerr)
			}
			want := tt.policy
			if tt.wantCode != "" {
				want = k.DefaultKeyPolicy() // a refused PutKeyPolicy leaves the old policy in place
			}
			if got != want {
				t.Errorf("policy after PutKeyPolicy = %s, want %s", got, want)
			}
		})
	}
}

func checkLockout(t *testing.T, err error, wantCode string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Fatalf("error = %v, want none", err)
		}
		return
	}
	var mp *types.MalformedPolicyDocumentException
	if !errors.As(err, &mp) || mp.ErrorMessage() != kmstest.MessageLockout {
		t.Fatalf("error = %v, want MalformedPolicyDocumentException %q", err, kmstest.MessageLockout)
	}
}

// The administrator helpers set up keys as a test needs them: they skip
// the lockout check, as if BypassPolicyLockoutSafetyCheck were set.
func TestAdminHelpersSkipLockoutCheck(t *testing.T) {
	t.Parallel()
	k := kmstest.New()
	documented := documentedPolicy(t)
	id := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(documented)}).KeyId)
	if err := k.SetKeyPolicy(id, documented); err != nil {
		t.Errorf("SetKeyPolicy(documented) = %v, want nil", err)
	}
}

func TestPolicySizeLimit(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	base := policyFor(role, "kms:*")
	pad := func(n int) string { // a valid policy of exactly n bytes
		filler := n - len(base) - len(`,"Id":""`)
		return strings.Replace(base, `{"Version"`, `{"Id":"`+strings.Repeat("x", filler)+`","Version"`, 1)
	}
	atLimit, overLimit := pad(agentcore.MaxKeyPolicyBytes), pad(agentcore.MaxKeyPolicyBytes+1)
	if len(atLimit) != agentcore.MaxKeyPolicyBytes || len(overLimit) != agentcore.MaxKeyPolicyBytes+1 {
		t.Fatalf("padded policies of %d and %d bytes", len(atLimit), len(overLimit))
	}
	var le *types.LimitExceededException
	if _, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{Policy: aws.String(overLimit)}); !errors.As(err, &le) {
		t.Errorf("CreateKey with a %d-byte policy = %v, want LimitExceededException", len(overLimit), err)
	}
	if _, err := c.PutKeyPolicy(t.Context(), &kms.PutKeyPolicyInput{KeyId: &id, Policy: aws.String(overLimit)}); !errors.As(err, &le) {
		t.Errorf("PutKeyPolicy with a %d-byte policy = %v, want LimitExceededException", len(overLimit), err)
	}
	if _, err := c.PutKeyPolicy(t.Context(), &kms.PutKeyPolicyInput{KeyId: &id, Policy: aws.String(atLimit)}); err != nil {
		t.Errorf("PutKeyPolicy with a %d-byte policy = %v, want nil", len(atLimit), err)
	}
}

func TestListKeyPolicies(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	out, err := c.ListKeyPolicies(t.Context(), &kms.ListKeyPoliciesInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.PolicyNames) != 1 || out.PolicyNames[0] != "default" || out.Truncated {
		t.Errorf("ListKeyPolicies = %v (truncated %v), want [default]", out.PolicyNames, out.Truncated)
	}
	if _, err := c.ListKeyPolicies(t.Context(), &kms.ListKeyPoliciesInput{KeyId: &id, Limit: aws.Int32(0)}); apiCode(err) != "ValidationException" {
		t.Errorf("ListKeyPolicies with Limit 0 = %v, want ValidationException", err)
	}
}
