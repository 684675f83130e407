package main

import (
	"bytes"
	"strings"
	"testing"

	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

func TestSandbox(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-name", "SandboxEngine"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"preflight: 16 of 16 checks passed",
		"engine SandboxEngine-",
		"is ACTIVE",
		"policy management grant ",
		"(Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext) for bedrock-agentcore.amazonaws.com",
		"policy evaluation grant ",
		"(Decrypt, ReEncryptFrom, ReEncryptTo) for bedrock-agentcore.amazonaws.com",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSandboxAudit(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-audit"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "audit: 1 policy engines, 0 with findings") {
		t.Errorf("output:\n%s", stdout.String())
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-name", "bad-name"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != exitUsage {
			t.Errorf("run(%q) = %d, want %d; stderr:\n%s", args, code, exitUsage, stderr.String())
		}
	}
}

// TestLive runs the -key path through the AWS configuration, pointed at the
// emulators with the documented environment variables.
func TestLive(t *testing.T) {
	k := kmstest.New()
	k.MapAccessKey(sandboxAccessKey, sandboxRole)
	kmsSrv := k.NewServer()
	defer kmsSrv.Close()
	ctlSrv := policyenginetest.New(k).NewServer()
	defer ctlSrv.Close()
	keyARN, err := sandboxKey(t.Context(), kmstest.NewSDKClient(kmsSrv.URL, sandboxAccessKey))
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{
		"AWS_ENDPOINT_URL_KMS":                       kmsSrv.URL,
		"AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL": ctlSrv.URL,
		"AWS_ACCESS_KEY_ID":                          sandboxAccessKey,
		"AWS_SECRET_ACCESS_KEY":                      "secret",
		"AWS_REGION":                                 sandboxRegion,
		"AWS_CONFIG_FILE":                            "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE":                "/dev/null",
		"AWS_PROFILE":                                "",
		"AWS_EC2_METADATA_DISABLED":                  "true",
	} {
		t.Setenv(name, value)
	}
	live := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"-key", keyARN, "-principal", sandboxRole}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := live("-name", "LiveEngine")
	if code != exitOK || !strings.Contains(out, "is ACTIVE") || !strings.Contains(out, "policy evaluation grant") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if err := k.SetKeyState(keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = live("-name", "Refused")
	if code != exitFailed || !strings.Contains(errOut, "The specified KMS key is not in a usable state.") {
		t.Errorf("disabled key: exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = live("-name", "Refused", "-no-preflight")
	if code != exitFailed || !strings.Contains(errOut, "ValidationException") {
		t.Errorf("disabled key without preflight: exit %d, stderr:\n%s", code, errOut)
	}

	// Audit only: the engine created above now denies every decision.
	var stdout, stderr bytes.Buffer
	code = run([]string{"-aws", "-audit"}, &stdout, &stderr)
	if code != exitFailed || !strings.Contains(stdout.String(), "audit: 1 policy engines, 1 with findings") ||
		!strings.Contains(stdout.String(), "LiveEngine-") || !strings.Contains(stdout.String(), "KeyDisabled: all authorization decisions") {
		t.Errorf("audit: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if code := run([]string{"-aws"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("-aws alone: exit %d, want %d", code, exitUsage)
	}
}
