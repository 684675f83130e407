package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// TestSandboxFeatures: the sandbox of every other key-policy feature
// behaves as its documentation predicts, the alias sample left out where
// the key field takes only a key ARN.
func TestSandboxFeatures(t *testing.T) {
	t.Parallel()
	for _, feature := range []string{"evaluator", "dataset", "configuration-bundle", "recommendation", "payment-manager", "gateway"} {
		t.Run(feature, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := run([]string{"-feature", feature}, &out, &errb)
			if code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s\n%s", code, errb.String(), out.String())
			}
			text := out.String()
			for _, want := range []string{"for " + feature + " in us-east-1", "PASS     key.multi-region", "FAIL     key.spec", "Result: PASS (", "Result: FAIL (", "keypolicy.For(\"" + feature + "\", ...)"} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if n := strings.Count(text, "== Sandbox:"); n != 6 || strings.Contains(text, "alias") {
				t.Errorf("%d samples printed, want 6 without the alias one", n)
			}
		})
	}
}

// TestFeatureFlagsBadInput: the new flags refuse what they cannot check.
func TestFeatureFlagsBadInput(t *testing.T) {
	t.Parallel()
	const gw = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-feature", "gateways"}, "-feature must be one of policy-engine, batch-evaluation, evaluator"},
		{[]string{"-feature", "dataset,gateway"}, "it needs -key (the sandbox runs one feature at a time)"},
		{[]string{"-key", "alias/k", "-feature", "dataset,dataset"}, "lists dataset twice"},
		{[]string{"-key", "alias/k", "-feature", "policy-engine,batch-evaluation", "-fix"}, "-fix applies one feature's statements"},
		{[]string{"-key", "alias/k", "-feature", "policy-engine,dataset", "-service-role", "arn:aws:iam::111122223333:role/G"}, `-service-role applies to none of -feature "policy-engine,dataset"`},
		{[]string{"-key", "alias/k", "-feature", "policy-engine,evaluator", "-resource-arn", gw}, `-resource-arn applies to none of -feature "policy-engine,evaluator"`},
		{[]string{"-key", "alias/k", "-feature", "policy-engine,nothing"}, "-feature nothing: -feature must be one of"},
		{[]string{"-feature", "dataset", "-execution-role", "arn:aws:iam::111122223333:role/E"}, "-execution-role is for -feature payment-manager"},
		{[]string{"-feature", "evaluator", "-service-role", "arn:aws:iam::111122223333:role/G"}, "-service-role is for -feature gateway"},
		{[]string{"-feature", "evaluator", "-variant", "scoped"}, `-variant "scoped" is not a documented variant of the evaluator`},
		{[]string{"-feature", "evaluator", "-resource-arn", gw}, `names a "gateway", not a resource of -feature evaluator`},
		{[]string{"-feature", "evaluator", "-resource-arn", "evaluator/e"}, "is not an ARN"},
		{[]string{"-feature", "memory", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:memory/m"}, "not a resource of -feature memory"},
		{[]string{"-feature", "dataset", "-evaluation-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/b"}, "-evaluation-arn is for -feature batch-evaluation"},
		{[]string{"-feature", "policy-engine", "-engine-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/p", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/q"}, "give the resource ARN once"},
		{[]string{"-feature", "memory"}, "the sandbox has no samples for -feature memory"},
		{[]string{"-feature", "token-vault"}, "the sandbox has no samples for -feature token-vault"},
		{[]string{"-feature", "dataset", "-resource-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:dataset/d"}, "narrows only the scoped variant"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			code := run(tt.args, &out, &errb)
			if code != exitUsage || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tt.want)
			}
		})
	}
}

// TestFeatureRealKeyMode: -key with a consumer feature goes through the
// default AWS configuration to kmstest, and enforces the consumer's key
// restrictions: a key ARN only, no multi-Region key for the payment
// manager.
func TestFeatureRealKeyMode(t *testing.T) {
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	const role = "arn:aws:iam::111122223333:role/Caller"
	const exec = "arn:aws:iam::111122223333:role/Exec"
	k.MapAccessKey("AKIDFEATURES", role)
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFEATURES")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_KMS", srv.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	if err := os.WriteFile(filepath.Join(dir, "config"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p := keypolicy.Params{Account: "111122223333", Region: "us-east-1", Principal: role, ExecutionRole: exec}
	doc, err := keypolicy.For(keypolicy.ConsumerPaymentManager, p)
	if err != nil {
		t.Fatal(err)
	}
	base, err := keypolicy.Parse([]byte(k.DefaultKeyPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := keypolicy.Merge(base, doc)
	if err != nil {
		t.Fatal(err)
	}
	pol := string(merged.Compact())
	good := k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(pol)})
	multi := k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(pol), MultiRegion: aws.Bool(true)})
	if _, err := k.Client().CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/pm"), TargetKeyId: good.KeyId}); err != nil {
		t.Fatal(err)
	}
	args := []string{"-feature", "payment-manager", "-account", "111122223333", "-principal", role, "-execution-role", exec}
	// The same key, shared by the payment manager and a dataset whose
	// statements it lacks: the dataset's check fails, the exit is 1.
	t.Run("a list of features", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := run([]string{"-feature", "payment-manager,dataset", "-account", "111122223333", "-principal", role, "-execution-role", exec, "-key", *good.Arn}, &out, &errb)
		text := out.String()
		if code != exitFailed || !strings.Contains(text, "== payment-manager\n") || !strings.Contains(text, "== dataset\n") ||
			!strings.Contains(text, "for payment-manager in us-east-1") || !strings.Contains(text, "for dataset in us-east-1") || !strings.Contains(text, "Result: FAIL") {
			t.Errorf("exit %d, want %d; output:\n%s\nstderr: %s", code, exitFailed, text, errb.String())
		}
		out.Reset()
		code = run([]string{"-feature", "payment-manager,payment-manager ", "-account", "111122223333", "-principal", role, "-execution-role", exec, "-key", *good.Arn}, &out, &errb)
		if code != exitUsage {
			t.Errorf("a feature listed twice: exit %d, want %d", code, exitUsage)
		}
	})
	t.Run("a list of features as JSON", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := run([]string{"-feature", "payment-manager,dataset", "-json", "-account", "111122223333", "-principal", role, "-execution-role", exec, "-key", *good.Arn}, &out, &errb)
		var reports []struct {
			Feature string `json:"feature"`
			Outcome string `json:"outcome"`
		}
		if err := json.Unmarshal(out.Bytes(), &reports); err != nil {
			t.Fatalf("exit %d, output is not a JSON array of reports: %v\n%s", code, err, out.String())
		}
		if code != exitFailed || len(reports) != 2 || reports[0].Feature != "payment-manager" || reports[0].Outcome != "passed" ||
			reports[1].Feature != "dataset" || reports[1].Outcome != "failed" {
			t.Errorf("exit %d, reports %+v; want payment-manager passed, dataset failed, exit 1", code, reports)
		}
	})
	tests := []struct {
		name     string
		key      string
		wantCode int
		wantOut  string
	}{
		{"good key", *good.Arn, exitOK, "Result: PASS"},
		{"multi-Region key", *multi.Arn, exitFailed, "FAIL     key.multi-region"},
		{"alias", "alias/pm", exitUsage, "takes only a key ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append(append([]string(nil), args...), "-key", tt.key), &out, &errb)
			if code != tt.wantCode || !strings.Contains(out.String()+errb.String(), tt.wantOut) {
				t.Errorf("exit %d, want %d; output lacks %q?\n%s\nstderr: %s", code, tt.wantCode, tt.wantOut, out.String(), errb.String())
			}
		})
	}
}
