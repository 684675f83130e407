package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/ststest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const fixRole = "arn:aws:iam::111122223333:role/ExampleRole"

// fixEnv points the AWS configuration at an in-memory KMS and an STS that
// says the caller is a session of ExampleRole, and creates a key with the
// documented policy-engine statements except "Allow Policy to create
// grants", plus adminStatement (which lets ExampleRole read the key and,
// if admin, change its policy).
func fixEnv(t *testing.T, admin bool) (*kmstest.KMS, string) {
	t.Helper()
	k := kmstest.New()
	srv := k.NewServer()
	t.Cleanup(srv.Close)
	k.MapAccessKey("AKIDPREFLIGHT", fixRole)
	sts := ststest.New()
	sts.SetCaller("AKIDPREFLIGHT", "arn:aws:sts::111122223333:assumed-role/ExampleRole/me")
	t.Cleanup(sts.Close)
	setAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL, "AWS_ENDPOINT_URL_STS": sts.URL})

	doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: fixRole})
	if err != nil {
		t.Fatal(err)
	}
	doc.Statement = slices.DeleteFunc(doc.Statement, func(s keypolicy.Statement) bool { return s.Sid == keypolicy.SidPolicyCreateGrants })
	actions := keypolicy.List("kms:DescribeKey", "kms:GetKeyPolicy")
	if admin {
		actions = keypolicy.List("kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy")
	}
	doc.Statement = append([]keypolicy.Statement{{
		Sid: "KeyAdministration", Effect: keypolicy.EffectAllow, Principal: keypolicy.AWSPrincipal(fixRole),
		Action: actions, Resource: keypolicy.One("*"),
	}}, doc.Statement...)
	policy, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	md := k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
	return k, aws.ToString(md.Arn)
}

// TestFix adds the missing statement, checks again, and passes; a second
// run has nothing to fix.
func TestFix(t *testing.T) {
	k, keyARN := fixEnv(t, true)
	var out, errb bytes.Buffer
	code := run([]string{"-key", keyARN, "-region", "us-east-1", "-fix"}, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, &out, &errb)
	}
	text := out.String()
	before, after, ok := strings.Cut(text, "== After the fix")
	if !ok || !strings.Contains(before, "== Before the fix") || !strings.Contains(before, "Result: FAIL") ||
		!strings.Contains(before, `fix: added ["Allow Policy to create grants"] to the key policy of `+keyARN) ||
		!strings.Contains(after, "Result: PASS") {
		t.Errorf("stdout does not show the failed check, the fix and the passed check:\n%s", text)
	}
	if !strings.Contains(errb.String(), `+      "Sid": "Allow Policy to create grants",`) {
		t.Errorf("stderr lacks the diff:\n%s", &errb)
	}
	if n := k.CallCount("PutKeyPolicy"); n != 1 {
		t.Errorf("%d PutKeyPolicy calls, want 1", n)
	}

	out.Reset()
	errb.Reset()
	code = run([]string{"-key", keyARN, "-region", "us-east-1", "-fix", "-json"}, &out, &errb)
	if code != exitOK || !strings.Contains(errb.String(), "nothing to apply") {
		t.Fatalf("second run: exit %d, stderr:\n%s", code, &errb)
	}
	var report struct {
		Outcome string `json:"outcome"`
	}
	if err := json.Unmarshal(out.Bytes(), &report); err != nil {
		t.Fatalf("stdout is not one JSON report: %v\n%s", err, &out)
	}
	if n := k.CallCount("PutKeyPolicy"); n != 1 {
		t.Errorf("%d PutKeyPolicy calls after the second run, want 1", n)
	}
}

// TestFixRefusesLockout checks that -fix refuses a change that would lock
// the caller out (it may read the key but not change its policy), writes
// nothing and exits 1 with the reason.
func TestFixRefusesLockout(t *testing.T) {
	k, keyARN := fixEnv(t, false)
	var out, errb bytes.Buffer
	code := run([]string{"-key", keyARN, "-region", "us-east-1", "-fix"}, &out, &errb)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailed, &errb)
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "preflight: -fix: refused to write the key policy of "+keyARN) ||
		!strings.Contains(last, "would not allow "+fixRole+" to call kms:PutKeyPolicy") {
		t.Errorf("last line of stderr: %q", last)
	}
	if n := k.CallCount("PutKeyPolicy"); n != 0 {
		t.Errorf("%d PutKeyPolicy calls, want 0", n)
	}
}

func TestFixNeedsKey(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-fix"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "-fix needs -key") {
		t.Errorf("exit %d, stderr %q", code, &errb)
	}
}
