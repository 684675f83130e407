package agentcoretest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
)

// StartBatchEvaluationInput returns a StartBatchEvaluation input that the
// data plane accepts, for tests to start from and change: name, two
// built-in evaluators (Builtin.Helpfulness and Builtin.Correctness), the
// Builtin.FailureAnalysis insight, one agent's CloudWatch Logs traces, and
// keyARN as the KMS key (none if empty). Each call returns a new input.
func StartBatchEvaluationInput(name, keyARN string) *bedrockagentcore.StartBatchEvaluationInput {
	in := &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String(name),
		Evaluators:          []types.Evaluator{{EvaluatorId: aws.String("Builtin.Helpfulness")}, {EvaluatorId: aws.String("Builtin.Correctness")}},
		Insights:            []types.Insight{{InsightId: aws.String("Builtin.FailureAnalysis")}},
		DataSourceConfig: &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{
			ServiceNames:  []string{"my_agent.DEFAULT"},
			LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/my_agent-abc-DEFAULT"},
		}},
	}
	if keyARN != "" {
		in.KmsKeyArn = aws.String(keyARN)
	}
	return in
}
