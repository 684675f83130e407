package keyapply

import (
	"errors"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// ErrInvalidInput is what every [InputError] unwraps to; it is the same
// sentinel in every package of this module.
var ErrInvalidInput = agentcore.ErrInvalidInput

// InputError reports an argument [Apply] refuses before any call; it is the
// same type in every package of this module.
type InputError = agentcore.InputError

// ErrRefused is returned, wrapped in a [*RefusedError], when [Apply] refuses
// to write a key policy. Nothing was written.
var ErrRefused = errors.New("keyapply: refused to write the key policy")

// ErrAWSManaged is the reason of a [*RefusedError] for an AWS managed key,
// whose key policy nobody can change.
var ErrAWSManaged = errors.New("keyapply: the key is AWS managed; its key policy cannot be changed")

// ErrChanged is the reason of a [*RefusedError] when the key policy read just
// before writing differs from the one the change was computed from: someone
// else wrote it in between. Run Apply again to merge into the new policy.
var ErrChanged = errors.New("keyapply: the key policy changed while the change was prepared; someone else wrote it")

// ErrLockout is what a [*LockoutError] unwraps to.
var ErrLockout = errors.New("keyapply: the new key policy would lock the admin out")

// ErrNoAnswer is returned when KMS answers without what [Apply] needs to
// decide (a missing key ARN, key manager or policy): Apply does not guess,
// and writes nothing.
var ErrNoAnswer = errors.New("keyapply: KMS did not answer what is needed")

// ErrNotVerified is returned when the key policy was written but reading it
// back does not show the statements. KMS is eventually consistent, so a
// read just after a write can return the old policy: run Apply again, which
// says "already up to date" once the write shows.
var ErrNotVerified = errors.New("keyapply: the written key policy does not read back with the statements")

// RefusedError reports a key policy [Apply] did not write, and why. It
// unwraps to [ErrRefused] and to Err.
type RefusedError struct {
	// KeyARN is the key.
	KeyARN string
	// Err is the reason: a *keypolicy.ConflictError, a
	// *keypolicy.SizeError, a *LockoutError, ErrAWSManaged or ErrChanged.
	Err error
}

// Error returns one line: the key and the reason.
func (e *RefusedError) Error() string {
	if e == nil {
		return ErrRefused.Error()
	}
	return "keyapply: refused to write the key policy of " + e.KeyARN + ": " + reason(e.Err)
}

// Unwrap returns [ErrRefused] and Err.
func (e *RefusedError) Unwrap() []error {
	if e == nil || e.Err == nil {
		return []error{ErrRefused}
	}
	return []error{ErrRefused, e.Err}
}

// reason returns err's message without its package prefix.
func reason(err error) string {
	if err == nil {
		return "no reason given"
	}
	msg := err.Error()
	for _, p := range []string{"keyapply: ", "keypolicy: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// LockoutError reports a key policy that would fail AWS's lockout safety
// check: under it, Admin could no longer call kms:PutKeyPolicy on the key,
// as [keypolicy.CheckLockout] decides offline. It unwraps to [ErrLockout].
type LockoutError struct {
	// Admin is the identity that applies the policy.
	Admin string
	// Check is the offline decision on Admin's later kms:PutKeyPolicy.
	Check keypolicy.LockoutCheck
}

// Error returns one line naming the admin and the decision.
func (e *LockoutError) Error() string {
	if e == nil {
		return ErrLockout.Error()
	}
	why := "the key policy does not allow it"
	switch {
	case e.Check.Decision.Verdict == keypolicy.ExplicitDeny:
		why = "a Deny statement denies it"
	case e.Check.Decision.Allowed() && len(e.Check.Decision.Unsupported) > 0:
		why = "a statement that applies has a condition that cannot be evaluated offline"
	}
	return "keyapply: the new key policy would not allow " + e.Admin + " to call kms:PutKeyPolicy (" + why +
		"), so AWS's lockout safety check refuses it"
}

// Unwrap returns [ErrLockout].
func (e *LockoutError) Unwrap() error { return ErrLockout }
