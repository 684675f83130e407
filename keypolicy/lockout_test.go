package keypolicy_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

func TestCheckLockout(t *testing.T) {
	t.Parallel()
	const (
		keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		admin  = "arn:aws:iam::111122223333:role/Admin"
	)
	defaultPolicy, err := keypolicy.DefaultKeyPolicy("111122223333", "aws")
	if err != nil {
		t.Fatal(err)
	}
	engineOnly, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{
		Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/ExampleRole",
	})
	if err != nil {
		t.Fatal(err)
	}
	parse := func(s string) *keypolicy.Document {
		t.Helper()
		d, err := keypolicy.Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name     string
		doc      *keypolicy.Document
		admin    string
		wantSafe bool
		wantSids []string
	}{
		{
			name: "the default key policy delegates to the account, which AWS's check accepts",
			doc:  defaultPolicy, admin: admin, wantSafe: true, wantSids: []string{"Enable IAM User Permissions"},
		},
		{
			name:  "an assumed-role session counts as its role",
			doc:   parse(`{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":"kms:*","Resource":"*"}]}`),
			admin: "arn:aws:sts::111122223333:assumed-role/Admin/ci", wantSafe: true, wantSids: []string{"Admin"},
		},
		{
			name:  "the documented role-only policy-engine policy lets nobody change the policy",
			doc:   engineOnly,
			admin: admin, wantSafe: false,
		},
		{
			name: "an explicit deny of PutKeyPolicy locks the admin out",
			doc: parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":"kms:*","Resource":"*"},` +
				`{"Effect":"Deny","Principal":"*","Action":"kms:PutKeyPolicy","Resource":"*"}]}`),
			admin: admin, wantSafe: false,
		},
		{
			name: "PutKeyPolicy allowed only through a service does not count",
			doc: parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":"kms:PutKeyPolicy","Resource":"*",` +
				`"Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}`),
			admin: admin, wantSafe: false,
		},
		{
			name:  "a statement without a Sid is named by its index",
			doc:   parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":"kms:PutKeyPolicy","Resource":"*"}]}`),
			admin: admin, wantSafe: true, wantSids: []string{"#0"},
		},
		{
			name: "a condition the evaluator cannot decide is unsafe",
			doc: parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":"kms:*","Resource":"*"},` +
				`{"Effect":"Deny","Principal":"*","Action":"kms:PutKeyPolicy","Resource":"*","Condition":{"StringEqualsFancy":{"aws:PrincipalArn":"x"}}}]}`),
			admin: admin, wantSafe: false, wantSids: []string{"#0"},
		},
		{name: "a nil policy allows nothing", doc: nil, admin: admin, wantSafe: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := keypolicy.CheckLockout(tt.doc, tt.admin, keyARN)
			if got.Safe() != tt.wantSafe {
				t.Errorf("Safe() = %v, want %v (decision %+v)", got.Safe(), tt.wantSafe, got.Decision)
			}
			if diff := cmp.Diff(tt.wantSids, got.Statements); diff != "" {
				t.Errorf("Statements (-want +got):\n%s", diff)
			}
		})
	}
}
