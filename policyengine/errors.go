package policyengine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Sentinel errors. Richer typed errors unwrap to them. The key's own
// errors, ErrAccessDenied and ErrKeyNotUsable, are the same values as
// [kmscheck.ErrAccessDenied] and [kmscheck.ErrKeyNotUsable], and carry the
// messages AgentCore documents.
var (
	// ErrInvalidInput: the input was rejected before any call was made. It
	// is the module's one input sentinel (the same value as
	// kmscheck.ErrInvalidInput and batcheval.ErrInvalidInput).
	ErrInvalidInput = agentcore.ErrInvalidInput
	// ErrAccessDenied: the key policy or IAM policy does not allow a
	// request the engine needs, or the key does not exist.
	ErrAccessDenied = agentcore.ErrAccessDenied
	// ErrKeyNotUsable: the key is disabled, pending deletion or otherwise
	// not usable.
	ErrKeyNotUsable = agentcore.ErrKeyNotUsable
	// ErrIncompleteAnswer: AWS answered a call with success but without a
	// field it always sends (a 200 with "{}"); what it says is not a result.
	// [*IncompleteAnswerError] unwraps to it.
	ErrIncompleteAnswer = agentcore.ErrIncompleteAnswer
	// ErrNoPreflightAnswer: no call of the key preflight was answered;
	// Create refuses to go ahead even with
	// Options.ProceedOnIncompletePreflight.
	ErrNoPreflightAnswer = agentcore.ErrNoPreflightAnswer
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
// [ErrInvalidInput]. It is the module's one input error type, so one
// errors.As target matches the errors of every package:
//
//	var ie *policyengine.InputError
//	if errors.As(err, &ie) { fmt.Println(ie.Field, ie.Reason) }
type InputError = agentcore.InputError

// IncompleteAnswerError reports a successful AWS answer that lacks a field
// the operation always returns, naming the operation and the field. It
// unwraps to [ErrIncompleteAnswer].
type IncompleteAnswerError = agentcore.IncompleteAnswerError

// KeyError is an AgentCore or KMS error about the policy engine's key,
// classified as the documentation describes: access denied (the key policy
// or IAM policy lacks a permission, or the key does not exist) or key not
// usable (disabled, pending deletion, not symmetric, not ENCRYPT_DECRYPT).
// It unwraps to its kind ([ErrAccessDenied] or [ErrKeyNotUsable]) and to
// the SDK error, so both of these work:
//
//	errors.Is(err, policyengine.ErrKeyNotUsable)
//	var ve *types.ValidationException; errors.As(err, &ve)
//
// Error and Unwrap are safe on a nil *KeyError.
type KeyError struct {
	// Op is the operation that failed, such as "CreatePolicyEngine".
	Op string
	// KeyARN is the key, when known.
	KeyARN string
	// Kind is ErrAccessDenied or ErrKeyNotUsable.
	Kind error
	// Err is the error the SDK returned.
	Err error
}

// Error returns the operation, the documented message and the SDK error.
func (e *KeyError) Error() string {
	if e == nil {
		return "policyengine: key error"
	}
	return fmt.Sprintf("policyengine: %s: %v (%v)", e.Op, e.Kind, e.Err)
}

// Unwrap returns the kind and the SDK error.
func (e *KeyError) Unwrap() []error {
	if e == nil {
		return nil
	}
	return agentcore.NonNil(e.Kind, e.Err)
}

// PreflightError reports a kmscheck preflight that did not pass, so Create
// made no call to AgentCore: a failed finding, or (unless
// [Options.ProceedOnIncompletePreflight]) findings the preflight could not
// check. It unwraps to the report's error: for a failed preflight the
// failed findings' errors, each a *kmscheck.FindingError that unwraps to
// [ErrAccessDenied] or [ErrKeyNotUsable]; for an incomplete one a
// *kmscheck.IncompleteError that unwraps to [kmscheck.ErrIncomplete]. When
// no preflight call was answered at all it also unwraps to
// [ErrNoPreflightAnswer].
//
// Error and Unwrap are safe on a nil *PreflightError.
type PreflightError struct {
	// KeyARN is the key that was checked.
	KeyARN string
	// Report has every finding, passed or not.
	Report *kmscheck.Report
	// Err is the report's error.
	Err error
	// Unanswered reports whether no preflight call was answered.
	Unanswered bool
}

// Error returns the key and the findings that did not pass.
func (e *PreflightError) Error() string {
	switch {
	case e == nil:
		return "policyengine: preflight did not pass"
	case e.Unanswered:
		return fmt.Sprintf("policyengine: preflight of key %s got no answer from KMS: %v", e.KeyARN, e.Err)
	case e.Report.Failed():
		return fmt.Sprintf("policyengine: preflight of key %s failed: %v", e.KeyARN, e.Err)
	}
	return fmt.Sprintf("policyengine: preflight of key %s is incomplete (set Options.ProceedOnIncompletePreflight to create anyway): %v", e.KeyARN, e.Err)
}

// Unwrap returns the report's error, and [ErrNoPreflightAnswer] when no
// call was answered.
func (e *PreflightError) Unwrap() []error {
	if e == nil {
		return nil
	}
	if e.Unanswered {
		return agentcore.NonNil(ErrNoPreflightAnswer, e.Err)
	}
	return agentcore.NonNil(e.Err)
}

// CreateFailedError reports a policy engine that reached a failed state while
// being waited for. It unwraps to [ErrCreateFailed] and, when the status
// reasons carry one of the documented KMS messages, to [ErrAccessDenied] or
// [ErrKeyNotUsable].
//
// Error and Unwrap are safe on a nil *CreateFailedError and a nil Engine.
type CreateFailedError struct {
	// Engine is the policy engine as last read.
	Engine *Engine
}

// Error returns the engine, its status and its status reasons.
func (e *CreateFailedError) Error() string {
	if e == nil || e.Engine == nil {
		return ErrCreateFailed.Error()
	}
	return fmt.Sprintf("policyengine: policy engine %s is %s: %s", e.Engine.ID, e.Engine.Status, strings.Join(e.Engine.StatusReasons, "; "))
}

// Unwrap returns ErrCreateFailed and the kind of key error the status
// reasons show, if any. A status reason is text only, with no error code:
// it counts when it carries one of the two documented messages whole.
func (e *CreateFailedError) Unwrap() []error {
	errs := []error{ErrCreateFailed}
	if e == nil || e.Engine == nil {
		return errs
	}
	for _, r := range e.Engine.StatusReasons {
		switch {
		case strings.Contains(r, agentcore.MessageKeyNotUsable):
			return append(errs, ErrKeyNotUsable)
		case strings.Contains(r, agentcore.MessageAccessDenied):
			return append(errs, ErrAccessDenied)
		}
	}
	return errs
}

// GrantsInconsistentError reports that only one of the two grants of a policy
// engine exists. It unwraps to [ErrGrantsInconsistent].
//
// Error is safe on a nil *GrantsInconsistentError and on an empty Pair.
type GrantsInconsistentError struct {
	// KeyARN and EngineARN identify the pair.
	KeyARN, EngineARN string
	// Pair is what was found: exactly one of its grants is set.
	Pair GrantPair
}

// Error returns which grant exists and which is missing.
func (e *GrantsInconsistentError) Error() string {
	if e == nil {
		return ErrGrantsInconsistent.Error()
	}
	have, missing := "policy management grant", "policy evaluation grant"
	g := e.Pair.Management
	if g == nil {
		have, missing, g = missing, have, e.Pair.Evaluation
	}
	id := ""
	if g != nil {
		id = g.ID
	}
	return fmt.Sprintf("policyengine: key %s has the %s %s of policy engine %s but not the %s; revoke both grants or recreate the engine",
		e.KeyARN, have, id, e.EngineARN, missing)
}

// Unwrap returns [ErrGrantsInconsistent].
func (e *GrantsInconsistentError) Unwrap() error { return ErrGrantsInconsistent }

// RevokeError reports the grants [Client.RevokeGrants] could not revoke. It
// unwraps to [ErrRevokeIncomplete] and to each revoke error.
//
// Error and Unwrap are safe on a nil *RevokeError.
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
	if e == nil {
		return ErrRevokeIncomplete.Error()
	}
	var b strings.Builder
	b.WriteString("policyengine: revoking the grants of policy engine " + e.EngineARN + " on key " + e.KeyARN + ":")
	for i, g := range e.Remaining {
		var err error
		if i < len(e.Errs) {
			err = e.Errs[i]
		}
		fmt.Fprintf(&b, " the %s %s still holds access (%v);", g.Kind, g.ID, err)
	}
	for _, g := range e.Revoked {
		fmt.Fprintf(&b, " the %s %s was revoked;", g.Kind, g.ID)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap returns [ErrRevokeIncomplete] and the revoke errors.
func (e *RevokeError) Unwrap() []error {
	if e == nil {
		return []error{ErrRevokeIncomplete}
	}
	return append([]error{ErrRevokeIncomplete}, agentcore.NonNil(e.Errs...)...)
}

// classify maps an error from the control plane: AgentCore's documented
// KMS errors (by code and whole message, agentcore.KindOfServiceError) to a
// [*KeyError], ResourceNotFoundException to ErrNotFound; anything else is
// wrapped as is.
func classify(op, id, keyARN string, err error) error {
	if k := agentcore.KindOfServiceError(err); k.Err() != nil {
		return &KeyError{Op: op, KeyARN: keyARN, Kind: k.Err(), Err: err}
	}
	if agentcore.ErrorCode(err) == (&types.ResourceNotFoundException{}).ErrorCode() {
		return fmt.Errorf("policyengine: %s %s: %w", op, id, errors.Join(ErrNotFound, err))
	}
	return fmt.Errorf("policyengine: %s %s: %w", op, id, err)
}

// kmsError wraps an error of a KMS call made by this package (ListGrants,
// RevokeGrant, DescribeKey) with the module's one classification of KMS
// failures: an access denial or a missing key unwraps to ErrAccessDenied, a
// key that cannot be used to ErrKeyNotUsable, and the SDK error stays
// reachable.
func kmsError(what string, err error) error {
	if k := agentcore.KindOf(err).Err(); k != nil {
		return fmt.Errorf("policyengine: %s: %w", what, errors.Join(k, err))
	}
	return fmt.Errorf("policyengine: %s: %w", what, err)
}
