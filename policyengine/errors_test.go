package policyengine_test

import (
	"errors"
	"testing"

	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// Every exported method on a pointer type is safe on nil.
func TestNilReceivers(t *testing.T) {
	t.Parallel()
	errs := map[string]error{
		"KeyError":                  (*policyengine.KeyError)(nil),
		"PreflightError":            (*policyengine.PreflightError)(nil),
		"PreflightError{}":          &policyengine.PreflightError{},
		"CreateFailedError":         (*policyengine.CreateFailedError)(nil),
		"CreateFailedError{}":       &policyengine.CreateFailedError{},
		"GrantsInconsistentError":   (*policyengine.GrantsInconsistentError)(nil),
		"GrantsInconsistentError{}": &policyengine.GrantsInconsistentError{},
		"RevokeError":               (*policyengine.RevokeError)(nil),
		"RevokeError{Remaining}":    &policyengine.RevokeError{Remaining: []policyengine.Grant{{ID: "g"}}},
		"InputError":                (*policyengine.InputError)(nil),
		"IncompleteAnswerError":     (*policyengine.IncompleteAnswerError)(nil),
	}
	for name, err := range errs {
		if err.Error() == "" {
			t.Errorf("%s: empty message", name)
		}
		_ = errors.Is(err, policyengine.ErrAccessDenied) // walks Unwrap
	}
	if !errors.Is((*policyengine.CreateFailedError)(nil), policyengine.ErrCreateFailed) {
		t.Error("a nil *CreateFailedError does not unwrap to ErrCreateFailed")
	}
	if got := (*policyengine.AuditReport)(nil).WithFindings(); got != nil {
		t.Errorf("nil AuditReport WithFindings = %v", got)
	}
	if (&policyengine.AuditReport{Engines: []*policyengine.EngineAudit{nil}}).WithFindings() != nil {
		t.Error("a nil engine audit has findings")
	}
	if _, denied := (*policyengine.EngineAudit)(nil).DecisionsDenied(); denied {
		t.Error("a nil EngineAudit has its decisions denied")
	}
}

// The package's sentinels are the module's: one errors.Is target works
// whichever package reported the error.
func TestSentinelsAreTheModules(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		pe, from error
	}{
		{"ErrInvalidInput", policyengine.ErrInvalidInput, kmscheck.ErrInvalidInput},
		{"ErrAccessDenied", policyengine.ErrAccessDenied, kmscheck.ErrAccessDenied},
		{"ErrKeyNotUsable", policyengine.ErrKeyNotUsable, kmscheck.ErrKeyNotUsable},
	} {
		if tt.pe != tt.from {
			t.Errorf("policyengine.%s is not kmscheck.%s", tt.name, tt.name)
		}
	}
}
