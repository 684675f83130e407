package keypolicy

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInfrastructureToolPolicies: the two kinds of policy infrastructure
// tools write today are caught: a gateway role allowed only
// kms:Encrypt and kms:Decrypt misses CreateGrant, DescribeKey and
// GenerateDataKey; kms:* on every key passes the requests but is reported
// by Lint.
func TestInfrastructureToolPolicies(t *testing.T) {
	t.Parallel()
	p := Params{Account: "111122223333", Region: "us-east-1", ServiceRole: "arn:aws:iam::111122223333:role/GatewayRole",
		ResourceARN: "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1"}
	reqs, err := RequirementsFor(ConsumerGateway, p)
	if err != nil {
		t.Fatal(err)
	}
	encryptDecrypt, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"GatewayKey","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::111122223333:role/GatewayRole"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, r := range Analyze(encryptDecrypt, reqs).Failed() {
		failed = append(failed, r.Requirement.ID)
	}
	slices.Sort(failed)
	if diff := cmp.Diff([]string{"role-create-grant", "role-describe-key", "role-generate-data-key"}, failed); diff != "" {
		t.Errorf("encrypt/decrypt only: failed requirements (-want +got):\n%s", diff)
	}

	star, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::111122223333:role/GatewayRole"},"Action":"kms:*","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if a := Analyze(star, reqs); !a.OK() {
		t.Errorf("kms:* should allow every request:\n%s", a)
	}
	lint := Lint(star)
	if !slices.ContainsFunc(lint, func(f Finding) bool { return f.ID == LintBroadAction && f.Severity == SeverityWarning }) {
		t.Errorf("Lint(kms:*) = %v, want a broad-action warning", lint)
	}
}
