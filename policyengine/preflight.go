package policyengine

import "github.com/agentcorekms/agentcorekms/kmscheck"

// preflightVerdict decides whether Create may go ahead after the preflight
// rep of keyARN: never when a finding failed or when no call was answered;
// when some findings are unknown, only with proceed.
func preflightVerdict(keyARN string, rep *kmscheck.Report, proceed bool) error {
	switch {
	case !rep.Answered():
		return &PreflightError{KeyARN: keyARN, Report: rep, Err: rep.Err(), Unanswered: true}
	case rep.Failed():
		return &PreflightError{KeyARN: keyARN, Report: rep, Err: rep.Err()}
	case rep.Incomplete() && !proceed:
		return &PreflightError{KeyARN: keyARN, Report: rep, Err: rep.Err()}
	}
	return nil
}
