package agentcore

import (
	"errors"
	"strconv"
)

// The sentinels every public package re-exports under its own name, so that
// errors.Is(err, kmscheck.ErrAccessDenied) and errors.Is(err,
// policyengine.ErrAccessDenied) hold for the same errors.
var (
	// ErrAccessDenied carries [MessageAccessDenied].
	//lint:ignore ST1005 the text is AgentCore's documented message, word for word.
	ErrAccessDenied = errors.New(MessageAccessDenied)
	// ErrKeyNotUsable carries [MessageKeyNotUsable].
	//lint:ignore ST1005 the text is AgentCore's documented message, word for word.
	ErrKeyNotUsable = errors.New(MessageKeyNotUsable)
	// ErrInvalidInput is what every [InputError] unwraps to, in every
	// package.
	ErrInvalidInput = errors.New("agentcorekms: invalid input")
)

// InputError reports input that a function refuses before doing any work.
// It unwraps to [ErrInvalidInput] and to its cause, if any. Public packages
// expose it as their own InputError (a type alias), so one errors.As target
// works everywhere.
//
// Error is safe on a nil *InputError.
type InputError struct {
	// Field names what is wrong, such as "KeyARN" or "Options.Timeout".
	Field string
	// Value is the value given, when it helps to show it; it may be empty.
	Value string
	// Reason says what is wrong, as a clause ("is required").
	Reason string
	// Err is the cause, or nil.
	Err error
}

// Error returns "agentcorekms: invalid FIELD "VALUE": REASON: CAUSE".
func (e *InputError) Error() string {
	if e == nil {
		return "agentcorekms: invalid input"
	}
	s := "agentcorekms: invalid " + e.Field
	if e.Value != "" {
		s += " " + quote(e.Value)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrInvalidInput] and the cause.
func (e *InputError) Unwrap() []error {
	if e == nil || e.Err == nil {
		return []error{ErrInvalidInput}
	}
	return []error{ErrInvalidInput, e.Err}
}

// quote quotes s as %q does, cut to 200 bytes so a huge input does not make
// a huge message.
func quote(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
