package batchevaltest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
)

// Reusing a client token with the same name and key but any other
// parameter changed is a parameter mismatch, not a retry: the caller would
// otherwise get back an evaluation that does not run what it asked for.
func TestClientTokenComparesEveryParameter(t *testing.T) {
	const token = "3f2504e0-4f89-11d3-9a0c-0305e82c3302"
	e := newEnv(t, nil)
	ctx := context.Background()
	in := startInput("nightly", e.keyARN)
	in.ClientToken = aws.String(token)
	if _, err := e.api.StartBatchEvaluation(ctx, in); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*bedrockagentcore.StartBatchEvaluationInput){
		"evaluators": func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Evaluators = []types.Evaluator{{EvaluatorId: aws.String("Builtin.Correctness")}}
		},
		"description": func(in *bedrockagentcore.StartBatchEvaluationInput) { in.Description = aws.String("something else") },
		"data source": func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.DataSourceConfig = &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{
				ServiceNames: []string{"other"}, LogGroupNames: []string{"/other"},
			}}
		},
	} {
		changed := startInput("nightly", e.keyARN)
		changed.ClientToken = aws.String(token)
		edit(changed)
		_, err := e.api.StartBatchEvaluation(ctx, changed)
		var ve *types.ValidationException
		if !errors.As(err, &ve) || ve.Reason != types.ValidationExceptionReasonIdempotentParameterMismatchException {
			t.Errorf("same token, other %s: %v, want IdempotentParameterMismatchException", name, err)
		}
	}
	// The unchanged retry still returns the evaluation.
	again := startInput("nightly", e.keyARN)
	again.ClientToken = aws.String(token)
	if _, err := e.api.StartBatchEvaluation(ctx, again); err != nil {
		t.Errorf("retry: %v", err)
	}
}
