package keypolicy

import (
	"errors"
	"testing"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// TestOneInputSentinel: keypolicy's input errors unwrap to the module's one
// input sentinel, under the new and the deprecated names alike.
func TestOneInputSentinel(t *testing.T) {
	t.Parallel()
	_, err := ForPolicyEngine(PolicyEngineParams{Account: "12", Region: testRegion})
	for name, target := range map[string]error{"ErrInvalidInput": ErrInvalidInput, "ErrInvalidParams": ErrInvalidParams, "agentcore.ErrInvalidInput": agentcore.ErrInvalidInput} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %s) = false", err, name)
		}
	}
	var ie *InputError
	var pe *ParamError
	if !errors.As(err, &ie) || !errors.As(err, &pe) || ie != pe || ie.Field != "Account" {
		t.Errorf("error %v: want one *InputError (alias *ParamError) for Account", err)
	}
}

// Every error type's Error is safe on a nil pointer.
func TestNilErrors(t *testing.T) {
	t.Parallel()
	for _, e := range []error{(*SyntaxError)(nil), (*ParseError)(nil), (*InputError)(nil), (*ConflictError)(nil)} {
		if e.Error() == "" {
			t.Errorf("%T: empty message", e)
		}
	}
	if !errors.Is((*InputError)(nil), ErrInvalidInput) {
		t.Error("a nil *InputError does not unwrap")
	}
}
