package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun runs the whole quickstart, as `go run ./examples/quickstart`
// does, and checks that every story told its ending.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`"Sid": "Allow Policy to create grants"`,
		`"Sid": "AllowServicePrincipalAccess"`,
		"report.Err() wraps kmscheck.ErrKeyNotUsable",
		"outcome incomplete",
		"errors.Is(err, kmscheck.ErrIncomplete) = true",
		"token-vault          2 statements",
		"gateway              4 statements",
		"memory               IAM identity policy",
		"applied again: already up to date",
		"refused before writing",
		"is ACTIVE",
		"policy evaluation grant",
		"GetPolicyEngine is denied",
		"# Batch evaluations with a customer managed key",
		"verified with HeadObject",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\n\n\n") {
		t.Errorf("stories should be separated by exactly one blank line:\n%s", out.String())
	}
}
