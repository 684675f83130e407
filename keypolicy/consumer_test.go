package keypolicy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// documentedCases are the documented JSON files of the consumers with the
// parameters that reproduce them: the page's example values, and the
// documented variant.
func documentedCases() []struct {
	file     string
	consumer string
	variant  string
} {
	return []struct {
		file     string
		consumer string
		variant  string
	}{
		{file: "evaluator-key-policy.json", consumer: ConsumerEvaluator},
		{file: "dataset-key-policy.json", consumer: ConsumerDataset},
		{file: "dataset-key-policy-scoped.json", consumer: ConsumerDataset, variant: VariantScoped},
		{file: "configuration-bundle-key-policy.json", consumer: ConsumerConfigurationBundle},
		{file: "recommendation-key-policy.json", consumer: ConsumerRecommendation},
		{file: "payment-manager-key-policy.json", consumer: ConsumerPaymentManager},
		{file: "gateway-key-policy.json", consumer: ConsumerGateway},
		{file: "memory-identity-policy.json", consumer: ConsumerMemory},
	}
}

// TestConsumerExactness: with the page's example values each generator
// writes the documented JSON byte for byte, compact and indented.
func TestConsumerExactness(t *testing.T) {
	t.Parallel()
	for _, tt := range documentedCases() {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			c, ok := ConsumerByName(tt.consumer)
			if !ok {
				t.Fatalf("no consumer %q", tt.consumer)
			}
			p := c.Example
			p.Variant = tt.variant
			doc, err := For(tt.consumer, p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "consumers", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := doc.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("For(%q) (-want +got):\n%s", tt.consumer, diff)
			}
			if diff := cmp.Diff(string(compactFile(t, filepath.Join("consumers", tt.file))), string(doc.Compact())); diff != "" {
				t.Errorf("compact (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDocumentedTokenVault: Documented reproduces the token vault's key
// policy as the page shows it, without a Principal; For refuses to guess
// one and writes the chosen principal into both statements.
func TestDocumentedTokenVault(t *testing.T) {
	t.Parallel()
	doc, err := Documented(ConsumerTokenVault)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "consumers", "identity-token-vault-key-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Documented (-want +got):\n%s", diff)
	}
	_, err = For(ConsumerTokenVault, Params{Account: "111122223333", Region: "us-east-1"})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Field != "Principal" || !errors.Is(err, ErrInvalidParams) {
		t.Fatalf("For without a principal: %v, want a *ParamError for Principal", err)
	}
	const root = "arn:aws:iam::111122223333:root"
	chosen, err := For(ConsumerTokenVault, Params{Account: "111122223333", Region: "us-east-1", Principal: root})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range chosen.Statement {
		if diff := cmp.Diff([]string{root}, s.Principal.Values(PrincipalAWS)); diff != "" {
			t.Errorf("statement %d principal (-want +got):\n%s", i, diff)
		}
		s.Principal = nil
		if !s.Equivalent(doc.Statement[i]) {
			t.Errorf("statement %d differs from the documented one beyond its principal", i)
		}
	}
}

// TestDocumentedEqualsExample: Documented(name) is For(name, Example) for
// every consumer but the token vault.
func TestDocumentedEqualsExample(t *testing.T) {
	t.Parallel()
	for _, c := range Consumers() {
		if c.Name == ConsumerTokenVault {
			continue
		}
		doc, err := Documented(c.Name)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		gen, err := For(c.Name, c.Example)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if diff := cmp.Diff(string(doc.Compact()), string(gen.Compact())); diff != "" {
			t.Errorf("%s (-Documented +For):\n%s", c.Name, diff)
		}
	}
}

// TestConsumerCatalog: every consumer has a unique name and resource type,
// and ConsumerByName and ConsumerForResource find it.
func TestConsumerCatalog(t *testing.T) {
	t.Parallel()
	names := ConsumerNames()
	want := []string{
		ConsumerPolicyEngine, ConsumerBatchEvaluation, ConsumerEvaluator, ConsumerDataset, ConsumerConfigurationBundle,
		ConsumerRecommendation, ConsumerPaymentManager, ConsumerGateway, ConsumerMemory, ConsumerTokenVault,
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("ConsumerNames (-want +got):\n%s", diff)
	}
	for _, c := range Consumers() {
		got, ok := ConsumerByName(c.Name)
		if !ok || got.Name != c.Name {
			t.Errorf("ConsumerByName(%q) = %q, %v", c.Name, got.Name, ok)
		}
		if c.Resource != "" {
			if got, ok := ConsumerForResource(c.Resource); !ok || got.Name != c.Name {
				t.Errorf("ConsumerForResource(%q) = %q, %v", c.Resource, got.Name, ok)
			}
		}
		if c.Title == "" || c.Access == "" || len(c.KeyFields) == 0 || len(c.Sources) == 0 || len(c.Unavailable) == 0 {
			t.Errorf("%s: incomplete description", c.Name)
		}
	}
	if _, ok := ConsumerByName("nope"); ok {
		t.Error(`ConsumerByName("nope") found one`)
	}
	// A copy: changing one does not change the next.
	a := Consumers()
	a[0].Open = append(a[0].Open, "changed")
	a[0].KeyFields[0].Field = "changed"
	if b := Consumers(); slices.Contains(b[0].Open, "changed") || b[0].KeyFields[0].Field == "changed" {
		t.Error("Consumers returns shared values")
	}
	var nilc *Consumer
	if _, err := nilc.For(Params{}); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("nil Consumer.For: %v", err)
	}
	if _, err := nilc.Requirements(Params{}); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("nil Consumer.Requirements: %v", err)
	}
}

// TestConsumerParamErrors: bad parameters of each consumer come back as a
// *ParamError naming the field, never a panic or a policy.
func TestConsumerParamErrors(t *testing.T) {
	t.Parallel()
	const acct, region = "111122223333", "us-east-1"
	role := "arn:aws:iam::111122223333:role/R"
	arnOf := func(typ, id string) string {
		return "arn:aws:bedrock-agentcore:us-east-1:111122223333:" + typ + "/" + id
	}
	tests := []struct {
		name     string
		consumer string
		p        Params
		field    string
		reason   string
	}{
		{"unknown consumer", "nope", Params{Account: acct, Region: region}, "consumer", "is not a consumer"},
		{"bad account", ConsumerEvaluator, Params{Account: "1", Region: region}, "Account", "12 digits"},
		{"bad region", ConsumerDataset, Params{Account: acct, Region: "mars-1"}, "Region", "Region"},
		{"bad partition", ConsumerRecommendation, Params{Account: acct, Region: region, Partition: "aws-cn"}, "Partition", "does not contain"},
		{"bad principal", ConsumerConfigurationBundle, Params{Account: acct, Region: region, Principal: "arn:aws:sts::111122223333:assumed-role/R/s"}, "Principal", "STS session"},
		{"unknown variant", ConsumerEvaluator, Params{Account: acct, Region: region, Variant: "scoped"}, "Variant", "which has none"},
		{"variant of another consumer", ConsumerDataset, Params{Account: acct, Region: region, Variant: VariantSourceContext}, "Variant", "want one of scoped"},
		{"narrowing not documented", ConsumerRecommendation, Params{Account: acct, Region: region, ResourceARN: arnOf("recommendation", "r-1")}, "ResourceARN", "shows no narrowing"},
		{"narrowing not documented bundle", ConsumerConfigurationBundle, Params{Account: acct, Region: region, ResourceARN: arnOf("configuration-bundle", "b-1")}, "ResourceARN", "shows no narrowing"},
		{"dataset narrowing needs scoped", ConsumerDataset, Params{Account: acct, Region: region, ResourceARN: arnOf("dataset", "d-1")}, "ResourceARN", "scoped variant"},
		{"resource of another type", ConsumerEvaluator, Params{Account: acct, Region: region, ResourceARN: arnOf("gateway", "g-1")}, "ResourceARN", "one evaluator"},
		{"resource wildcard", ConsumerPaymentManager, Params{Account: acct, Region: region, ExecutionRole: role, ResourceARN: arnOf("payment-manager", "*")}, "ResourceARN", "one payment-manager"},
		{"resource in another region", ConsumerEvaluator, Params{Account: acct, Region: region, ResourceARN: "arn:aws:bedrock-agentcore:us-west-2:111122223333:evaluator/e-1"}, "ResourceARN", "Region us-west-2"},
		{"resource in another account", ConsumerDataset, Params{Account: acct, Region: region, Variant: VariantScoped, ResourceARN: "arn:aws:bedrock-agentcore:us-east-1:444455556666:dataset/d-1"}, "ResourceARN", "account 444455556666"},
		{"gateway needs a resource", ConsumerGateway, Params{Account: acct, Region: region, ServiceRole: role}, "ResourceARN", "is required"},
		{"gateway needs a service role", ConsumerGateway, Params{Account: acct, Region: region, Principal: role, ResourceARN: arnOf("gateway", "g-1")}, "ServiceRole", "is required"},
		{"gateway service role is a user", ConsumerGateway, Params{Account: acct, Region: region, ServiceRole: "arn:aws:iam::111122223333:user/u", ResourceARN: arnOf("gateway", "g-1")}, "ServiceRole", "must name an IAM role"},
		{"gateway service role in another partition", ConsumerGateway, Params{Account: acct, Region: region, ServiceRole: "arn:aws-cn:iam::111122223333:role/R", ResourceARN: arnOf("gateway", "g-1")}, "ServiceRole", "partition aws-cn"},
		{"payment manager needs an execution role", ConsumerPaymentManager, Params{Account: acct, Region: region}, "ExecutionRole", "is required"},
		{"payment manager execution role not an ARN", ConsumerPaymentManager, Params{Account: acct, Region: region, ExecutionRole: "PaymentRole"}, "ExecutionRole", "not an ARN"},
		{"payment manager execution role is root", ConsumerPaymentManager, Params{Account: acct, Region: region, ExecutionRole: "arn:aws:iam::111122223333:root"}, "ExecutionRole", "must name an IAM role"},
		{"token vault needs a principal", ConsumerTokenVault, Params{Account: acct, Region: region}, "Principal", "names no principal"},
		{"token vault narrowing", ConsumerTokenVault, Params{Account: acct, Region: region, Principal: role, ResourceARN: arnOf("token-vault", "default")}, "ResourceARN", "shows no narrowing"},
		{"memory narrowing", ConsumerMemory, Params{Account: acct, Region: region, ResourceARN: arnOf("memory", "m-1")}, "ResourceARN", "shows no narrowing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for what, call := range map[string]func() error{
				"For":             func() error { _, err := For(tt.consumer, tt.p); return err },
				"RequirementsFor": func() error { _, err := RequirementsFor(tt.consumer, tt.p); return err },
			} {
				err := call()
				var pe *ParamError
				if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidParams) {
					t.Fatalf("%s: %v, want a *ParamError", what, err)
				}
				if pe.Field != tt.field || !strings.Contains(pe.Reason, tt.reason) {
					t.Errorf("%s: field %q reason %q, want field %q and a reason with %q", what, pe.Field, pe.Reason, tt.field, tt.reason)
				}
			}
		})
	}
}

func TestFailsWhenUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		consumer, op string
		fails, known bool
	}{
		{ConsumerDataset, "GetDataset", true, true},
		{ConsumerDataset, "ListDatasetExamples", true, true},
		{ConsumerDataset, "DeleteDataset", false, true},
		{ConsumerDataset, "UpdateDataset", false, false},
		{ConsumerBatchEvaluation, "StartBatchEvaluation", true, true},
		{ConsumerBatchEvaluation, "StopBatchEvaluation", false, true},
		{ConsumerPaymentManager, "ListPaymentManagers", false, true},
		{ConsumerPaymentManager, "DeletePaymentConnector", false, true},
		{ConsumerEvaluator, "GetEvaluator (METADATA_ONLY)", false, true},
		{ConsumerEvaluator, "", false, false},
		{ConsumerPolicyEngine, "GetPolicyEngine", true, true},
		{ConsumerPolicyEngine, "DeletePolicyEngine", true, true},
		{ConsumerPolicyEngine, "ListPolicyEngineSummaries", false, true},
		{ConsumerPolicyEngine, "GetPolicyEngineSummary", false, true},
		{ConsumerPolicyEngine, "TagResource", false, false},
	}
	for _, tt := range tests {
		c, _ := ConsumerByName(tt.consumer)
		if fails, known := c.FailsWhenUnavailable(tt.op); fails != tt.fails || known != tt.known {
			t.Errorf("%s %q: (%v, %v), want (%v, %v)", tt.consumer, tt.op, fails, known, tt.fails, tt.known)
		}
	}
	var nilc *Consumer
	if fails, known := nilc.FailsWhenUnavailable("GetDataset"); fails || known {
		t.Error("nil Consumer knows something")
	}
}

// TestUnconfirmedRequirements: the evaluator's execution role decrypt is
// reported apart, only with a role, and the documented policy does not
// allow it; no other consumer has such requests.
func TestUnconfirmedRequirements(t *testing.T) {
	t.Parallel()
	p := Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/Caller"}
	if reqs, err := UnconfirmedRequirementsFor(ConsumerEvaluator, p); err != nil || len(reqs) != 0 {
		t.Errorf("without a role: %v, %v", reqs, err)
	}
	p.ExecutionRole = "arn:aws:iam::111122223333:role/EvalExecution"
	reqs, err := UnconfirmedRequirementsFor(ConsumerEvaluator, p)
	if err != nil || len(reqs) != 1 || reqs[0].ID != "execution-role-decrypt" || reqs[0].Caller != CallerRole || reqs[0].Request.Principal != p.ExecutionRole || reqs[0].Statement != "" {
		t.Fatalf("with a role: %+v, %v", reqs, err)
	}
	doc, err := For(ConsumerEvaluator, p)
	if err != nil {
		t.Fatal(err)
	}
	if Analyze(doc, reqs).OK() {
		t.Error("the documented evaluator policy allows the execution role")
	}
	confirmed, err := RequirementsFor(ConsumerEvaluator, p)
	if err != nil || !Analyze(doc, confirmed).OK() {
		t.Errorf("the execution role changed the confirmed requirements: %v", err)
	}
	for _, c := range Consumers() {
		if c.Name == ConsumerEvaluator {
			continue
		}
		q := c.Example
		if q.Principal == "" {
			q.Principal = "arn:aws:iam::" + q.Account + ":root"
		}
		if reqs, err := UnconfirmedRequirementsFor(c.Name, q); err != nil || len(reqs) != 0 {
			t.Errorf("%s: %v, %v", c.Name, reqs, err)
		}
	}
	p.ExecutionRole = "arn:aws:iam::111122223333:user/u"
	if _, err := UnconfirmedRequirementsFor(ConsumerEvaluator, p); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("user as execution role: %v", err)
	}
	if _, err := UnconfirmedRequirementsFor("nope", p); !errors.Is(err, ErrInvalidParams) {
		t.Errorf("unknown consumer: %v", err)
	}
}

func TestEnumStrings(t *testing.T) {
	t.Parallel()
	got := []string{
		KeyPolicy.String(), IdentityPolicy.String(), PolicyKind(9).String(),
		NarrowNotDocumented.String(), NarrowInPlace.String(), NarrowStringEquals.String(), NarrowRequired.String(), Narrowing(9).String(),
		RuleOpen.String(), RuleRequired.String(), RuleNotRequired.String(), Rule(9).String(),
		CallerRole.String(),
	}
	want := []string{
		"key policy", "identity policy", "PolicyKind(9)",
		"not documented", "in place", "to StringEquals", "required", "Narrowing(9)",
		"open", "required", "not required", "Rule(9)",
		"role",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
