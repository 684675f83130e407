package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

func TestSandbox(t *testing.T) {
	for _, feature := range []string{"policy-engine", "batch-evaluation"} {
		t.Run(feature, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run([]string{"-feature", feature}, &out, &errb)
			if code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
			}
			text := out.String()
			for _, want := range []string{
				"Sandbox: an RSA key", "FAIL     key.spec", "The key is Disabled.", "pending deletion; KMS deletes it on",
				"Alias alias/agentcore-sandbox resolves to key arn:aws:kms:us-east-1:111122223333:key/",
				"Result: PASS (", "Result: FAIL (", "remedy: Add the documented statement",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if strings.Count(text, "== Sandbox:") != 7 {
				t.Errorf("%d samples printed, want 7", strings.Count(text, "== Sandbox:"))
			}
		})
	}
}

func TestSandboxJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-json", "-feature", "batch-evaluation"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var results []struct {
		Sample     string `json:"sample"`
		AsExpected bool   `json:"asExpected"`
		Report     struct {
			KeyARN   string `json:"keyArn"`
			Findings []struct {
				ID, Status, Message, Remedy string
			} `json:"findings"`
		} `json:"report"`
	}
	if err := json.Unmarshal(out.Bytes(), &results); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(results) != 7 {
		t.Fatalf("%d results, want 7", len(results))
	}
	for _, r := range results {
		if !r.AsExpected || r.Report.KeyARN == "" || len(r.Report.Findings) != 17 {
			t.Errorf("%s: as expected %v, key %q, %d findings", r.Sample, r.AsExpected, r.Report.KeyARN, len(r.Report.Findings))
		}
	}
	if got := results[1].Report.Findings[2]; got.ID != "key.spec" || got.Status != "fail" || got.Remedy == "" {
		t.Errorf("RSA key.spec finding = %+v", got)
	}
}

func TestBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"-feature", "nope"},
		{"-bogus"},
		{"extra"},
		{"-feature", "batch-evaluation", "-engine-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/x"},
		{"-account", "12"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitUsage || errb.Len() == 0 {
			t.Errorf("run(%q) = %d with stderr %q, want 2 and a message", args, code, errb.String())
		}
	}
}

// TestRealKeyMode runs -key through the default AWS configuration, pointed
// at kmstest with AWS_ENDPOINT_URL_KMS.
func TestRealKeyMode(t *testing.T) {
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k.MapAccessKey("AKIDPREFLIGHT", role)
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDPREFLIGHT")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_KMS", srv.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	if err := os.WriteFile(filepath.Join(dir, "config"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	good := k.CreateTestKey(t, nil)
	disabled := k.CreateTestKey(t, nil)
	if err := k.SetKeyState(*disabled.KeyId, types.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	base := []string{"-account", "111122223333", "-principal", role}
	tests := []struct {
		name     string
		args     []string
		failNext int
		wantCode int
		wantOut  string
	}{
		// The default key policy delegates to IAM: warnings, no failure.
		{name: "good key", args: []string{"-key", *good.Arn}, wantCode: exitOK, wantOut: "Result: PASS"},
		{name: "disabled key", args: []string{"-key", *disabled.Arn}, wantCode: exitFailed, wantOut: "FAIL     key.state"},
		{name: "missing key", args: []string{"-key", "alias/missing", "-json"}, wantCode: exitFailed, wantOut: `"status": "fail"`},
		{name: "KMS keeps failing", args: []string{"-key", *good.Arn}, failNext: 100, wantCode: exitUsage, wantOut: "Result: INCOMPLETE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k.InjectFault("", kmstest.InternalFault(), tt.failNext)
			defer k.InjectFault("", kmstest.InternalFault(), 0)
			var out, errb bytes.Buffer
			code := run(append(append([]string(nil), base...), tt.args...), &out, &errb)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("exit %d, want %d; output lacks %q?\n%s\nstderr: %s", code, tt.wantCode, tt.wantOut, out.String(), errb.String())
			}
		})
	}
	for _, c := range k.Requests() {
		if c.Caller.Principal != role {
			t.Errorf("%s made by %s, want %s (the mapped access key)", c.Operation, c.Caller.Principal, role)
		}
	}
	if n := k.CallCount("DescribeKey"); n == 0 {
		t.Error("the -key mode never reached the emulator")
	}
}

func TestPrincipalOf(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:sts::111122223333:assumed-role/Admin/me": "arn:aws:iam::111122223333:role/Admin",
		"arn:aws:iam::111122223333:user/alice":            "arn:aws:iam::111122223333:user/alice",
		"arn:aws:sts::111122223333:federated-user/bob":    "",
	} {
		if got := principalOf(in); got != want {
			t.Errorf("principalOf(%s) = %q, want %q", in, got, want)
		}
	}
}
