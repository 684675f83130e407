package batcheval_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"

	"github.com/agentcorekms/agentcorekms/batcheval"
)

// Values at the documented limits are accepted by Start and by the service
// (the emulator applies the same limits); one step beyond is an InputError
// before any call.
func TestStartLimits(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	evaluators := make([]types.Evaluator, batcheval.MaxEvaluators)
	for i := range evaluators {
		evaluators[i].EvaluatorId = aws.String("Builtin.Helpfulness")
	}
	insights := make([]types.Insight, batcheval.MaxInsights)
	for i := range insights {
		insights[i].InsightId = aws.String("Builtin.FailureAnalysis")
	}
	for i, tc := range []struct {
		name string
		edit func(*bedrockagentcore.StartBatchEvaluationInput)
	}{
		{"name of 48 characters", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.BatchEvaluationName = aws.String("n" + strings.Repeat("x", 47))
		}},
		{"10 evaluators and 10 insights", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Evaluators, in.Insights = evaluators, insights
		}},
		{"description of 200 characters", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Description = aws.String(strings.Repeat("é", batcheval.MaxDescription))
		}},
		{"client token of 256 characters", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.ClientToken = aws.String("a-" + strings.Repeat("b", 254))
		}},
		{"custom evaluator id", func(in *bedrockagentcore.StartBatchEvaluationInput) {
			in.Evaluators = []types.Evaluator{{EvaluatorId: aws.String("my_evaluator-abcde12345")}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Names of evaluations in progress must differ.
			in := startInput("limits_"+string(rune('a'+i)), e.keyARN)
			tc.edit(in)
			out, err := e.c.Start(ctx, in)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if aws.ToString(out.BatchEvaluationName) != aws.ToString(in.BatchEvaluationName) {
				t.Errorf("started %q, want %q", aws.ToString(out.BatchEvaluationName), aws.ToString(in.BatchEvaluationName))
			}
		})
	}
	before := e.api.starts.Load()
	in := startInput("nightly", e.keyARN)
	in.ClientToken = aws.String(strings.Repeat("a", 257))
	_, err := e.c.Start(ctx, in)
	var ie *batcheval.InputError
	if !errors.As(err, &ie) || ie.Field != "ClientToken" {
		t.Errorf("client token of 257 characters: %v, want an InputError about ClientToken", err)
	}
	if e.api.starts.Load() != before {
		t.Error("StartBatchEvaluation was called for bad input")
	}
}
