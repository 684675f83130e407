package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/agentcorekms/agentcorekms/internal/cli"
)

func TestSandbox(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d (a disabled key and one pending deletion); stderr:\n%s", code, cli.ExitFailed, errb.String())
	}
	text := out.String()
	for _, want := range []string{"#KeyDisabled] key arn:aws:kms:us-east-1:111122223333:key/", "#KeyPendingDeletion] key arn:aws:kms:eu-west-1:444455556666:key/",
		"Result: FAILED: 14 resources over 6 keys, 2 with findings, 2 denied; 8 of 8 listings complete"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(errb.String(), "audit: ") {
		t.Errorf("no progress on standard error: %q", errb.String())
	}
}

func TestSandboxJSON(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"-json"}, &out, &errb); code != cli.ExitFailed {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Outcome   string `json:"outcome"`
		Resources []struct {
			ARN      string `json:"arn"`
			Outcome  string `json:"outcome"`
			Findings []struct {
				ID, Code, Status, DeniedFrom string
			} `json:"findings"`
		} `json:"resources"`
		Keys []struct {
			ARN       string   `json:"arn"`
			Resources []string `json:"resources"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if rep.Outcome != "failed" || len(rep.Resources) != 14 || len(rep.Keys) != 6 {
		t.Errorf("outcome %q with %d resources and %d keys; want failed, 14, 6", rep.Outcome, len(rep.Resources), len(rep.Keys))
	}
	codes := map[string]string{}
	for _, r := range rep.Resources {
		for _, f := range r.Findings {
			if !strings.HasPrefix(f.ID, r.ARN+"#"+f.Code) || f.Status != "fail" || f.DeniedFrom == "" {
				t.Errorf("finding %+v of %s: want id ARN#CODE, status fail and deniedFrom", f, r.ARN)
			}
			codes[f.Code] = r.Outcome
		}
	}
	if len(codes) != 2 || codes["KeyDisabled"] != "failed" || codes["KeyPendingDeletion"] != "failed" {
		t.Errorf("finding codes %v, want KeyDisabled and KeyPendingDeletion on failed resources", codes)
	}
}

func TestBlastRadius(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"-json"}, &out, &errb); code != cli.ExitFailed {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Keys []struct {
			ARN       string   `json:"arn"`
			Resources []string `json:"resources"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	// The sandbox keys are new each run: pick the shared one of the
	// first account's first Region.
	key := ""
	for _, k := range rep.Keys {
		if strings.Contains(k.ARN, ":us-east-1:111122223333:") && len(k.Resources) == 3 {
			key = k.ARN
		}
	}
	if key == "" {
		t.Fatal("no key shared by three resources")
	}
	// A fresh sandbox has fresh keys: so the blast radius of an unknown
	// key is bad input, and -key is checked against the run's own keys.
	out.Reset()
	errb.Reset()
	if code := run([]string{"-key", key}, &out, &errb); code != cli.ExitBadInput || !strings.Contains(errb.String(), "no audited resource uses key") {
		t.Errorf("-key of another run's key: exit %d, stderr %q; want %d and a message", code, errb.String(), cli.ExitBadInput)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "a role that is not an ARN", args: []string{"-role", "AuditRole"}, want: "is not an IAM role ARN"},
		{name: "a principal without its role", args: []string{"-role", "arn:aws:iam::111122223333:role/a", "-principal", "arn:aws:iam::999999999999:role/x"}, want: "which no -role names"},
		{name: "a principal in the sandbox", args: []string{"-principal", "arn:aws:iam::999999999999:role/x"}, want: "-principal needs -role"},
		{name: "a bad Region", args: []string{"-regions", "mars-1"}, want: "is not an AWS Region name"},
		{name: "an argument", args: []string{"extra"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != cli.ExitBadInput || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), cli.ExitBadInput, tt.want)
			}
		})
	}
}

// A Region outside the sandbox cannot be listed: incomplete, exit 2.
func TestIncomplete(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := run([]string{"-regions", "ap-south-1"}, &out, &errb); code != cli.ExitBadInput {
		t.Fatalf("exit %d, want %d; stdout:\n%s", code, cli.ExitBadInput, out.String())
	}
	if !strings.Contains(out.String(), "INCOMPLETE listing of policy-engine in 111122223333 ap-south-1") || !strings.Contains(out.String(), "Result: INCOMPLETE") {
		t.Errorf("output:\n%s", out.String())
	}
}
