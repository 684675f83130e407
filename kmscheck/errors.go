package kmscheck

import (
	"errors"
	"strings"
)

// Sentinel errors. The first two carry the exact messages AWS documents for
// Policy in AgentCore, so a failed preflight reads like the error the
// service would have returned.
var (
	// ErrAccessDenied: the key policy (or IAM) does not let a required
	// request through, the key is AWS managed, or the key does not exist.
	//lint:ignore ST1005 the text is AgentCore's documented message, word for word.
	ErrAccessDenied = errors.New("Access denied for the specified KMS key. Verify the key policy grants the required permissions.")
	// ErrKeyNotUsable: the key is not a symmetric ENCRYPT_DECRYPT key in the
	// Enabled state, its imported material has expired, or it is in another
	// Region than a batch evaluation.
	//lint:ignore ST1005 the text is AgentCore's documented message, word for word.
	ErrKeyNotUsable = errors.New("The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.")
	// ErrKeyNotFound: KMS says the key or alias does not exist. Errors that
	// wrap it also wrap ErrAccessDenied, which is how AgentCore reports a
	// missing key.
	ErrKeyNotFound = errors.New("kmscheck: key not found")
	// ErrInvalidInput: Check was called with an empty key id or an invalid
	// Target.
	ErrInvalidInput = errors.New("kmscheck: invalid input")
)

// FindingError is the error of one failed [Finding]. It unwraps to its
// sentinels ([ErrAccessDenied], [ErrKeyNotUsable], [ErrKeyNotFound]) and to
// the SDK error that caused it, if any, so both errors.Is and errors.As
// work:
//
//	if errors.Is(err, kmscheck.ErrKeyNotUsable) { ... }
//	var nf *types.NotFoundException
//	if errors.As(err, &nf) { ... }
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
	var b strings.Builder
	b.WriteString("kmscheck: ")
	b.WriteString(e.ID)
	b.WriteString(": ")
	b.WriteString(strings.TrimSuffix(e.Message, "."))
	if len(e.Kinds) > 0 {
		b.WriteString(": ")
		b.WriteString(e.Kinds[0].Error())
	}
	return b.String()
}

// Unwrap returns the sentinels and the SDK error.
func (e *FindingError) Unwrap() []error {
	out := append([]error(nil), e.Kinds...)
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// InputError reports bad input to [Check]. It unwraps to [ErrInvalidInput]
// and, for an invalid Target, to the keypolicy.ParamError that says which
// field is wrong.
type InputError struct {
	Field  string // "keyID" or "target"
	Reason string
	Err    error // the cause, or nil
}

// Error returns the field and the reason.
func (e *InputError) Error() string {
	s := "kmscheck: invalid " + e.Field + ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrInvalidInput and the cause.
func (e *InputError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidInput, e.Err}
	}
	return []error{ErrInvalidInput}
}
