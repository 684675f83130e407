package kmscheck

import "github.com/agentcorekms/agentcorekms/internal/agentcore"

// Answered reports whether KMS answered at least one call of the check: a
// finding passed, warned or failed, or an unknown one was left so by a
// refusal (access denied, say), which is an answer too. A report whose every
// call met a timeout, throttling or a 5xx got none, and says nothing about
// the key: policyengine.Create and batcheval.Start refuse to go ahead on it
// (their ErrNoPreflightAnswer) whatever their options. It is false on a nil
// *Report.
func (r *Report) Answered() bool {
	if r == nil {
		return false
	}
	for _, f := range r.Findings {
		if f.Status != StatusUnknown || agentcore.Answered(f.Err) {
			return true
		}
	}
	return false
}
