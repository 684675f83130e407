package policyengine_test

import (
	"context"
	"testing"

	"github.com/agentcorekms/agentcorekms/policyengine"
)

// Options.Principal may be the assumed-role session ARN that STS
// GetCallerIdentity returns: the key policy names the session's role, so
// the preflight checks the role, as batcheval's does.
func TestPreflightAcceptsAssumedRoleSession(t *testing.T) {
	// The default key policy lets the caller read the key and its policy,
	// so the preflight answers; the documented statements name the role.
	w := newWorld(t, worldOptions{})
	out, err := w.pe.Create(context.Background(), policyengine.CreateInput{Name: "Session", KeyARN: w.keyARN}, func(o *policyengine.Options) {
		o.Principal = "arn:aws:sts::" + account + ":assumed-role/ExampleRole/session-1"
	})
	if err != nil {
		t.Fatalf("Create with an assumed-role session principal: %v", err)
	}
	if out.Preflight == nil || !out.Preflight.Passed() {
		t.Errorf("preflight = %+v, want OK for the session's role", out.Preflight)
	}
}
