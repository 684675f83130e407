package policyengine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Sentinel errors. Richer typed errors unwrap to them; the errors of the
// key itself are [kmscheck.ErrAccessDenied] and [kmscheck.ErrKeyNotUsable].
var (
	// ErrInvalidInput: the input was rejected before any call was made.
	ErrInvalidInput = errors.New("policyengine: invalid input")
	// ErrCreateFailed: the policy engine reached CREATE_FAILED (or another
	// failed state) while waiting for it to become ACTIVE.
	ErrCreateFailed = errors.New("policyengine: policy engine creation failed")
	// ErrWaitTimeout: the engine was not ACTIVE within Options.WaitTimeout.
	ErrWaitTimeout = errors.New("policyengine: timed out waiting for the policy engine to be ACTIVE")
	// ErrNotFound: the policy engine does not exist.
	ErrNotFound = errors.New("policyengine: policy engine not found")
	// ErrGrantsInconsistent: only one of the two grants of a policy engine
	// exists, the state the documentation warns may cause inconsistent
	// behaviour.
	ErrGrantsInconsistent = errors.New("policyengine: only one of the two grants of the policy engine exists")
	// ErrRevokeIncomplete: at least one grant could not be revoked and still
	// gives the service access to the key.
	ErrRevokeIncomplete = errors.New("policyengine: a grant could not be revoked and still holds access to the key")
)

// InputError describes one invalid input field. It unwraps to
// [ErrInvalidInput].
type InputError struct {
	// Field is the input field, such as "Name" or "KeyARN".
	Field string
	// Value is the rejected value (for tags, the tag key).
	Value string
	// Reason says what is wrong.
	Reason string
}

// Error returns the field, the value and the reason.
func (e *InputError) Error() string {
	return fmt.Sprintf("policyengine: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Unwrap returns [ErrInvalidInput].
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// KeyError is an AgentCore or KMS error about the policy engine's key,
// classified as the documentation describes: access denied (the key policy
// or IAM policy lacks a permission, or the key does not exist) or key not
// usable (disabled, pending deletion, not symmetric, not ENCRYPT_DECRYPT).
// It unwraps to its kind ([kmscheck.ErrAccessDenied] or
// [kmscheck.ErrKeyNotUsable]) and to the SDK error, so both of these work:
//
//	errors.Is(err, kmscheck.ErrKeyNotUsable)
//	var ve *types.ValidationException; errors.As(err, &ve)
type KeyError struct {
	// Op is the operation that failed, such as "CreatePolicyEngine".
	Op string
	// KeyARN is the key, when known.
	KeyARN string
	// Kind is kmscheck.ErrAccessDenied or kmscheck.ErrKeyNotUsable.
	Kind error
	// Err is the error the SDK returned.
	Err error
}

// Error returns the operation, the documented message and the SDK error.
func (e *KeyError) Error() string {
	return fmt.Sprintf("policyengine: %s: %v (%v)", e.Op, e.Kind, e.Err)
}

// Unwrap returns the kind and the SDK error.
func (e *KeyError) Unwrap() []error { return []error{e.Kind, e.Err} }

// PreflightError reports a kmscheck preflight that failed, so Create made no
// call to AgentCore. It unwraps to the report's errors, each a
// *kmscheck.FindingError that unwraps to kmscheck.ErrAccessDenied or
// kmscheck.ErrKeyNotUsable.
type PreflightError struct {
	// KeyARN is the key that was checked.
	KeyARN string
	// Report has every finding, passed or not.
	Report *kmscheck.Report
	// Err is the report's error: the failed findings, joined.
	Err error
}

// Error returns the key and the failed findings.
func (e *PreflightError) Error() string {
	return fmt.Sprintf("policyengine: preflight of key %s failed: %v", e.KeyARN, e.Err)
}

// Unwrap returns the report's errors.
func (e *PreflightError) Unwrap() error { return e.Err }

// CreateFailedError reports a policy engine that reached a failed state while
// being waited for. It unwraps to [ErrCreateFailed] and, when the status
// reasons carry one of the documented KMS messages, to
// [kmscheck.ErrAccessDenied] or [kmscheck.ErrKeyNotUsable].
type CreateFailedError struct {
	// Engine is the policy engine as last read.
	Engine *Engine
}

// Error returns the engine, its status and its status reasons.
func (e *CreateFailedError) Error() string {
	return fmt.Sprintf("policyengine: policy engine %s is %s: %s", e.Engine.ID, e.Engine.Status, strings.Join(e.Engine.StatusReasons, "; "))
}

// Unwrap returns ErrCreateFailed and the kind of key error the status
// reasons show, if any.
func (e *CreateFailedError) Unwrap() []error {
	errs := []error{ErrCreateFailed}
	for _, r := range e.Engine.StatusReasons {
		if k := kindOfMessage(r); k != nil {
			errs = append(errs, k)
			break
		}
	}
	return errs
}

// GrantsInconsistentError reports that only one of the two grants of a policy
// engine exists. It unwraps to [ErrGrantsInconsistent].
type GrantsInconsistentError struct {
	// KeyARN and EngineARN identify the pair.
	KeyARN, EngineARN string
	// Pair is what was found: exactly one of its grants is set.
	Pair GrantPair
}

// Error returns which grant exists and which is missing.
func (e *GrantsInconsistentError) Error() string {
	have, missing := "policy management grant", "policy evaluation grant"
	g := e.Pair.Management
	if g == nil {
		have, missing, g = missing, have, e.Pair.Evaluation
	}
	return fmt.Sprintf("policyengine: key %s has the %s %s of policy engine %s but not the %s; revoke both grants or recreate the engine",
		e.KeyARN, have, g.ID, e.EngineARN, missing)
}

// Unwrap returns [ErrGrantsInconsistent].
func (e *GrantsInconsistentError) Unwrap() error { return ErrGrantsInconsistent }

// RevokeError reports the grants [Client.RevokeGrants] could not revoke. It
// unwraps to [ErrRevokeIncomplete] and to each revoke error.
type RevokeError struct {
	// KeyARN and EngineARN identify the pair.
	KeyARN, EngineARN string
	// Revoked are the grants that were revoked.
	Revoked []Grant
	// Remaining are the grants that still hold access, with Errs[i] the
	// error that revoking Remaining[i] returned.
	Remaining []Grant
	Errs      []error
}

// Error returns which grants still hold access and which were revoked.
func (e *RevokeError) Error() string {
	var b strings.Builder
	b.WriteString("policyengine: revoking the grants of policy engine " + e.EngineARN + " on key " + e.KeyARN + ":")
	for i, g := range e.Remaining {
		fmt.Fprintf(&b, " the %s %s still holds access (%v);", g.Kind, g.ID, e.Errs[i])
	}
	for _, g := range e.Revoked {
		fmt.Fprintf(&b, " the %s %s was revoked;", g.Kind, g.ID)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap returns [ErrRevokeIncomplete] and the revoke errors.
func (e *RevokeError) Unwrap() []error {
	return append([]error{ErrRevokeIncomplete}, e.Errs...)
}

// The messages AgentCore documents for KMS problems.
const (
	messageAccessDenied = "Access denied for the specified KMS key. Verify the key policy grants the required permissions."
	messageKeyNotUsable = "The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion."
)

// kindOfMessage returns the kmscheck sentinel a service message stands for.
func kindOfMessage(msg string) error {
	switch {
	case strings.Contains(msg, messageKeyNotUsable):
		return kmscheck.ErrKeyNotUsable
	case strings.Contains(msg, messageAccessDenied):
		return kmscheck.ErrAccessDenied
	}
	return nil
}

// classify maps an error from the control plane: the documented KMS errors
// to a [*KeyError], ResourceNotFoundException to ErrNotFound; anything else
// is wrapped as is.
func classify(op, id, keyARN string, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("policyengine: %s %s: %w", op, id, err)
	}
	switch ae.ErrorCode() {
	case (&types.AccessDeniedException{}).ErrorCode(), (&types.ValidationException{}).ErrorCode():
		if k := kindOfMessage(ae.ErrorMessage()); k != nil {
			return &KeyError{Op: op, KeyARN: keyARN, Kind: k, Err: err}
		}
	case (&types.ResourceNotFoundException{}).ErrorCode():
		return fmt.Errorf("policyengine: %s %s: %w", op, id, errors.Join(ErrNotFound, err))
	}
	return fmt.Errorf("policyengine: %s %s: %w", op, id, err)
}

// timeOrZero dereferences t.
func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
