package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/agentcorekms/agentcorekms/internal/ststest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/iamtest"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

func TestSandboxIAM(t *testing.T) {
	for _, tt := range []struct {
		feature string
		want    []string
	}{
		{"policy-engine", []string{
			"a caller whose IAM policy lacks kms:CreateGrant (-iam)",
			"FAIL     policy.create-grant-management",
			"but no IAM policy of arn:aws:iam::111122223333:role/ExampleRole allows it",
			`remedy: Add the statement "AllowPolicyToCreateGrants" of keypolicy.IdentityForPolicyEngine`,
			`IAM allows it by inline policy "agentcore" of the role (statement at line 4, column 5)`,
		}},
		{"batch-evaluation", []string{
			"a caller whose IAM policy lacks kms:GenerateDataKey and kms:Decrypt (-iam)",
			"FAIL     policy.caller-decrypt",
			`remedy: Add the statement "AllowCallerCryptoOps" of keypolicy.IdentityForBatchEvaluation`,
		}},
	} {
		t.Run(tt.feature, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"-iam", "-feature", tt.feature}, &out, &errb); code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, &errb)
			}
			text := out.String()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if n := strings.Count(text, "== Sandbox:"); n != 9 {
				t.Errorf("%d samples printed, want 9 (7 and 2 with -iam)", n)
			}
		})
	}
	// Without -iam the sandbox has no IAM samples.
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != exitOK || strings.Contains(out.String(), "(-iam)") {
		t.Errorf("without -iam: exit %d, IAM samples printed: %v", code, strings.Contains(out.String(), "(-iam)"))
	}
}

func TestSandboxIAMJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-iam", "-json"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, &errb)
	}
	var results []struct {
		Sample     string `json:"sample"`
		AsExpected bool   `json:"asExpected"`
	}
	if err := json.Unmarshal(out.Bytes(), &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 9 {
		t.Fatalf("%d results, want 9", len(results))
	}
	for _, r := range results {
		if !r.AsExpected {
			t.Errorf("%s: not as expected", r.Sample)
		}
	}
}

// TestRealKeyModeIAM points -iam at iamtest with AWS_ENDPOINT_URL_IAM: the
// default key policy delegates to IAM, whose policy lacks kms:CreateGrant.
func TestRealKeyModeIAM(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDPREFLIGHT", role)
	m := iamtest.New()
	isrv := m.NewServer()
	defer isrv.Close()
	admin := iamtest.NewSDKClient(isrv.URL)
	ctx := t.Context()
	if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ExampleRole"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key := k.CreateTestKey(t, nil)
	doc, err := keypolicy.IdentityForPolicyEngine(keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role}, *key.Arn)
	if err != nil {
		t.Fatal(err)
	}
	doc.Statement = doc.Statement[1:] // no CreateGrant
	b, _ := doc.JSON()
	if _, err := admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ExampleRole"), PolicyName: aws.String("agentcore"), PolicyDocument: aws.String(string(b))}); err != nil {
		t.Fatal(err)
	}
	setAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL, "AWS_ENDPOINT_URL_IAM": isrv.URL})
	args := []string{"-key", *key.Arn, "-region", "us-east-1", "-account", "111122223333", "-principal", role}

	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != exitOK || strings.Contains(out.String(), "FAIL ") {
		t.Errorf("without -iam: exit %d, want %d (allowed only if IAM allows: warnings)\n%s%s", code, exitOK, &out, &errb)
	}
	out.Reset()
	errb.Reset()
	if code := run(append(args, "-iam"), &out, &errb); code != exitFailed {
		t.Errorf("with -iam: exit %d, want %d\n%s%s", code, exitFailed, &out, &errb)
	}
	for _, w := range []string{"FAIL     policy.create-grant-management", "but no IAM policy of " + role + " allows it", "PASS     policy.decrypt"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("with -iam, output lacks %q:\n%s", w, &out)
		}
	}
	var sims int
	for _, r := range m.Requests() {
		if r.Operation == "SimulatePrincipalPolicy" {
			sims++
		}
	}
	if sims != 4 {
		t.Errorf("%d simulations, want 4 (one per request context)", sims)
	}
}

// TestRealKeyModeIAMSessionRolePath: a session ARN drops its role's path;
// with -iam the role's ARN, path included, comes from iam:GetRole, so the
// simulation finds the role.
func TestRealKeyModeIAMSessionRolePath(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/team/App"
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDPREFLIGHT", role)
	sts := ststest.New()
	sts.SetCaller("AKIDPREFLIGHT", "arn:aws:sts::111122223333:assumed-role/App/me")
	defer sts.Close()
	m := iamtest.New()
	isrv := m.NewServer()
	defer isrv.Close()
	admin := iamtest.NewSDKClient(isrv.URL)
	ctx := t.Context()
	if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("App"), Path: aws.String("/team/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key := k.CreateTestKey(t, nil)
	doc, err := keypolicy.IdentityForPolicyEngine(keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role}, *key.Arn)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := doc.JSON()
	if _, err := admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("App"), PolicyName: aws.String("agentcore"), PolicyDocument: aws.String(string(b))}); err != nil {
		t.Fatal(err)
	}
	setAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL, "AWS_ENDPOINT_URL_STS": sts.URL, "AWS_ENDPOINT_URL_IAM": isrv.URL})
	var out, errb bytes.Buffer
	if code := run([]string{"-key", *key.Arn, "-region", "us-east-1", "-iam"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, &out, &errb)
	}
	for _, w := range []string{"caller " + role + "\n", "PASS     policy.create-grant-management"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, &out)
		}
	}
}
