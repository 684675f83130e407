package batcheval

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/internal/awsarn"
	"github.com/agentcorekms/agentcorekms/internal/typednil"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// PreflightError is a failed KMS preflight: the key would not work for batch
// evaluations. It unwraps to the errors of the failed findings (each a
// *kmscheck.FindingError, unwrapping to [kmscheck.ErrKeyNotUsable],
// [kmscheck.ErrAccessDenied], ... and the SDK error), so errors.Is works on
// it; Report has every finding.
type PreflightError struct {
	KeyARN string
	Report *kmscheck.Report
}

// Error returns the key and the failed findings.
func (e *PreflightError) Error() string {
	return fmt.Sprintf("batcheval: preflight of key %s for batch evaluations failed: %v", e.KeyARN, e.Report.Err())
}

// Unwrap returns the errors of the failed findings.
func (e *PreflightError) Unwrap() error { return e.Report.Err() }

// preflight runs kmscheck.Check for batch evaluations in o.Region, as
// o.Principal, on key (a validated key ARN).
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
	if typednil.Is(c.kms) {
		return &InputError{Field: "kms", Reason: "is nil; New needs a KMS client for the preflight, or set SkipPreflight"}
	}
	target := kmscheck.BatchEvaluation(keypolicy.BatchEvaluationParams{
		Account: p.AccountID, Region: o.Region, Partition: p.Partition, Principal: principal,
	})
	rep, err := kmscheck.Check(ctx, c.kms, key, target, o.Preflight...)
	if err != nil {
		return fmt.Errorf("batcheval: preflight of key %s: %w", key, err)
	}
	if !rep.OK() {
		return &PreflightError{KeyARN: key, Report: rep}
	}
	return nil
}
