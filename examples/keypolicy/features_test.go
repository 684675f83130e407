package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

func consumerFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "keypolicy", "testdata", "consumers", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func runCmd(t *testing.T, args []string, stdin string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// TestFeatures: each feature writes its documented JSON with the page's
// example values, and a list writes the policy keypolicy.Shared writes.
func TestFeatures(t *testing.T) {
	t.Parallel()
	const (
		acct    = "-account=111122223333"
		east    = "-region=us-east-1"
		gwAcct  = "-account=123456789012"
		gateway = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/GatewayId"
	)
	shared := func(uses ...keypolicy.Use) string {
		doc, _, err := keypolicy.Shared(uses)
		if err != nil {
			t.Fatal(err)
		}
		b, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	gen := func(name string, p keypolicy.Params) string {
		doc, err := keypolicy.For(name, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	caller := "arn:aws:iam::111122223333:role/Caller"
	base := keypolicy.Params{Account: "111122223333", Region: "us-east-1", Principal: caller}
	withExec := base
	withExec.ExecutionRole = "arn:aws:iam::111122223333:role/Exec"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"evaluator, narrowed", []string{"-feature", "evaluator", acct, east, "-principal", "arn:aws:iam::111122223333:role/MyEvaluationRole",
			"-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:evaluator/my-evaluator-id"}, consumerFile(t, "evaluator-key-policy.json")},
		{"dataset", []string{"-feature", "dataset", acct, east, "-principal", "arn:aws:iam::111122223333:role/MyDatasetRole"}, consumerFile(t, "dataset-key-policy.json")},
		{"dataset scoped", []string{"-feature", "dataset", "-variant", "scoped", acct, east, "-principal", "arn:aws:iam::111122223333:role/MyDatasetRole"}, consumerFile(t, "dataset-key-policy-scoped.json")},
		{"configuration bundle", []string{"-feature", "configuration-bundle", acct, east, "-principal", "arn:aws:iam::111122223333:role/MyConfigBundleRole"}, consumerFile(t, "configuration-bundle-key-policy.json")},
		{"recommendation", []string{"-feature", "recommendation", acct, east, "-principal", "arn:aws:iam::111122223333:role/MyRecommendationRole"}, consumerFile(t, "recommendation-key-policy.json")},
		{"payment manager", []string{"-feature", "payment-manager", acct, "-region", "us-west-2", "-principal", "arn:aws:iam::111122223333:role/CallerRole",
			"-execution-role", "arn:aws:iam::111122223333:role/PaymentManagerExecutionRole"}, consumerFile(t, "payment-manager-key-policy.json")},
		{"gateway", []string{"-feature", "gateway", gwAcct, east, "-service-role", "arn:aws:iam::123456789012:role/GatewayServiceRole", "-resource-arn", gateway}, consumerFile(t, "gateway-key-policy.json")},
		{"memory", []string{"-feature", "memory", acct, east}, consumerFile(t, "memory-identity-policy.json")},
		{"token vault with a chosen principal", []string{"-feature", "token-vault", acct, east, "-principal", caller},
			gen(keypolicy.ConsumerTokenVault, base)},
		{"list: evaluator, dataset, payment manager", []string{"-feature", "evaluator,dataset,payment-manager", acct, east, "-principal", caller, "-execution-role", withExec.ExecutionRole},
			shared(keypolicy.Use{Consumer: "evaluator", Params: base}, keypolicy.Use{Consumer: "dataset", Params: base}, keypolicy.Use{Consumer: "payment-manager", Params: withExec})},
		{"list with spaces and both", []string{"-feature", "both, recommendation", acct, east, "-principal", caller},
			shared(keypolicy.Use{Consumer: "policy-engine", Params: base}, keypolicy.Use{Consumer: "batch-evaluation", Params: base}, keypolicy.Use{Consumer: "recommendation", Params: base})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runCmd(t, tt.args, "")
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFeaturesNarrowByType: -resource-arn gives each ARN to the feature of
// its type, and -check of the written policy passes for the same flags.
func TestFeaturesNarrowByType(t *testing.T) {
	t.Parallel()
	args := []string{"-feature", "gateway,evaluator,dataset", "-account", "111122223333", "-region", "us-east-1",
		"-principal", "arn:aws:iam::111122223333:role/Caller", "-service-role", "arn:aws:iam::111122223333:role/Gw", "-variant", "scoped",
		"-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:evaluator/ev-1,arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1,arn:aws:bedrock-agentcore:us-east-1:111122223333:dataset/ds-1"}
	code, out, errs := runCmd(t, args, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"evaluator/ev-1", "gateway/gw-1", "dataset/ds-1", "AllowAgentCoreDatasetWrite", "AllowCallerAccess for dataset"} {
		if !strings.Contains(out, s) {
			t.Errorf("policy lacks %s", s)
		}
	}
	code, report, errs := runCmd(t, append(args, "-check", "-"), out)
	if code != 0 || !strings.Contains(report, "13 of 13 requests allowed") {
		t.Errorf("-check of the written policy: exit %d\n%s%s", code, report, errs)
	}
	// The evaluator's policy alone misses the gateway's and dataset's requests.
	evOnly, err := keypolicy.For("evaluator", keypolicy.Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/Caller",
		ResourceARN: "arn:aws:bedrock-agentcore:us-east-1:111122223333:evaluator/ev-1"})
	if err != nil {
		t.Fatal(err)
	}
	code, report, _ = runCmd(t, append(args, "-check", "-"), string(evOnly.Compact()))
	if code != exitCheckFailed || !strings.Contains(report, "FAIL gateway/role-create-grant") {
		t.Errorf("-check of the evaluator's policy: exit %d\n%s", code, report)
	}
}

// TestFeaturesBadInput: every new flag refuses bad input with one line on
// standard error and exit status 2.
func TestFeaturesBadInput(t *testing.T) {
	t.Parallel()
	with := func(args ...string) []string {
		return append([]string{"-account", "111122223333", "-region", "us-east-1"}, args...)
	}
	const gw = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1"
	role := "arn:aws:iam::111122223333:role/R"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"empty feature", with("-feature", ""), `-feature "": each feature must be one of`},
		{"empty item", with("-feature", "dataset,"), `-feature "": each feature must be one of`},
		{"feature twice", with("-feature", "dataset,dataset"), "lists dataset twice"},
		{"both and policy engine", with("-feature", "both,policy-engine"), "lists policy-engine twice"},
		{"memory with another", with("-feature", "memory,dataset"), "memory writes an IAM identity policy"},
		{"memory merged", with("-feature", "memory", "-merge", "-"), "cannot be merged into a key policy"},
		{"gateway without resource", with("-feature", "gateway", "-service-role", role), "-resource-arn: is required for the gateway"},
		{"gateway without service role", with("-feature", "gateway", "-resource-arn", gw), "-service-role: is required for the gateway"},
		{"service role is a user", with("-feature", "gateway", "-resource-arn", gw, "-service-role", "arn:aws:iam::111122223333:user/u"), `-service-role "arn:aws:iam::111122223333:user/u": must name an IAM role`},
		{"service role without gateway", with("-feature", "dataset", "-service-role", role), "-service-role applies to -feature gateway only"},
		{"payment manager without execution role", with("-feature", "payment-manager"), "-execution-role: is required for the payment-manager"},
		{"execution role not an ARN", with("-feature", "payment-manager", "-execution-role", "Exec"), `-execution-role "Exec": is not an ARN`},
		{"execution role without payment manager", with("-execution-role", role), "-execution-role applies to -feature payment-manager only"},
		{"resource ARN not an ARN", with("-feature", "evaluator", "-resource-arn", "ev-1"), `-resource-arn "ev-1": is not an ARN`},
		{"resource ARN of an unknown type", with("-feature", "evaluator", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/r-1"), `no feature has resources of type "runtime"`},
		{"resource ARN of a feature not listed", with("-feature", "evaluator", "-resource-arn", gw), "names a gateway: add gateway to -feature"},
		{"two resource ARNs for one feature", with("-feature", "gateway", "-service-role", role, "-resource-arn", gw+","+gw), "a policy narrows to one resource"},
		{"engine ARN and resource ARN", with("-engine-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-1", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-2"), "-engine-arn already narrows policy-engine"},
		{"resource ARN in another account", with("-feature", "evaluator", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:444455556666:evaluator/e"), `-resource-arn "arn:aws:bedrock-agentcore:us-east-1:444455556666:evaluator/e": is in account 444455556666`},
		{"narrowing not documented", with("-feature", "recommendation", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:recommendation/r"), "shows no narrowing"},
		{"dataset narrowing without scoped", with("-feature", "dataset", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:dataset/d"), "narrows only the scoped variant"},
		{"unknown variant", with("-feature", "dataset", "-variant", "wide"), `-variant "wide": no feature in -feature "dataset" has that variant`},
		{"variant of a feature not listed", with("-feature", "evaluator", "-variant", "scoped"), `-variant "scoped": no feature`},
		{"source context without policy engine", with("-feature", "dataset", "-source-context"), "-source-context applies to"},
		{"token vault without principal", with("-feature", "token-vault"), "-principal: is required for the token-vault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runCmd(t, tt.args, "{}")
			if code != exitBadInput || out != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			if strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "keypolicy: ") || !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q, want one line with %q", errs, tt.want)
			}
		})
	}
}

func TestFeaturesHelp(t *testing.T) {
	t.Parallel()
	code, _, errs := runCmd(t, []string{"-h"}, "")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range []string{"-resource-arn", "-execution-role", "-service-role", "-variant", "payment-manager", "gateway", "memory"} {
		if !strings.Contains(errs, s) {
			t.Errorf("usage does not mention %s", s)
		}
	}
}
