package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOK     bool
		wantStderr string
		wantTime   time.Duration
	}{
		{name: "no flags", wantOK: true, wantTime: DefaultTimeout},
		{name: "a timeout", args: []string{"-timeout", "30s"}, wantOK: true, wantTime: 30 * time.Second},
		{name: "a bad flag is one line", args: []string{"-bogus"}, wantCode: ExitBadInput,
			wantStderr: "tool: flag provided but not defined: -bogus (run tool -h for usage)\n"},
		{name: "a zero timeout", args: []string{"-timeout", "0"}, wantCode: ExitBadInput,
			wantStderr: "tool: -timeout 0s: must be positive (run tool -h for usage)\n"},
		{name: "a negative timeout", args: []string{"-timeout", "-1s"}, wantCode: ExitBadInput,
			wantStderr: "tool: -timeout -1s: must be positive (run tool -h for usage)\n"},
		{name: "a timeout that does not parse", args: []string{"-timeout", "soon"}, wantCode: ExitBadInput,
			wantStderr: "tool: invalid value \"soon\" for flag -timeout: parse error (run tool -h for usage)\n"},
		{name: "an argument", args: []string{"extra"}, wantCode: ExitBadInput,
			wantStderr: "tool: unexpected argument \"extra\": every input is a flag (run tool -h for usage)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New("tool", "Usage: tool")
			c.Flags.String("name", "", "a name")
			var stderr bytes.Buffer
			code, ok := c.Parse(tt.args, &stderr)
			if code != tt.wantCode || ok != tt.wantOK {
				t.Errorf("Parse(%q) = %d, %v; want %d, %v", tt.args, code, ok, tt.wantCode, tt.wantOK)
			}
			if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if tt.wantOK && c.Timeout() != tt.wantTime {
				t.Errorf("Timeout() = %v, want %v", c.Timeout(), tt.wantTime)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	c := New("tool", "Usage: tool [flags]")
	c.Flags.String("name", "", "a `name`")
	var stderr bytes.Buffer
	code, ok := c.Parse([]string{"-h"}, &stderr)
	if code != ExitOK || ok {
		t.Errorf("Parse(-h) = %d, %v; want %d, false", code, ok, ExitOK)
	}
	for _, want := range []string{"Usage: tool [flags]\n", "-name name", "-timeout duration", "(default 2m0s)"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestContextEndsAfterTimeout(t *testing.T) {
	t.Parallel()
	c := New("tool", "")
	if _, ok := c.Parse([]string{"-timeout", "1ms"}, &bytes.Buffer{}); !ok {
		t.Fatal("Parse failed")
	}
	ctx, cancel := c.Context(t.Context())
	defer cancel()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("ctx.Err() = %v", ctx.Err())
	}
	var stderr bytes.Buffer
	if code := c.Fail(&stderr, ExitBadInput, fmt.Errorf("calling KMS:\n%w", ctx.Err())); code != ExitBadInput {
		t.Errorf("Fail returned %d", code)
	}
	if diff := cmp.Diff("tool: no answer within -timeout 1ms: calling KMS: context deadline exceeded\n", stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{name: "nil", err: nil, want: ExitOK},
		{name: "input", err: &agentcore.InputError{Field: "KeyARN"}, want: ExitBadInput},
		{name: "usage", err: Usagef("bad %s", "flag"), want: ExitBadInput},
		{name: "incomplete", err: &kmscheck.IncompleteError{Unknown: []string{"key.state"}}, want: ExitBadInput},
		{name: "deadline", err: fmt.Errorf("x: %w", context.DeadlineExceeded), want: ExitBadInput},
		{name: "canceled", err: context.Canceled, want: ExitBadInput},
		{name: "access denied", err: fmt.Errorf("x: %w", kmscheck.ErrAccessDenied), want: ExitFailed},
		{name: "not usable", err: kmscheck.ErrKeyNotUsable, want: ExitFailed},
		{name: "refused by AWS", err: &smithy.GenericAPIError{Code: "ConflictException", Fault: smithy.FaultClient}, want: ExitFailed},
		{name: "throttled", err: &smithy.GenericAPIError{Code: "ThrottlingException"}, want: ExitBadInput},
		{name: "server error", err: &smithy.GenericAPIError{Code: "Teapot", Fault: smithy.FaultServer}, want: ExitBadInput},
		{name: "no answer", err: errors.New("connection refused"), want: ExitBadInput},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("%s: Code(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestOutcomeCode(t *testing.T) {
	t.Parallel()
	pass := kmscheck.Finding{ID: "a", Status: kmscheck.StatusPass}
	fail := kmscheck.Finding{ID: "b", Status: kmscheck.StatusFail}
	unknown := kmscheck.Finding{ID: "c", Status: kmscheck.StatusUnknown}
	tests := []struct {
		name string
		r    *kmscheck.Report
		want int
	}{
		{name: "passed", r: &kmscheck.Report{Findings: []kmscheck.Finding{pass}}, want: ExitOK},
		{name: "failed", r: &kmscheck.Report{Findings: []kmscheck.Finding{pass, unknown, fail}}, want: ExitFailed},
		{name: "incomplete", r: &kmscheck.Report{Findings: []kmscheck.Finding{pass, unknown}}, want: ExitBadInput},
		{name: "nil", r: nil, want: ExitBadInput},
	}
	for _, tt := range tests {
		if got := OutcomeCode(tt.r); got != tt.want {
			t.Errorf("%s: OutcomeCode = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestNilCommand(t *testing.T) {
	t.Parallel()
	var c *Command
	var stderr bytes.Buffer
	if code, ok := c.Parse(nil, &stderr); code != ExitBadInput || ok {
		t.Errorf("nil Parse = %d, %v", code, ok)
	}
	if c.Timeout() != DefaultTimeout {
		t.Error("nil Timeout")
	}
	c.PrintUsage(&stderr)
	if got := c.Fail(&stderr, ExitFailed, nil); got != ExitFailed {
		t.Errorf("nil Fail = %d", got)
	}
	var ue *UsageError
	if ue.Error() == "" || !errors.Is(ue, agentcore.ErrInvalidInput) {
		t.Error("nil *UsageError must print and unwrap")
	}
}
