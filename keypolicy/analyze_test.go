package keypolicy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func documentedPolicyEngine(t testing.TB) (*Document, []Requirement) {
	t.Helper()
	p := PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/ExampleRole"}
	doc, err := ForPolicyEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := PolicyEngineRequirements(p)
	if err != nil {
		t.Fatal(err)
	}
	return doc, reqs
}

// TestAnalyzeFixes breaks the documented policy engine policy in one way
// per row and checks the verdict, reason and fix Analyze gives.
func TestAnalyzeFixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		edit       func(d *Document)
		failing    []string // requirement ids that must fail; the others pass
		verdict    Verdict
		reason     string // substring of every failing Reason
		fix        string // substring of every failing Fix
		notDefault bool
	}{
		{
			name: "ViaService for another Region: the condition is named with the value to accept",
			edit: func(d *Document) {
				d.Statement[2].Condition[0].Keys[0].Values = One("bedrock-agentcore.us-west-2.amazonaws.com")
			},
			failing: []string{"describe-key"}, verdict: ImplicitDeny,
			reason: `condition StringEquals kms:ViaService ["bedrock-agentcore.us-west-2.amazonaws.com"] is false for the request's ["bedrock-agentcore.us-east-1.amazonaws.com"]`,
			fix:    `make the condition StringEquals on kms:ViaService in statement "Allow Policy for KMS validation" (#2) accept ["bedrock-agentcore.us-east-1.amazonaws.com"]`,
		},
		{
			name:    "an action dropped from the operations statement",
			edit:    func(d *Document) { d.Statement[1].Action = One("kms:Decrypt") },
			failing: []string{"generate-data-key"}, verdict: ImplicitDeny,
			reason: `action "kms:GenerateDataKey" is not covered by Action ["kms:Decrypt"]`,
			fix:    `add "kms:GenerateDataKey" to the Action of statement "Allow Policy for KMS operations" (#1)`,
		},
		{
			name: "another principal",
			edit: func(d *Document) {
				for i := range d.Statement {
					d.Statement[i].Principal = AWSPrincipal("arn:aws:iam::111122223333:role/Other")
				}
			},
			failing: []string{"create-grant-management", "create-grant-evaluation", "decrypt", "generate-data-key", "describe-key"}, verdict: ImplicitDeny,
			reason: "Principal does not name arn:aws:iam::111122223333:role/ExampleRole",
			fix:    "name arn:aws:iam::111122223333:role/ExampleRole in the Principal of statement",
		},
		{
			name: "grant operations narrowed to the management grant",
			edit: func(d *Document) {
				d.Statement[0].Condition[2].Keys[0].Values = List("Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext")
			},
			failing: []string{"create-grant-evaluation"}, verdict: ImplicitDeny,
			reason: "ForAllValues:StringEquals kms:GrantOperations",
			fix:    `make the condition ForAllValues:StringEquals on kms:GrantOperations in statement "Allow Policy to create grants" (#0) accept ["Decrypt", "ReEncryptFrom", "ReEncryptTo"]`,
		},
		{
			name: "a condition on a key the request does not carry",
			edit: func(d *Document) {
				d.Statement[2].Condition = append(d.Statement[2].Condition, ConditionOperator{Operator: "StringEquals", Keys: []ConditionKey{{Key: "aws:SourceAccount", Values: One("111122223333")}}})
			},
			failing: []string{"describe-key"}, verdict: ImplicitDeny,
			reason: "the request has no aws:SourceAccount",
			fix:    `remove the condition StringEquals on aws:SourceAccount from statement "Allow Policy for KMS validation" (#2): the request does not carry aws:SourceAccount`,
		},
		{
			name:    "a typo in an operator",
			edit:    func(d *Document) { d.Statement[1].Condition[1].Operator = "StringLikeX" },
			failing: []string{"decrypt", "generate-data-key"}, verdict: ImplicitDeny,
			reason: `condition operator "StringLikeX" is not supported`,
			fix:    `replace the unsupported condition operator "StringLikeX" in statement "Allow Policy for KMS operations" (#1)`,
		},
		{
			name: "a Deny added for DescribeKey",
			edit: func(d *Document) {
				d.Statement = append(d.Statement, Statement{Sid: "NoDescribe", Effect: EffectDeny, Principal: &Principal{Wildcard: true}, Action: One("kms:Describe*"), Resource: One("*")})
			},
			failing: []string{"describe-key"}, verdict: ExplicitDeny,
			reason: "a Deny statement matches",
			fix:    `narrow or remove Deny statement "NoDescribe" (#3)`,
		},
		{
			name:    "a lowercase effect",
			edit:    func(d *Document) { d.Statement[2].Effect = "allow" },
			failing: []string{"describe-key"}, verdict: ImplicitDeny,
			reason: `effect "allow" is neither Allow nor Deny`,
			fix:    `set the Effect of statement "Allow Policy for KMS validation" (#2) to "Allow"`,
		},
		{
			name:    "a key ARN in Resource while the requests name no key",
			edit:    func(d *Document) { d.Statement[2].Resource = One("arn:aws:kms:us-east-1:111122223333:key/k") },
			failing: []string{"describe-key"}, verdict: ImplicitDeny,
			reason: `resource "" (the request has no key ARN) cannot be matched against Resource ["arn:aws:kms:us-east-1:111122223333:key/k"]`,
			fix:    `give the requirement's Request.Resource the key ARN, or set the Resource of statement "Allow Policy for KMS validation" (#2) to "*"`,
		},
		{
			name: "the Sid renamed: the closest statement is explained, and the fix adds the documented one",
			edit: func(d *Document) {
				d.Statement[2].Sid = "Describe"
				d.Statement[2].Condition[0].Keys[0].Values = One("s3.us-east-1.amazonaws.com")
			},
			failing: []string{"describe-key"}, verdict: ImplicitDeny,
			reason: `no statement allows kms:DescribeKey for arn:aws:iam::111122223333:role/ExampleRole; the closest, "Describe" (#2), does not apply: condition StringEquals kms:ViaService`,
			fix:    `add statement "Allow Policy for KMS validation" as keypolicy.ForPolicyEngine writes it`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, reqs := documentedPolicyEngine(t)
			tt.edit(doc)
			a := Analyze(doc, reqs)
			failing := map[string]bool{}
			for _, id := range tt.failing {
				failing[id] = true
			}
			if a.OK() {
				t.Fatalf("Analyze is OK:\n%s", a)
			}
			for _, r := range a.Results {
				if r.OK() == failing[r.Requirement.ID] {
					t.Errorf("%s: OK=%v, want %v:\n%s", r.Requirement, r.OK(), !failing[r.Requirement.ID], r)
					continue
				}
				if r.OK() {
					continue
				}
				if r.Decision.Verdict != tt.verdict {
					t.Errorf("%s: %v, want %v", r.Requirement, r.Decision.Verdict, tt.verdict)
				}
				if !strings.Contains(r.Reason, tt.reason) {
					t.Errorf("%s: reason %q does not contain %q", r.Requirement, r.Reason, tt.reason)
				}
				if !strings.Contains(r.Fix, tt.fix) {
					t.Errorf("%s: fix %q does not contain %q", r.Requirement, r.Fix, tt.fix)
				}
				line := r.String()
				if !strings.HasPrefix(line, "FAIL policy-engine/"+r.Requirement.ID) || strings.Contains(line, "\n") || !strings.Contains(line, "fix: "+r.Fix) {
					t.Errorf("String() = %q, want one FAIL line with the fix", line)
				}
			}
			if len(a.Failed()) != len(tt.failing) {
				t.Errorf("Failed() has %d results, want %d", len(a.Failed()), len(tt.failing))
			}
		})
	}
}

func TestAnalyzeString(t *testing.T) {
	t.Parallel()
	doc, reqs := documentedPolicyEngine(t)
	a := Analyze(doc, reqs)
	lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
	if len(lines) != len(reqs) {
		t.Fatalf("%d lines for %d requirements:\n%s", len(lines), len(reqs), a)
	}
	want := `ok   policy-engine/describe-key (kms:DescribeKey by caller): allow by "Allow Policy for KMS validation" (#2)`
	if lines[4] != want {
		t.Errorf("line 5 = %q, want %q", lines[4], want)
	}
	if (StatementRef{Index: 3}).String() != "#3" {
		t.Errorf("StatementRef without Sid = %q", StatementRef{Index: 3}.String())
	}
}

func TestAnalyzeUnsupportedInReason(t *testing.T) {
	t.Parallel()
	doc, reqs := documentedPolicyEngine(t)
	// A Deny with an unknown operator does not deny, but the reason of a
	// failing requirement mentions it.
	doc.Statement = append(doc.Statement, Statement{Sid: "Guard", Effect: EffectDeny, Principal: &Principal{Wildcard: true},
		Action: One("kms:*"), Resource: One("*"), Condition: Condition{{Operator: "Bogus", Keys: []ConditionKey{{Key: "k", Values: One("v")}}}}})
	doc.Statement[2].Action = One("kms:Encrypt")
	a := Analyze(doc, reqs)
	r := a.Results[4]
	if r.OK() || !strings.Contains(r.Reason, `"Bogus" in "Guard" (#3)`) {
		t.Errorf("describe-key: %s", r)
	}
}

func TestAnalyzeHandWrittenRequirement(t *testing.T) {
	t.Parallel()
	doc, _ := documentedPolicyEngine(t)
	req := Requirement{ID: "encrypt", Action: "kms:Encrypt", Request: Request{
		Principal: "arn:aws:iam::111122223333:role/ExampleRole", Action: "kms:Encrypt",
	}}
	a := Analyze(doc, []Requirement{req})
	r := a.Results[0]
	if r.OK() || r.Fix != "add a statement that allows kms:Encrypt for arn:aws:iam::111122223333:role/ExampleRole" {
		t.Errorf("hand-written requirement: %s", r)
	}
	if got := Analyze(doc, nil); !got.OK() || len(got.Results) != 0 {
		t.Errorf("Analyze with no requirements = %+v, want OK and empty", got)
	}
	if got := Analyze(nil, []Requirement{req}); got.OK() {
		t.Errorf("Analyze(nil) = %s, want a failure", got)
	}
}

func TestAnalyzeUnsupportedDenyOnAllowedRequirement(t *testing.T) {
	t.Parallel()
	doc, reqs := documentedPolicyEngine(t)
	// The Deny cannot be evaluated, so the requirements it covers are
	// allowed only as far as Analyze can tell; that must not be silent.
	doc.Statement = append(doc.Statement, Statement{Sid: "Guard", Effect: EffectDeny, Principal: &Principal{Wildcard: true},
		Action: One("kms:Decrypt"), Resource: One("*"), Condition: Condition{{Operator: "Bogus", Keys: []ConditionKey{{Key: "k", Values: One("v")}}}}})
	a := Analyze(doc, reqs)
	for _, r := range a.Results {
		mentions := strings.Contains(r.Reason, `"Bogus" in "Guard" (#3)`)
		if r.Requirement.Action == "kms:Decrypt" && (!r.OK() || !mentions || !strings.Contains(r.String(), "Bogus")) {
			t.Errorf("%s: want allowed with the unsupported Deny in the reason", r)
		}
		if r.Requirement.Action != "kms:Decrypt" && r.Reason != "" {
			t.Errorf("%s: want no reason, the Deny does not cover it", r)
		}
	}
}

// TestAnalyzeNewVerdicts checks what Analyze says for a cross-account
// caller, an invalid request and a Deny on a multivalued key without a set
// operator.
func TestAnalyzeNewVerdicts(t *testing.T) {
	t.Parallel()
	const key = "arn:aws:kms:us-east-1:111122223333:key/k"
	doc, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"External","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/ExampleRole"},"Action":["kms:Decrypt","kms:CreateGrant"],"Resource":"*"},
		{"Sid":"Guard","Effect":"Deny","Principal":"*","Action":"kms:CreateGrant","Resource":"*","Condition":{"StringNotEquals":{"kms:GrantOperations":"Decrypt"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ext := "arn:aws:iam::444455556666:role/ExampleRole"
	reqs := []Requirement{
		{ID: "decrypt", Action: "kms:Decrypt", Request: Request{Principal: ext, Action: "kms:Decrypt", Resource: key}},
		{ID: "invalid", Action: "kms:Decrypt", Request: Request{Principal: ServicePrincipalName, Action: "kms:Decrypt", Resource: key}},
		{ID: "grant", Action: "kms:CreateGrant", Request: Request{Principal: ext, Action: "kms:CreateGrant", Resource: key,
			Context: map[string][]string{"kms:GrantOperations": {"Decrypt", "Encrypt"}}}},
	}
	a := Analyze(doc, reqs)
	type view struct {
		Verdict   Verdict
		OK        bool
		Undecided bool
		Reason    string // a substring
	}
	want := []view{
		{AllowIfIAMAllows, true, false, "the caller is in account 444455556666, not the key's account 111122223333"},
		{ImplicitDeny, false, false, "this is a service principal; set Service instead"},
		{AllowIfIAMAllows, true, true, `"StringNotEquals" on multivalued key kms:GrantOperations in "Guard" (#1)`},
	}
	var got []view
	for i, r := range a.Results {
		v := view{r.Decision.Verdict, r.OK(), r.Undecided(), want[i].Reason}
		if !strings.Contains(r.Reason, want[i].Reason) {
			v.Reason = r.Reason
		}
		got = append(got, v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Analyze (-want +got):\n%s", diff)
	}
	if n := len(a.Undecided()); n != 1 {
		t.Errorf("Undecided() has %d results, want 1", n)
	}
	if a.Results[1].Fix == "" {
		t.Error("the invalid request has no fix")
	}
}
