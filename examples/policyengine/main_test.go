package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/internal/hostile"
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

// startSandbox starts the agentcoretest sandbox of the sandbox role, which
// the -key and -aws tests point the AWS configuration at.
func startSandbox(t *testing.T) *agentcoretest.Sandbox {
	t.Helper()
	sb, err := agentcoretest.Start(sandboxRole, func(o *agentcoretest.Options) { o.Account, o.Region = sandboxAccount, sandboxRegion })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// pointAWSAt points the AWS configuration at kmsURL and ctlURL (the
// sandbox's emulators, or servers in front of them), signing with the
// sandbox role's access key.
func pointAWSAt(t *testing.T, sb *agentcoretest.Sandbox, kmsURL, ctlURL string) {
	t.Helper()
	for name, value := range map[string]string{
		"AWS_ENDPOINT_URL_KMS":                       kmsURL,
		"AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL": ctlURL,
		"AWS_ACCESS_KEY_ID":                          sb.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":                      "secret",
		"AWS_REGION":                                 sb.Region,
		"AWS_CONFIG_FILE":                            "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE":                "/dev/null",
		"AWS_PROFILE":                                "",
		"AWS_EC2_METADATA_DISABLED":                  "true",
	} {
		t.Setenv(name, value)
	}
}

// TestLive runs the -key path through the AWS configuration, pointed at the
// emulators with the documented environment variables.
func TestLive(t *testing.T) {
	sb := startSandbox(t)
	k := sb.Emulators.KMS
	keyARN, err := sandboxKey(t.Context(), sb.KMS)
	if err != nil {
		t.Fatal(err)
	}
	pointAWSAt(t, sb, sb.Emulators.KMSURL, sb.Emulators.ControlPlaneURL)
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

// hostileLive points the -key path at the emulators through misbehaving
// loopback servers, and returns the key ARN and the two servers.
func hostileLive(t *testing.T) (keyARN string, kmsH, ctlH *hostile.Server) {
	t.Helper()
	sb := startSandbox(t)
	keyARN, err := sandboxKey(t.Context(), sb.KMS)
	if err != nil {
		t.Fatal(err)
	}
	if kmsH, err = hostile.New(sb.Emulators.KMSURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kmsH.Close)
	if ctlH, err = hostile.New(sb.Emulators.ControlPlaneURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctlH.Close)
	pointAWSAt(t, sb, kmsH.URL, ctlH.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	return keyARN, kmsH, ctlH
}

// TestExitCodes runs the command once for each exit status, through the
// AWS configuration pointed at misbehaving servers in front of the
// emulators.
func TestExitCodes(t *testing.T) {
	keyARN, kmsH, ctlH := hostileLive(t)
	tests := []struct {
		name       string
		args       []string
		kmsRules   []string // KMS operations answered with a 500
		wantCode   int
		wantStderr string
		noCalls    bool // no request may reach AWS
	}{
		{name: "created with both grants", args: []string{"-name", "Fine"}, wantCode: exitOK},
		{name: "incomplete preflight", args: []string{"-name", "Incomplete"}, kmsRules: []string{"GetKeyPolicy"},
			wantCode: exitUsage, wantStderr: "kmscheck: preflight"},
		{name: "incomplete preflight, opted in", args: []string{"-name", "OptedIn", "-proceed-on-incomplete-preflight"},
			kmsRules: []string{"GetKeyPolicy"}, wantCode: exitOK},
		{name: "no preflight answer, even opted in", args: []string{"-name", "NoAnswer", "-proceed-on-incomplete-preflight"},
			kmsRules: []string{"DescribeKey", "GetKeyPolicy"}, wantCode: exitUsage, wantStderr: "got no answer from KMS"},
		{name: "a malformed key ARN", args: []string{"-key", `arn:aws:kms:us-east-1:1111:key/"x`}, wantCode: exitUsage,
			wantStderr: "KeyARN", noCalls: true},
		{name: "an unknown flag", args: []string{"-nope"}, wantCode: exitUsage, wantStderr: "run policyengine -h for usage", noCalls: true},
		{name: "a zero -timeout", args: []string{"-timeout", "0"}, wantCode: exitUsage, wantStderr: "-timeout", noCalls: true},
		{name: "a negative -timeout", args: []string{"-timeout", "-1s"}, wantCode: exitUsage, wantStderr: "-timeout", noCalls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := kmsH.Seen(hostile.Any) + ctlH.Seen(hostile.Any)
			for _, op := range tt.kmsRules {
				kmsH.On(hostile.Target(op), hostile.InternalError)
			}
			defer kmsH.Reset()
			var stdout, stderr bytes.Buffer
			args := tt.args
			if args[0] != "-key" {
				args = append([]string{"-key", keyARN, "-principal", sandboxRole}, args...)
			}
			code := run(args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, tt.wantStderr, &stdout, &stderr)
			}
			if code == exitUsage && strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr has %d lines, want one:\n%s", strings.Count(stderr.String(), "\n"), &stderr)
			}
			if after := kmsH.Seen(hostile.Any) + ctlH.Seen(hostile.Any); tt.noCalls && after != before {
				t.Errorf("%d requests reached AWS for bad input", after-before)
			}
		})
	}
}

// -timeout bounds the whole run, not only the wait for ACTIVE: a control
// plane that never answers ends the run after -timeout, with exit 2.
func TestTimeoutBoundsTheRun(t *testing.T) {
	keyARN, _, _ := hostileLive(t)
	// The handler reads the body first: only then does net/http cancel
	// the request's context when the client goes away.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer hang.Close()
	defer hang.CloseClientConnections()
	t.Setenv("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL", hang.URL)
	var stdout, stderr bytes.Buffer
	code := run([]string{"-key", keyARN, "-principal", sandboxRole, "-timeout", "300ms"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "no answer within -timeout 300ms") {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitUsage, &stderr)
	}
}
