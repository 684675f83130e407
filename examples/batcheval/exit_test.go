package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/agentcorekms/agentcorekms/internal/hostile"
)

const exitPrincipal = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"

// hostileAWS points the -aws path at the emulators (awsEnv), with KMS
// behind a misbehaving server, and returns the key ARN and that server.
func hostileAWS(t *testing.T) (string, *hostile.Server) {
	t.Helper()
	keyARN, _ := awsEnv(t, exitPrincipal)
	kmsH, err := hostile.New(os.Getenv("AWS_ENDPOINT_URL_KMS"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kmsH.Close)
	t.Setenv("AWS_ENDPOINT_URL_KMS", kmsH.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	return keyARN, kmsH
}

// TestExitCodes runs the -aws path once for each exit status the flags and
// the preflight decide.
func TestExitCodes(t *testing.T) {
	keyARN, kmsH := hostileAWS(t)
	aws := func(extra ...string) []string {
		return append([]string{"-aws", "-key", keyARN, "-bucket", "archive", "-principal", exitPrincipal}, extra...)
	}
	tests := []struct {
		name       string
		args       []string
		kmsRules   []string // KMS operations answered with a 500
		wantCode   int
		wantStderr string
		oneLine    bool // stderr is one line
		noCalls    bool // no request may reach KMS
	}{
		{name: "completed and verified", args: aws("-name", "fine"), wantCode: exitOK},
		{name: "incomplete preflight", args: aws("-name", "incomplete"), kmsRules: []string{"GetKeyPolicy"},
			wantCode: exitUsage, wantStderr: "is incomplete"},
		{name: "incomplete preflight, opted in", args: aws("-name", "opted_in", "-proceed-on-incomplete-preflight"),
			kmsRules: []string{"GetKeyPolicy"}, wantCode: exitOK},
		{name: "no preflight answer, even opted in", args: aws("-name", "no_answer", "-proceed-on-incomplete-preflight"),
			kmsRules: []string{"DescribeKey", "GetKeyPolicy", "GenerateDataKey"}, wantCode: exitUsage, wantStderr: "got no answer from KMS"},
		{name: "a newline in -prefix", args: aws("-prefix", "a\nb"), wantCode: exitUsage, wantStderr: "-prefix", oneLine: true, noCalls: true},
		{name: "a malformed key ARN", args: []string{"-aws", "-key", `arn:aws:kms:us-east-1:1111:key/"x`, "-bucket", "b"},
			wantCode: exitUsage, wantStderr: "KmsKeyArn", noCalls: true},
		{name: "an unknown flag", args: []string{"-nope"}, wantCode: exitUsage, wantStderr: "run batcheval -h for usage", oneLine: true, noCalls: true},
		{name: "a zero -timeout", args: aws("-timeout", "0"), wantCode: exitUsage, wantStderr: "-timeout", oneLine: true, noCalls: true},
		{name: "a negative -timeout", args: aws("-timeout", "-1s"), wantCode: exitUsage, wantStderr: "-timeout", oneLine: true, noCalls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := kmsH.Seen(hostile.Any)
			for _, op := range tt.kmsRules {
				kmsH.On(hostile.Target(op), hostile.InternalError)
			}
			defer kmsH.Reset()
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, tt.wantStderr, &stdout, &stderr)
			}
			if n := strings.Count(stderr.String(), "\n"); tt.oneLine && n != 1 {
				t.Errorf("stderr has %d lines, want one:\n%s", n, &stderr)
			}
			if tt.noCalls && kmsH.Seen(hostile.Any) != before {
				t.Errorf("%d KMS requests were sent for bad input", kmsH.Seen(hostile.Any)-before)
			}
		})
	}
}

// The sandbox refuses a bad -prefix before it starts anything.
func TestSandboxRefusesABadPrefix(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-prefix", "a\nb"}, &stdout, &stderr); code != exitUsage || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d and nothing started", code, &stdout, &stderr, exitUsage)
	}
}

// -timeout bounds the whole run: an AgentCore endpoint that never answers
// ends the run after -timeout, with exit 2.
func TestTimeoutBoundsTheRun(t *testing.T) {
	keyARN, _ := awsEnv(t, exitPrincipal)
	// The handler reads the body first: only then does net/http cancel
	// the request's context when the client goes away.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer hang.Close()
	defer hang.CloseClientConnections()
	t.Setenv("AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", hang.URL)
	var stdout, stderr bytes.Buffer
	code := run([]string{"-aws", "-key", keyARN, "-bucket", "archive", "-principal", exitPrincipal, "-skip-preflight", "-timeout", "300ms"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "no answer within -timeout 300ms") {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, exitUsage, &stderr)
	}
}
