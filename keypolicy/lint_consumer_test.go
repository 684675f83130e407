package keypolicy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLintConsumers: Lint's findings on each consumer's documented policy
// are the defects the sheets name, and no others.
func TestLintConsumers(t *testing.T) {
	t.Parallel()
	type finding struct {
		ID  string
		Sid string
	}
	tests := []struct {
		consumer string
		variant  string
		want     []finding
	}{
		{consumer: ConsumerPolicyEngine},
		{consumer: ConsumerBatchEvaluation},
		{consumer: ConsumerEvaluator},
		// The minimum policy lets the service principal in without source
		// conditions; the scoped one keeps its read statement without them
		// on purpose (presigned downloads carry none).
		{consumer: ConsumerDataset, want: []finding{{LintConfusedDeputy, SidDatasetAccess}}},
		{consumer: ConsumerDataset, variant: VariantScoped, want: []finding{{LintConfusedDeputy, SidDatasetRead}}},
		{consumer: ConsumerConfigurationBundle},
		{consumer: ConsumerRecommendation},
		{consumer: ConsumerPaymentManager},
		// The logging statement: a service principal without source
		// conditions, and a StringEquals value ending in *.
		{consumer: ConsumerGateway, want: []finding{{LintLiteralWildcard, SidGatewayLogging}, {LintConfusedDeputy, SidGatewayLogging}}},
		// An identity policy has no principal; Lint judges key policies.
		{consumer: ConsumerMemory, want: []finding{{LintMissingPrincipal, SidMemoryIdentity}}},
		{consumer: ConsumerTokenVault, want: []finding{{LintMissingPrincipal, SidTokenVaultAccess}, {LintMissingPrincipal, SidTokenVaultDescribeKey}}},
	}
	for _, tt := range tests {
		t.Run(tt.consumer+"/"+tt.variant, func(t *testing.T) {
			t.Parallel()
			c, _ := ConsumerByName(tt.consumer)
			p := c.Example
			p.Variant = tt.variant
			var doc *Document
			var err error
			if tt.consumer == ConsumerTokenVault {
				doc, err = Documented(tt.consumer)
			} else {
				doc, err = For(tt.consumer, p)
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []finding
			for _, f := range Lint(doc) {
				got = append(got, finding{f.ID, f.Sid})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lint (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLintMissingPrincipal: the token vault finding says what is missing
// and how to choose it, without naming a principal; a statement of another
// policy gets the plain finding; a chosen principal clears it.
func TestLintMissingPrincipal(t *testing.T) {
	t.Parallel()
	doc, err := Documented(ConsumerTokenVault)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Lint(doc) {
		if f.Severity != SeverityError || !strings.Contains(f.Message, "has no Principal") || !strings.Contains(f.Message, "does not say which principal") {
			t.Errorf("finding %s does not say what is missing", f)
		}
		if strings.Contains(f.Message, ":root") || strings.Contains(f.Message, "arn:aws:iam") {
			t.Errorf("finding %s guesses a principal", f)
		}
	}
	plain, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	fs := Lint(plain)
	if len(fs) != 1 || fs[0].ID != LintMissingPrincipal || strings.Contains(fs[0].Message, "token vault") {
		t.Errorf("plain statement: %v", fs)
	}
	chosen, err := For(ConsumerTokenVault, Params{Account: "111122223333", Region: "eu-west-1", Principal: "arn:aws:iam::111122223333:role/IdentityAdmin"})
	if err != nil {
		t.Fatal(err)
	}
	if fs := Lint(chosen); len(fs) != 0 {
		t.Errorf("token vault with a chosen principal: %v", fs)
	}
}

// TestLintLiteralWildcard: * and ? under exact operators are reported,
// with the pattern operator to use; StringLike and ${*} are not.
func TestLintLiteralWildcard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cond string
		want string // the suggested operator, or "" for no finding
	}{
		{"StringEquals star", `{"StringEquals":{"aws:SourceArn":"arn:aws:logs:us-east-1:111122223333:*"}}`, "StringLike"},
		{"StringNotEquals question", `{"StringNotEquals":{"kms:ViaService":"s3.?.amazonaws.com"}}`, "StringNotLike"},
		{"IgnoreCase", `{"StringEqualsIgnoreCase":{"aws:SourceArn":"x*"}}`, "StringLike"},
		{"set operator", `{"ForAnyValue:StringEquals":{"kms:GrantOperations":["Decrypt","*"]}}`, "ForAnyValue:StringLike"},
		{"StringLike", `{"StringLike":{"aws:SourceArn":"arn:aws:logs:*"}}`, ""},
		{"policy variable star", `{"StringEquals":{"aws:SourceArn":"a${*}b"}}`, ""},
		{"ArnEquals takes wildcards", `{"ArnEquals":{"aws:SourceArn":"arn:aws:logs:*"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/R"},"Action":"kms:Decrypt","Resource":"*","Condition":` + tt.cond + `}]}`))
			if err != nil {
				t.Fatal(err)
			}
			var got []Finding
			for _, f := range Lint(doc) {
				if f.ID == LintLiteralWildcard {
					got = append(got, f)
				}
			}
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("unexpected %v", got)
			case tt.want != "" && (len(got) != 1 || !strings.HasSuffix(got[0].Message, "use "+tt.want)):
				t.Errorf("got %v, want one finding suggesting %s", got, tt.want)
			}
		})
	}
}
