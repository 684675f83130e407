package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// TestExitCodes runs the -key mode through the default AWS configuration
// against a KMS endpoint on loopback, one case per exit code.
func TestExitCodes(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k := kmstest.New()
	k.MapAccessKey("AKIDPREFLIGHT", role)
	good := k.CreateTestKey(t, nil)
	disabled := k.CreateTestKey(t, nil)
	if err := k.SetKeyState(*disabled.KeyId, types.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	real := k.NewServer()
	defer real.Close()
	// empty answers HTTP 200 {} to every request: no error, and no answer.
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, "{}")
	}))
	defer empty.Close()
	// silent never answers.
	stop := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer silent.Close()
	defer close(stop)

	base := []string{"-account", "111122223333", "-principal", role}
	tests := []struct {
		name     string
		endpoint string
		args     []string
		wantCode int
		// wantOut must be in stdout, wantErr in stderr.
		wantOut, wantErr string
	}{
		{name: "passed", endpoint: real.URL, args: []string{"-key", *good.Arn}, wantCode: exitOK, wantOut: "Result: PASS"},
		{name: "failed", endpoint: real.URL, args: []string{"-key", *disabled.Arn}, wantCode: exitFailed, wantOut: "Result: FAIL"},
		{name: "incomplete: an endpoint that answers {}", endpoint: empty.URL, args: []string{"-key", *good.Arn}, wantCode: exitUsage, wantOut: "Result: INCOMPLETE"},
		{name: "incomplete in JSON", endpoint: empty.URL, args: []string{"-key", *good.Arn, "-json"}, wantCode: exitUsage, wantOut: `"outcome": "incomplete"`},
		{name: "passed in JSON", endpoint: real.URL, args: []string{"-key", *good.Arn, "-json"}, wantCode: exitOK, wantOut: `"outcome": "passed"`},
		{name: "timeout: an endpoint that never answers", endpoint: silent.URL, args: []string{"-key", *good.Arn, "-timeout", "200ms"}, wantCode: exitUsage,
			wantErr: "preflight: no answer within -timeout 200ms"},
		{name: "a malformed key ARN never reaches KMS", endpoint: silent.URL, args: []string{"-key", `arn:aws:kms:us-east-1:1111:key/"x`}, wantCode: exitUsage,
			wantErr: `preflight: invalid -key "arn:aws:kms:us-east-1:1111:key/\"x": has no 12-digit account (run preflight -h for usage)`},
		{name: "an AWS managed alias", endpoint: silent.URL, args: []string{"-key", "alias/aws/kms"}, wantCode: exitUsage, wantErr: "AWS managed key"},
		{name: "a zero timeout", endpoint: silent.URL, args: []string{"-key", *good.Arn, "-timeout", "0"}, wantCode: exitUsage, wantErr: "-timeout 0s: must be positive"},
		{name: "a negative timeout", endpoint: silent.URL, args: []string{"-key", *good.Arn, "-timeout", "-5s"}, wantCode: exitUsage, wantErr: "-timeout -5s: must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t, map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_KMS": tt.endpoint})
			var out, errb bytes.Buffer
			code := run(append(append([]string(nil), base...), tt.args...), &out, &errb)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("exit %d, want %d; want %q in stdout and %q in stderr\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, tt.wantOut, tt.wantErr, &out, &errb)
			}
			if tt.wantErr != "" && strings.Count(errb.String(), "\n") != 1 {
				t.Errorf("stderr has %d lines, want one:\n%s", strings.Count(errb.String(), "\n"), &errb)
			}
		})
	}
}

// A bad flag prints one line and a hint to -h, not the whole usage; -h
// prints the usage and exits 0.
func TestBadFlagIsOneLine(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-bogus"}, &out, &errb); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if want := "preflight: flag provided but not defined: -bogus (run preflight -h for usage)\n"; errb.String() != want || out.Len() != 0 {
		t.Errorf("stderr %q, stdout %q; want %q", &errb, &out, want)
	}
	errb.Reset()
	if code := run([]string{"-h"}, &out, &errb); code != exitOK || !strings.Contains(errb.String(), "-timeout duration") || !strings.Contains(errb.String(), "Usage: preflight") {
		t.Errorf("-h: exit %d, stderr:\n%s", code, &errb)
	}
}
