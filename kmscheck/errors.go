package kmscheck

import (
	"errors"
	"strconv"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// Sentinel errors. The first two are the module's one copy of the messages
// AWS documents for AgentCore (package internal/agentcore), so a failed
// preflight reads like the error the service would have returned, and
// errors.Is(err, kmscheck.ErrAccessDenied) holds for the same errors as
// policyengine.ErrAccessDenied and batcheval.ErrAccessDenied.
var (
	// ErrAccessDenied: the key policy (or IAM) does not let a required
	// request through, the key is AWS managed, or the key does not exist.
	ErrAccessDenied = agentcore.ErrAccessDenied
	// ErrKeyNotUsable: the key is not a symmetric ENCRYPT_DECRYPT key in the
	// Enabled state, its imported material has expired, or it is in another
	// Region than a batch evaluation.
	ErrKeyNotUsable = agentcore.ErrKeyNotUsable
	// ErrKeyNotFound: KMS says the key or alias does not exist. Errors that
	// wrap it also wrap ErrAccessDenied, which is how AgentCore reports a
	// missing key.
	ErrKeyNotFound = errors.New("kmscheck: key not found")
	// ErrInvalidInput: Check was called with bad input (a malformed key
	// reference, a nil or zero client, an invalid Target). It is the
	// module's one input sentinel: every package's InputError unwraps to it.
	ErrInvalidInput = agentcore.ErrInvalidInput
	// ErrIncomplete: no finding failed, but the check could not answer at
	// least one of them, so the key is not known to work. [Report.Err]
	// returns an [*IncompleteError] that unwraps to it.
	ErrIncomplete = errors.New("kmscheck: preflight incomplete: some findings could not be checked")
)

// InputError reports bad input to [Check]. It is the module's one input
// error type (an alias of the internal agentcore type), so an errors.As
// target of kmscheck.InputError also matches policyengine's and batcheval's.
// It unwraps to [ErrInvalidInput] and, for an invalid Target, to the
// keypolicy error that says which field is wrong.
type InputError = agentcore.InputError

// FindingError is the error of one failed [Finding]. It unwraps to its
// sentinels ([ErrAccessDenied], [ErrKeyNotUsable], [ErrKeyNotFound]) and to
// the SDK error that caused it, if any, so both errors.Is and errors.As
// work:
//
//	if errors.Is(err, kmscheck.ErrKeyNotUsable) { ... }
//	var nf *types.NotFoundException
//	if errors.As(err, &nf) { ... }
//
// Error and Unwrap are safe on a nil *FindingError.
type FindingError struct {
	// ID is the finding's id, such as "key.state".
	ID string
	// KeyID is the key the finding is about: its ARN when known, else the
	// key id Check was given.
	KeyID string
	// Message is the finding's message.
	Message string
	// Kinds are the sentinels the error wraps.
	Kinds []error
	// Err is the SDK error behind the finding, or nil.
	Err error
}

// Error returns the finding id, key, message and the first sentinel's text.
func (e *FindingError) Error() string {
	if e == nil {
		return "kmscheck: failed finding"
	}
	var b strings.Builder
	b.WriteString("kmscheck: ")
	b.WriteString(e.ID)
	b.WriteString(": ")
	b.WriteString(strings.TrimSuffix(e.Message, "."))
	if len(e.Kinds) > 0 && e.Kinds[0] != nil {
		b.WriteString(": ")
		b.WriteString(e.Kinds[0].Error())
	}
	return b.String()
}

// Unwrap returns the sentinels and the SDK error.
func (e *FindingError) Unwrap() []error {
	if e == nil {
		return nil
	}
	out := append([]error(nil), e.Kinds...)
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// IncompleteError is what [Report.Err] returns when no finding failed but
// some are unknown: the check did not get the answers a pass needs. It
// unwraps to [ErrIncomplete] and to the errors that kept the unknown
// findings from an answer, so errors.Is(err, context.DeadlineExceeded) or
// errors.As(err, &smithy.APIError) work on it.
//
// Error and Unwrap are safe on a nil *IncompleteError.
type IncompleteError struct {
	// KeyID is the key checked: its ARN when known, else the key id Check
	// was given.
	KeyID string
	// Unknown are the ids of the unknown findings, in report order.
	Unknown []string
	// Errs are the causes of the unknown findings, where known.
	Errs []error
}

// Error returns "kmscheck: preflight of KEY incomplete: N findings could
// not be checked (ids...)", with the first cause.
func (e *IncompleteError) Error() string {
	if e == nil {
		return ErrIncomplete.Error()
	}
	var b strings.Builder
	b.WriteString("kmscheck: preflight")
	if e.KeyID != "" {
		b.WriteString(" of " + e.KeyID)
	}
	b.WriteString(" incomplete: ")
	switch len(e.Unknown) {
	case 0:
		b.WriteString("no finding was checked")
	case 1:
		b.WriteString("1 finding could not be checked (" + e.Unknown[0] + ")")
	default:
		const show = 5
		ids := e.Unknown
		more := ""
		if len(ids) > show {
			ids, more = ids[:show], ", ..."
		}
		b.WriteString(strconv.Itoa(len(e.Unknown)) + " findings could not be checked (" + strings.Join(ids, ", ") + more + ")")
	}
	if len(e.Errs) > 0 && e.Errs[0] != nil {
		b.WriteString(": " + e.Errs[0].Error())
	}
	return b.String()
}

// Unwrap returns [ErrIncomplete] and the causes.
func (e *IncompleteError) Unwrap() []error {
	if e == nil {
		return []error{ErrIncomplete}
	}
	return append([]error{ErrIncomplete}, e.Errs...)
}
