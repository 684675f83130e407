package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/ststest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// setAWSEnv isolates the default AWS configuration chain: only the variables
// set here (and in vars) count.
func setAWSEnv(t *testing.T, vars map[string]string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_ACCESS_KEY_ID":           "AKIDPREFLIGHT",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_MAX_ATTEMPTS":            "1",
	} {
		t.Setenv(k, v)
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

func TestRealKeyModeNoRegion(t *testing.T) {
	setAWSEnv(t, nil)
	var out, errb bytes.Buffer
	code := run([]string{"-key", "alias/agentcore"}, &out, &errb)
	if code != exitUsage || errb.String() != "preflight: no Region: pass -region or set AWS_REGION\n" || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d and the no-Region message", code, &out, &errb, exitUsage)
	}
}

// TestRealKeyModeCallerIdentity leaves -account and -principal to STS: a
// session of a role stands for that role.
func TestRealKeyModeCallerIdentity(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDPREFLIGHT", role)
	sts := ststest.New()
	sts.SetCaller("AKIDPREFLIGHT", "arn:aws:sts::111122223333:assumed-role/ExampleRole/me")
	defer sts.Close()
	setAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL, "AWS_ENDPOINT_URL_STS": sts.URL})
	key := k.CreateTestKey(t, nil)
	var out, errb bytes.Buffer
	code := run([]string{"-key", *key.Arn, "-region", "us-east-1"}, &out, &errb)
	if code == exitUsage {
		t.Fatalf("exit %d, stderr:\n%s", code, &errb)
	}
	if want := "account 111122223333, caller " + role + "\n"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout does not name the caller's account and role (%q):\n%s", want, &out)
	}
}

// A session ARN drops its role's path (IAM Identity Center roles live under
// aws-reserved/sso.amazonaws.com/). The key policy names the role with its
// path; the check must be for that role, not for a path-less ARN that no
// key policy can name.
func TestRealKeyModeCallerIdentityRoleWithPath(t *testing.T) {
	const (
		role    = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
		session = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/me"
	)
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDPREFLIGHT", session)
	sts := ststest.New()
	sts.SetCaller("AKIDPREFLIGHT", session)
	defer sts.Close()
	setAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL, "AWS_ENDPOINT_URL_STS": sts.URL})
	base, err := keypolicy.DefaultKeyPolicy("111122223333", "aws")
	if err != nil {
		t.Fatal(err)
	}
	add, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := keypolicy.Merge(base, add)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	key := k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(pol))})
	var out, errb bytes.Buffer
	code := run([]string{"-key", *key.Arn, "-region", "us-east-1"}, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitOK, &out, &errb)
	}
	if want := "caller " + role + "\n"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout does not name the role with its path (%q):\n%s", want, &out)
	}
	for _, id := range []string{"policy.create-grant-management", "policy.decrypt", "policy.describe-key"} {
		if !strings.Contains(out.String(), "PASS     "+id+" ") {
			t.Errorf("%s does not pass for the role the policy names:\n%s", id, &out)
		}
	}
}

func TestRolePathIn(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/App"
	policy := func(principals ...string) *keypolicy.Document {
		doc := &keypolicy.Document{}
		for _, p := range principals {
			doc.Statement = append(doc.Statement, keypolicy.Statement{Effect: keypolicy.EffectAllow, Principal: keypolicy.AWSPrincipal(p)})
		}
		return doc
	}
	for _, tt := range []struct {
		name string
		doc  *keypolicy.Document
		want string
	}{
		{"one role with a path", policy("arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:role/team/App"), "arn:aws:iam::111122223333:role/team/App"},
		{"the role without a path is already right", policy(role), ""},
		{"two paths are ambiguous", policy("arn:aws:iam::111122223333:role/a/App", "arn:aws:iam::111122223333:role/b/App"), ""},
		{"another account", policy("arn:aws:iam::444455556666:role/team/App"), ""},
		{"another name", policy("arn:aws:iam::111122223333:role/team/Apps"), ""},
		{"a user of that name", policy("arn:aws:iam::111122223333:user/team/App"), ""},
	} {
		if got := rolePathIn(tt.doc, role); got != tt.want {
			t.Errorf("%s: rolePathIn = %q, want %q", tt.name, got, tt.want)
		}
	}
}
