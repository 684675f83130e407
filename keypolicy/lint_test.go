package keypolicy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLint(t *testing.T) {
	t.Parallel()
	const role = `{"AWS":"arn:aws:iam::111122223333:role/R"}`
	stmt := func(sid, effect, principal, action, condition string) string {
		s := `{"Sid":"` + sid + `","Effect":"` + effect + `","Principal":` + principal + `,"Action":` + action + `,"Resource":"*"`
		if condition != "" {
			s += `,"Condition":` + condition
		}
		return s + "}"
	}
	type f struct {
		ID       string
		Severity Severity
		Index    int
	}
	tests := []struct {
		name   string
		stmts  []string
		want   []f
		reason string
	}{
		{
			name:   "clean caller statement",
			stmts:  []string{stmt("A", "Allow", role, `"kms:Decrypt"`, `{"StringEquals":{"kms:ViaService":"bedrock-agentcore.us-east-1.amazonaws.com"}}`)},
			reason: "a named role, a listed action, nothing to say",
		},
		{
			name:   "wildcard principal without condition",
			stmts:  []string{stmt("Open", "Allow", `"*"`, `"kms:Decrypt"`, "")},
			want:   []f{{LintWildcardPrincipal, SeverityError, 0}},
			reason: "anyone in any account may decrypt",
		},
		{
			name:   "AWS * without condition",
			stmts:  []string{stmt("Open", "Allow", `{"AWS":["arn:aws:iam::111122223333:root","*"]}`, `"kms:Decrypt"`, "")},
			want:   []f{{LintWildcardPrincipal, SeverityError, 0}},
			reason: `{"AWS":"*"} is the same as "*"`,
		},
		{
			name:   "wildcard narrowed by kms:CallerAccount",
			stmts:  []string{stmt("Account", "Allow", `"*"`, `"kms:Decrypt"`, `{"StringEquals":{"kms:CallerAccount":"111122223333"}}`)},
			reason: "the AWS managed key pattern is narrowed to one account",
		},
		{
			name:   "wildcard narrowed by a condition that accepts every value",
			stmts:  []string{stmt("Open", "Allow", `"*"`, `"kms:Decrypt"`, `{"StringLike":{"aws:PrincipalAccount":["111122223333","*"]}}`)},
			want:   []f{{LintWildcardPrincipal, SeverityError, 0}},
			reason: "StringLike with * matches every account, so it narrows nothing",
		},
		{
			name: "service principal with source conditions that accept everything",
			stmts: []string{stmt("Svc", "Allow", `{"Service":"bedrock-agentcore.amazonaws.com"}`, `"kms:Decrypt"`,
				`{"StringLike":{"aws:SourceAccount":"*"},"ArnLike":{"aws:SourceArn":"*"}}`)},
			want:   []f{{LintConfusedDeputy, SeverityError, 0}},
			reason: "wildcard source conditions do not stop a confused deputy",
		},
		{
			name:   "wildcard with only a negated condition",
			stmts:  []string{stmt("Open", "Allow", `"*"`, `"kms:Decrypt"`, `{"StringNotEquals":{"aws:PrincipalAccount":"444455556666"}}`)},
			want:   []f{{LintWildcardPrincipal, SeverityError, 0}},
			reason: "excluding one account still lets every other in",
		},
		{
			name:   "wildcard in a Deny is fine",
			stmts:  []string{stmt("Guard", "Deny", `"*"`, `"kms:*"`, `{"Bool":{"aws:SecureTransport":"false"}}`)},
			reason: "Deny statements cannot expose the key",
		},
		{
			name:   "NotPrincipal on an Allow",
			stmts:  []string{`{"Sid":"N","Effect":"Allow","NotPrincipal":` + role + `,"Action":"kms:Decrypt","Resource":"*"}`},
			want:   []f{{LintWildcardPrincipal, SeverityError, 0}},
			reason: "an Allow with NotPrincipal allows everyone else",
		},
		{
			name:   "service principal without source keys",
			stmts:  []string{stmt("S", "Allow", `{"Service":"bedrock-agentcore.amazonaws.com"}`, `["kms:Decrypt"]`, "")},
			want:   []f{{LintConfusedDeputy, SeverityError, 0}},
			reason: "confused deputy: any account's resources could make the service use the key",
		},
		{
			name:   "service principal with only aws:SourceAccount",
			stmts:  []string{stmt("S", "Allow", `{"Service":"bedrock-agentcore.amazonaws.com"}`, `["kms:Decrypt"]`, `{"StringEquals":{"aws:SourceAccount":"111122223333"}}`)},
			want:   []f{{LintConfusedDeputy, SeverityError, 0}},
			reason: "both keys are needed",
		},
		{
			name:   "service principal with SourceArn under IfExists",
			stmts:  []string{stmt("S", "Allow", `{"Service":"bedrock-agentcore.amazonaws.com"}`, `["kms:Decrypt"]`, `{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:bedrock-agentcore:*:111122223333:*"}}`)},
			want:   []f{{LintConfusedDeputy, SeverityError, 0}},
			reason: "IfExists lets requests without the key through",
		},
		{
			name:   "ForAllValues on a single-valued key",
			stmts:  []string{stmt("A", "Allow", role, `"kms:Decrypt"`, `{"ForAllValues:StringEquals":{"kms:ViaService":"bedrock-agentcore.us-east-1.amazonaws.com"}}`)},
			want:   []f{{LintForAllValuesSingleValued, SeverityWarning, 0}},
			reason: "ForAllValues on kms:ViaService is true for direct calls, so it requires nothing",
		},
		{
			name:   "StringEquals on kms:GrantOperations",
			stmts:  []string{stmt("A", "Allow", role, `"kms:CreateGrant"`, `{"StringEquals":{"kms:ViaService":"bedrock-agentcore.us-east-1.amazonaws.com","kms:GrantOperations":"Decrypt"}}`)},
			want:   []f{{LintMultivaluedWithoutSet, SeverityError, 0}},
			reason: "AWS documents no outcome for a single-valued operator on a multivalued key, so the statement cannot be evaluated",
		},
		{
			name:   "a negated operator on aws:CalledVia in a Deny",
			stmts:  []string{stmt("A", "Allow", role, `"kms:Decrypt"`, ""), stmt("D", "Deny", role, `"kms:Decrypt"`, `{"StringNotEqualsIfExists":{"aws:CalledVia":"athena.amazonaws.com"}}`)},
			want:   []f{{LintMultivaluedWithoutSet, SeverityError, 1}},
			reason: "a Deny that cannot be evaluated leaves the decision unknown",
		},
		{
			name:   "set operators and Null on a multivalued key are fine",
			stmts:  []string{stmt("A", "Allow", role, `"kms:CreateGrant"`, `{"ForAllValues:StringEquals":{"kms:GrantOperations":"Decrypt"},"ForAnyValue:StringLike":{"aws:TagKeys":"t*"},"Null":{"kms:GrantOperations":"false"},"StringEquals":{"kms:ViaService":"bedrock-agentcore.us-east-1.amazonaws.com"}}`)},
			reason: "ForAllValues:, ForAnyValue: and Null are decided",
		},
		{
			name:   "ForAllValues on an encryption context key",
			stmts:  []string{stmt("A", "Allow", role, `"kms:Decrypt"`, `{"ForAllValues:StringLike":{"kms:EncryptionContext:tenant":"t-*"}}`)},
			want:   []f{{LintForAllValuesEncryptionContext, SeverityError, 0}},
			reason: "KMS rejects set operators on kms:EncryptionContext:KEY",
		},
		{
			name:   "ForAllValues on a multi-valued key",
			stmts:  []string{stmt("A", "Allow", role, `"kms:CreateGrant"`, `{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt"],"kms:EncryptionContextKeys":["tenant"]}}`)},
			reason: "kms:GrantOperations and kms:EncryptionContextKeys hold sets",
		},
		{
			name:   "kms:* to a role",
			stmts:  []string{stmt("A", "Allow", role, `"kms:*"`, "")},
			want:   []f{{LintBroadAction, SeverityWarning, 0}},
			reason: "every KMS action, key deletion included",
		},
		{
			name:   "* action to a role",
			stmts:  []string{stmt("A", "Allow", role, `["kms:Decrypt","*"]`, "")},
			want:   []f{{LintBroadAction, SeverityWarning, 0}},
			reason: "* is every action",
		},
		{
			name:   "kms:* to the account root is the default key policy",
			stmts:  []string{stmt("Enable IAM User Permissions", "Allow", `{"AWS":"arn:aws:iam::111122223333:root"}`, `"kms:*"`, "")},
			want:   []f{{LintBroadAction, SeverityInfo, 0}},
			reason: "delegation to IAM is intended, only worth a note",
		},
		{
			name:   "NotAction on an Allow",
			stmts:  []string{`{"Sid":"A","Effect":"Allow","Principal":` + role + `,"NotAction":"kms:ScheduleKeyDeletion","Resource":"*"}`},
			want:   []f{{LintBroadAction, SeverityWarning, 0}},
			reason: "NotAction allows every other action",
		},
		{
			name:   "grant constraints without kms:ViaService",
			stmts:  []string{stmt("G", "Allow", role, `"kms:CreateGrant"`, `{"StringEquals":{"kms:GrantConstraintType":"EncryptionContextSubset"}}`)},
			want:   []f{{LintMissingViaService, SeverityWarning, 0}},
			reason: "the grant statement is for AgentCore but the caller could create grants directly",
		},
		{
			name:   "policy engine context without kms:ViaService",
			stmts:  []string{stmt("O", "Allow", role, `["kms:Decrypt"]`, `{"StringLike":{"kms:EncryptionContext:aws:bedrock-agentcore-policy:policy-engine-arn":"arn:aws*:bedrock-agentcore:*:*:policy-engine/*"}}`)},
			want:   []f{{LintMissingViaService, SeverityWarning, 0}},
			reason: "the caller could decrypt engine data outside AgentCore",
		},
		{
			name:   "batch-evaluation context without kms:ViaService is documented",
			stmts:  []string{stmt("C", "Allow", role, `["kms:Decrypt"]`, `{"StringLike":{"kms:EncryptionContext:aws:bedrock-agentcore:batchEvaluationArn":"arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/*"}}`)},
			reason: "AllowCallerCryptoOps is documented this way",
		},
		{
			name:   "duplicate Sids",
			stmts:  []string{stmt("Same", "Allow", role, `"kms:Decrypt"`, ""), stmt("Other", "Allow", role, `"kms:Encrypt"`, ""), stmt("Same", "Allow", role, `"kms:DescribeKey"`, "")},
			want:   []f{{LintDuplicateSid, SeverityError, 2}},
			reason: "the second use is reported, naming the first",
		},
		{
			name:   "empty Sids are not duplicates",
			stmts:  []string{stmt("", "Allow", role, `"kms:Decrypt"`, ""), stmt("", "Allow", role, `"kms:Encrypt"`, "")},
			reason: "Sid is optional",
		},
		{
			name:   "unknown operator",
			stmts:  []string{stmt("A", "Allow", role, `"kms:Decrypt"`, `{"StringEqualsAny":{"kms:ViaService":"x"}}`)},
			want:   []f{{LintUnknownOperator, SeverityError, 0}},
			reason: "the statement never matches",
		},
		{
			name:   "unknown statement field",
			stmts:  []string{`{"Sid":"A","Effect":"Allow","Principal":` + role + `,"Action":"kms:Decrypt","Resource":"*","Conditions":{}}`},
			want:   []f{{LintUnknownField, SeverityError, 0}},
			reason: "Conditions is a typo of Condition; KMS rejects the policy",
		},
		{
			name:   "a wildcard inside an AWS principal",
			stmts:  []string{stmt("W", "Deny", `{"AWS":"arn:aws:iam::111122223333:role/*"}`, `"kms:*"`, "")},
			want:   []f{{LintInvalidPrincipal, SeverityError, 0}},
			reason: "principals take no partial wildcards, so this Deny denies nobody",
		},
		{
			name:   "a role name instead of an ARN",
			stmts:  []string{stmt("N", "Allow", `{"AWS":["111122223333","ExampleRole"]}`, `"kms:Decrypt"`, "")},
			want:   []f{{LintInvalidPrincipal, SeverityError, 0}},
			reason: "a bare name is not a principal",
		},
		{
			name:   "a wildcard in a service principal",
			stmts:  []string{`{"Sid":"S","Effect":"Deny","NotPrincipal":{"Service":"*.amazonaws.com"},"Action":"kms:*","Resource":"*"}`},
			want:   []f{{LintInvalidPrincipal, SeverityError, 0}},
			reason: "service principals are named exactly",
		},
		{
			name:   "no statement",
			want:   []f{{LintNoStatement, SeverityError, -1}},
			reason: "an empty policy locks everyone out",
		},
		{
			name:   "unknown effect",
			stmts:  []string{stmt("A", "Permit", role, `"kms:Decrypt"`, "")},
			want:   []f{{LintUnknownEffect, SeverityError, 0}},
			reason: "only Allow and Deny exist",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := `{"Version":"2012-10-17","Statement":[`
			for i, s := range tt.stmts {
				if i > 0 {
					src += ","
				}
				src += s
			}
			doc, err := Parse([]byte(src + "]}"))
			if err != nil {
				t.Fatal(err)
			}
			var got []f
			for _, x := range Lint(doc) {
				got = append(got, f{x.ID, x.Severity, x.Statement})
				if x.Statement < 0 {
					continue
				}
				if x.Sid != doc.Statement[x.Statement].Sid || x.Message == "" {
					t.Errorf("finding %+v: wrong Sid or no message", x)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s: Lint (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
}

func TestLintSpecPoliciesClean(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"policy-engine-key-policy.json", "batch-evaluation-key-policy.json"} {
		doc, err := Parse(compactFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := Lint(doc); len(got) != 0 {
			t.Errorf("%s: %v", name, got)
		}
	}
	if Lint(nil) != nil {
		t.Error("Lint(nil) is not nil")
	}
	// A file that is JSON but not a key policy, such as a corpus file.
	doc, err := Parse([]byte(`{"description":"x","policy":{"Statement":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range Lint(doc) {
		ids = append(ids, f.ID)
	}
	if diff := cmp.Diff([]string{LintUnknownField, LintUnknownField, LintNoStatement}, ids); diff != "" {
		t.Errorf("Lint of a non-policy (-want +got):\n%s", diff)
	}
}

func TestFindingString(t *testing.T) {
	t.Parallel()
	got := Finding{ID: LintDuplicateSid, Severity: SeverityError, Statement: 2, Sid: "S", Message: "m"}.String()
	if want := `error duplicate-sid "S" (#2): m`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	got = Finding{ID: LintNoStatement, Severity: SeverityError, Statement: -1, Message: "m"}.String()
	if want := `error no-statement policy: m`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if SeverityWarning.String() != "warning" || SeverityInfo.String() != "info" || Severity(7).String() != "Severity(7)" {
		t.Error("Severity.String")
	}
}

// TestLintGoldenFiles: every generated policy in testdata/golden, merged
// ones included, has no finding above info.
func TestLintGoldenFiles(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range Lint(doc) {
			if f.Severity > SeverityInfo {
				t.Errorf("%s: %s", name, f)
			}
		}
	}
}

func TestLintLiteralVariable(t *testing.T) {
	t.Parallel()
	const stmt = `{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/R"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"${aws:PrincipalAccount}"}}}`
	tests := []struct {
		name    string
		version string // "" leaves Version out
		want    []string
	}{
		{name: "2008-10-17: the variable is literal", version: `"Version":"2008-10-17",`, want: []string{LintLiteralVariable}},
		{name: "no Version: the variable is literal", want: []string{LintLiteralVariable}},
		{name: "2012-10-17: the variable is expanded", version: `"Version":"2012-10-17",`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(`{` + tt.version + `"Statement":[` + stmt + `]}`))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range Lint(doc) {
				got = append(got, f.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lint (-want +got):\n%s", diff)
			}
		})
	}
}
