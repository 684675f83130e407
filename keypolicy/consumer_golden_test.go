package keypolicy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// consumerGoldenCases are the consumer generators beyond the page's example
// values, kept as golden files in testdata/golden-consumers: other
// partitions and principals, the wildcard and narrowed forms, and a key
// shared by all.
func consumerGoldenCases() []struct {
	name string
	doc  func() (*Document, error)
} {
	const acct = "444455556666"
	gen := func(name string, p Params) func() (*Document, error) {
		return func() (*Document, error) { return For(name, p) }
	}
	role := func(part, name string) string { return "arn:" + part + ":iam::" + acct + ":role/" + name }
	res := func(part, region, typ, id string) string {
		return "arn:" + part + ":bedrock-agentcore:" + region + ":" + acct + ":" + typ + "/" + id
	}
	shared := func() (*Document, error) {
		p := Params{Account: acct, Region: "eu-central-1", Principal: role("aws", "Caller"), ExecutionRole: role("aws", "Exec"), ServiceRole: role("aws", "Gw")}
		gw := p
		gw.ResourceARN = res("aws", "eu-central-1", "gateway", "gw-1")
		var uses []Use
		for _, n := range []string{ConsumerPolicyEngine, ConsumerBatchEvaluation, ConsumerEvaluator, ConsumerDataset, ConsumerConfigurationBundle, ConsumerRecommendation, ConsumerPaymentManager} {
			uses = append(uses, Use{n, p})
		}
		doc, _, err := Shared(append(uses, Use{ConsumerGateway, gw}))
		return doc, err
	}
	return []struct {
		name string
		doc  func() (*Document, error)
	}{
		{"evaluator-wildcard", gen(ConsumerEvaluator, Params{Account: acct, Region: "us-east-1", Principal: role("aws", "EvalRole")})},
		{"evaluator-aws-cn-narrowed", gen(ConsumerEvaluator, Params{Account: acct, Region: "cn-north-1", Principal: role("aws-cn", "EvalRole"), ResourceARN: res("aws-cn", "cn-north-1", "evaluator", "ev-1")})},
		{"dataset-aws-us-gov", gen(ConsumerDataset, Params{Account: acct, Region: "us-gov-west-1"})},
		{"dataset-scoped-narrowed", gen(ConsumerDataset, Params{Account: acct, Region: "us-east-1", Principal: role("aws", "DatasetRole"), Variant: VariantScoped, ResourceARN: res("aws", "us-east-1", "dataset", "ds-1")})},
		{"configuration-bundle-aws-cn-user", gen(ConsumerConfigurationBundle, Params{Account: acct, Region: "cn-northwest-1", Principal: "arn:aws-cn:iam::" + acct + ":user/ops/alice"})},
		{"recommendation-root", gen(ConsumerRecommendation, Params{Account: acct, Region: "ap-southeast-2"})},
		{"payment-manager-narrowed", gen(ConsumerPaymentManager, Params{Account: "111122223333", Region: "us-west-2", Principal: "arn:aws:iam::111122223333:role/CallerRole",
			ExecutionRole: "arn:aws:iam::111122223333:role/PaymentManagerExecutionRole", ResourceARN: "arn:aws:bedrock-agentcore:us-west-2:111122223333:payment-manager/pm-abc123"})},
		{"payment-manager-aws-cn", gen(ConsumerPaymentManager, Params{Account: acct, Region: "cn-north-1", ExecutionRole: role("aws-cn", "Exec")})},
		{"gateway-aws-us-gov", gen(ConsumerGateway, Params{Account: acct, Region: "us-gov-east-1", ServiceRole: role("aws-us-gov", "GatewayRole"), ResourceARN: res("aws-us-gov", "us-gov-east-1", "gateway", "gw-1")})},
		{"memory-aws-cn", gen(ConsumerMemory, Params{Account: acct, Region: "cn-north-1"})},
		{"token-vault-root", gen(ConsumerTokenVault, Params{Account: acct, Region: "us-east-1", Principal: "arn:aws:iam::" + acct + ":root"})},
		{"token-vault-aws-cn", gen(ConsumerTokenVault, Params{Account: acct, Region: "cn-north-1", Principal: role("aws-cn", "IdentityAdmin")})},
		{"shared-eight-consumers", shared},
	}
}

// TestConsumerGolden compares each case with its golden file, byte for
// byte ("go test ./keypolicy -update" rewrites them), checks that the file
// parses back to itself, and that no golden file is left without a case.
func TestConsumerGolden(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "golden-consumers")
	names := map[string]bool{}
	for _, tt := range consumerGoldenCases() {
		names[tt.name+".json"] = true
		doc, err := tt.doc()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, tt.name+".json")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./keypolicy -update to create it)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
		back, err := Parse(want)
		if err != nil {
			t.Fatalf("Parse(%s): %v", path, err)
		}
		if again, _ := back.JSON(); string(again) != string(want) {
			t.Errorf("%s does not round-trip", path)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !names[e.Name()] {
			t.Errorf("%s/%s is not written by any case", dir, e.Name())
		}
	}
}
