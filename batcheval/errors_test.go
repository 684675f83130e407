package batcheval_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

func TestErrorMessages(t *testing.T) {
	sdkErr := &types.ValidationException{Message: aws.String(kmscheck.ErrKeyNotUsable.Error())}
	tests := []struct {
		err  error
		want []string
	}{
		// InputError is the module's one input error type, so its text
		// names the module rather than the package.
		{&batcheval.InputError{Field: "KmsKeyArn", Value: "alias/x", Reason: "is an alias"}, []string{"agentcorekms:", "KmsKeyArn", `"alias/x"`, "is an alias"}},
		{&batcheval.InputError{Field: "id", Reason: "is required"}, []string{"agentcorekms: invalid id: is required"}},
		{&batcheval.KeyError{KeyARN: "arn:k", Kind: kmscheck.ErrKeyNotUsable, Err: sdkErr}, []string{"arn:k", "ValidationException", "not in a usable state"}},
		{&batcheval.FailedError{ID: "e1", Details: []string{"a", "b"}}, []string{"e1 failed: a; b"}},
		{&batcheval.FailedError{ID: "e1"}, []string{"batch evaluation e1 failed"}},
		{&batcheval.ArchiveError{Bucket: "b", Key: "k", Problem: "p"}, []string{"s3://b/k: p"}},
		{&batcheval.ResultsUnavailableError{ID: "e1", Status: "COMPLETED", Reason: "key k is Disabled"}, []string{"e1 (COMPLETED)", "key k is Disabled", batcheval.RestoreAccessAdvice}},
	}
	for _, tt := range tests {
		for _, w := range tt.want {
			if !strings.Contains(tt.err.Error(), w) {
				t.Errorf("%T.Error() = %q, lacks %q", tt.err, tt.err.Error(), w)
			}
		}
	}
}

// stubGet answers GetBatchEvaluation with a completed, encrypted evaluation
// whose results are missing.
type stubGet struct{ batcheval.API }

func (stubGet) GetBatchEvaluation(context.Context, *bedrockagentcore.GetBatchEvaluationInput, ...func(*bedrockagentcore.Options)) (*bedrockagentcore.GetBatchEvaluationOutput, error) {
	return &bedrockagentcore.GetBatchEvaluationOutput{
		BatchEvaluationId: aws.String("e1"), Status: types.BatchEvaluationStatusCompleted,
		BatchEvaluationArn: aws.String("arn:aws:bedrock-agentcore:us-east-1:111122223333:evaluation-batch/e1"),
		KmsKeyArn:          aws.String("arn:aws:kms:us-east-1:111122223333:key/k"), ErrorDetails: []string{"from the service"},
	}, nil
}

// failingKMS fails DescribeKey with err.
type failingKMS struct {
	kmscheck.KMS
	err error
}

func (f failingKMS) DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return nil, f.err
}

func TestDiagnoseFallbacks(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		keys       kmscheck.KMS
		wantReason string
		wantIs     []error
	}{
		{"no KMS client", nil, "could not decrypt them", []error{batcheval.ErrResultsUnavailable}},
		{"key gone", failingKMS{err: &smithy.GenericAPIError{Code: "NotFoundException"}}, "no longer exists",
			[]error{batcheval.ErrResultsUnavailable, kmscheck.ErrAccessDenied, kmscheck.ErrKeyNotFound}},
		{"KMS outage", failingKMS{err: &smithy.GenericAPIError{Code: "KMSInternalException", Message: "boom"}}, "describing the key failed",
			[]error{batcheval.ErrResultsUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := batcheval.New(stubGet{}, tt.keys)
			out, err := c.Get(ctx, "nightly-0123456789")
			var ru *batcheval.ResultsUnavailableError
			if out == nil || !errors.As(err, &ru) || !strings.Contains(ru.Reason, tt.wantReason) || len(ru.Details) != 1 {
				t.Fatalf("get = %v, %v", out, err)
			}
			for _, want := range tt.wantIs {
				if !errors.Is(err, want) {
					t.Errorf("err %v is not %v", err, want)
				}
			}
		})
	}
}
