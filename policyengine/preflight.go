package policyengine

import (
	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// preflightVerdict decides whether Create may go ahead after the preflight
// rep of keyARN: never when a finding failed or when no call was answered;
// when some findings are unknown, only with proceed.
func preflightVerdict(keyARN string, rep *kmscheck.Report, proceed bool) error {
	switch {
	case !preflightAnswered(rep):
		return &PreflightError{KeyARN: keyARN, Report: rep, Err: rep.Err(), Unanswered: true}
	case rep.Failed():
		return &PreflightError{KeyARN: keyARN, Report: rep, Err: rep.Err()}
	case rep.Incomplete() && !proceed:
		return &PreflightError{KeyARN: keyARN, Report: rep, Err: rep.Err()}
	}
	return nil
}

// preflightAnswered reports whether KMS answered at least one call of the
// preflight rep: a finding passed, warned or failed, or an unknown one was
// left so by a refusal (access denied, say), which is an answer too. A
// report whose every call met a timeout, throttling or a 5xx got none.
func preflightAnswered(rep *kmscheck.Report) bool {
	if rep == nil {
		return false
	}
	for _, f := range rep.Findings {
		if f.Status != kmscheck.StatusUnknown || agentcore.Answered(f.Err) {
			return true
		}
	}
	return false
}
