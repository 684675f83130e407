package batcheval

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awsarn"
	"github.com/agentcorekms/agentcorekms/internal/sdkclient"
	"github.com/agentcorekms/agentcorekms/internal/typednil"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// PreflightError is a KMS preflight that did not pass, so Start made no
// call to AgentCore: a failed finding (the key would not work for batch
// evaluations), or, unless Options.ProceedOnIncompletePreflight, findings
// the preflight could not check. It unwraps to the report's error: for a
// failed preflight the failed findings' errors (each a
// *kmscheck.FindingError, unwrapping to [ErrKeyNotUsable],
// [ErrAccessDenied], ... and the SDK error); for an incomplete one a
// *kmscheck.IncompleteError unwrapping to [kmscheck.ErrIncomplete]. When no
// call of the preflight was answered it also unwraps to
// [ErrNoPreflightAnswer]. Report has every finding.
//
// Error and Unwrap are safe on a nil *PreflightError and a nil Report.
type PreflightError struct {
	KeyARN string
	Report *kmscheck.Report
	// Unanswered reports whether no preflight call was answered.
	Unanswered bool
}

// Error returns the key and the findings that did not pass.
func (e *PreflightError) Error() string {
	switch {
	case e == nil:
		return "batcheval: preflight did not pass"
	case e.Unanswered:
		return fmt.Sprintf("batcheval: preflight of key %s for batch evaluations got no answer from KMS: %v", e.KeyARN, e.Report.Err())
	case e.Report.Failed():
		return fmt.Sprintf("batcheval: preflight of key %s for batch evaluations failed: %v", e.KeyARN, e.Report.Err())
	}
	return fmt.Sprintf("batcheval: preflight of key %s for batch evaluations is incomplete (set Options.ProceedOnIncompletePreflight to start anyway): %v", e.KeyARN, e.Report.Err())
}

// Unwrap returns the report's error, and [ErrNoPreflightAnswer] when no
// call was answered.
func (e *PreflightError) Unwrap() []error {
	if e == nil {
		return nil
	}
	if e.Unanswered {
		return agentcore.NonNil(ErrNoPreflightAnswer, e.Report.Err())
	}
	return agentcore.NonNil(e.Report.Err())
}

// preflight runs kmscheck.Check for batch evaluations in o.Region, as
// o.Principal, on key (a validated key ARN), and decides whether Start may
// go ahead: never when a finding failed or when no call was answered; when
// some findings are unknown, only with o.ProceedOnIncompletePreflight.
func (c *Client) preflight(ctx context.Context, o Options, key string) error {
	if o.Principal == "" {
		return &InputError{Field: "Options.Principal", Reason: "is required for the KMS preflight (the key policy is analysed for that role or user); set it, or set SkipPreflight"}
	}
	// Key policies name the role of an assumed-role session (what
	// GetCallerIdentity returns), not the session.
	principal, _ := awsarn.SessionRole(o.Principal)
	p, err := arn.Parse(principal)
	if err != nil {
		return &InputError{Field: "Options.Principal", Value: o.Principal, Reason: "is not an IAM ARN"}
	}
	switch {
	case typednil.Is(c.kms):
		return &InputError{Field: "kms", Reason: "is nil; New needs a KMS client for the preflight, or set SkipPreflight"}
	case sdkclient.Unbuilt(c.kms):
		return &InputError{Field: "kms", Reason: "is a zero-value SDK client; build it with kms.NewFromConfig or kms.New"}
	}
	target := kmscheck.BatchEvaluation(keypolicy.BatchEvaluationParams{
		Account: p.AccountID, Region: o.Region, Partition: p.Partition, Principal: principal,
	})
	rep, err := kmscheck.Check(ctx, c.kms, key, target, o.Preflight...)
	if err != nil {
		return fmt.Errorf("batcheval: preflight of key %s: %w", key, err)
	}
	switch {
	case !rep.Answered():
		return &PreflightError{KeyARN: key, Report: rep, Unanswered: true}
	case rep.Failed():
		return &PreflightError{KeyARN: key, Report: rep}
	case rep.Incomplete() && !o.ProceedOnIncompletePreflight:
		return &PreflightError{KeyARN: key, Report: rep}
	}
	return nil
}
