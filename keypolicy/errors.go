package keypolicy

import (
	"errors"
	"fmt"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// ErrMalformedPolicy is returned, wrapped in a [*SyntaxError] or a
// [*ParseError], when [Parse] is given something that is not a key policy.
var ErrMalformedPolicy = errors.New("keypolicy: malformed key policy")

// ErrInvalidInput is returned, wrapped in an [*InputError], when a generator
// is given parameters it cannot turn into a valid key policy, or [Merge] is
// given a nil document. It is the module's one input sentinel: kmscheck's,
// policyengine's and batcheval's input errors unwrap to it too, so one
// errors.Is(err, keypolicy.ErrInvalidInput) covers bad input everywhere.
var ErrInvalidInput = agentcore.ErrInvalidInput

// ErrInvalidParams is the former name of [ErrInvalidInput].
//
// Deprecated: use ErrInvalidInput; both are the same error.
var ErrInvalidParams = ErrInvalidInput

// ErrConflict is returned, wrapped in a [*ConflictError], when [Merge] finds
// a statement whose Sid is already used by a different statement.
var ErrConflict = errors.New("keypolicy: conflicting statement")

// SyntaxError reports JSON that cannot be parsed, with its position.
//
//	var se *keypolicy.SyntaxError
//	if errors.As(err, &se) {
//		fmt.Printf("line %d, column %d: %s\n", se.Line, se.Column, se.Msg)
//	}
type SyntaxError struct {
	Offset int64 // byte offset of the error, counted from 0
	Line   int   // line of the error, counted from 1
	Column int   // column (byte) of the error, counted from 1
	Msg    string
}

// Error returns a one-line message with the position and the problem.
func (e *SyntaxError) Error() string {
	if e == nil {
		return ErrMalformedPolicy.Error()
	}
	return fmt.Sprintf("keypolicy: invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Unwrap returns [ErrMalformedPolicy].
func (e *SyntaxError) Unwrap() error { return ErrMalformedPolicy }

// ParseError reports well-formed JSON that is not a key policy: a value of
// the wrong type at Path, such as "Statement[1].Action".
type ParseError struct {
	Path string
	Msg  string
}

// Error returns a one-line message with the path and the problem.
func (e *ParseError) Error() string {
	if e == nil {
		return ErrMalformedPolicy.Error()
	}
	if e.Path == "" {
		return "keypolicy: " + e.Msg
	}
	return fmt.Sprintf("keypolicy: %s: %s", e.Path, e.Msg)
}

// Unwrap returns [ErrMalformedPolicy].
func (e *ParseError) Unwrap() error { return ErrMalformedPolicy }

// InputError reports a generator parameter that is not valid. It unwraps to
// [ErrInvalidInput].
//
//	var ie *keypolicy.InputError
//	if errors.As(err, &ie) {
//		fmt.Println("fix the", ie.Field, "parameter:", ie.Reason)
//	}
//
// Error and Unwrap are safe on a nil *InputError.
type InputError struct {
	Field  string // the parameter's field name, such as "Account"
	Value  string // the value given
	Reason string
}

// ParamError is the former name of [InputError].
//
// Deprecated: use InputError; both are the same type.
type ParamError = InputError

// Error returns a one-line message with the field, its value and the reason.
func (e *InputError) Error() string {
	if e == nil {
		return "keypolicy: invalid input"
	}
	return fmt.Sprintf("keypolicy: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Unwrap returns [ErrInvalidInput].
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// ConflictError reports a statement that [Merge] cannot add because the base
// policy already has a different statement with the same Sid.
type ConflictError struct {
	Sid      string
	Existing Statement // the statement in the base policy
	Incoming Statement // the statement that was to be added
}

// Error returns a one-line message with the Sid.
func (e *ConflictError) Error() string {
	if e == nil {
		return ErrConflict.Error()
	}
	return fmt.Sprintf("keypolicy: the policy already has a different statement with Sid %q", e.Sid)
}

// Unwrap returns [ErrConflict].
func (e *ConflictError) Unwrap() error { return ErrConflict }
