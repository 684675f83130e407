package batchevaltest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
)

// Example points the real *bedrockagentcore.Client at the emulator (through
// the agentcoretest sandbox) and shows StartBatchEvaluation refusing a
// disabled key with the documented message.
func Example() {
	sb, err := agentcoretest.Start("MyBatchEvaluationRole")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()
	ctx := context.Background()
	key, err := sb.NewKey(ctx, "") // the documented key policy for the role
	if err != nil {
		fmt.Println(err)
		return
	}
	in := &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("nightly"),
		DataSourceConfig: &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{
			ServiceNames: []string{"my_agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/my_agent"},
		}},
		KmsKeyArn: aws.String(key),
	}
	out, err := sb.DataPlane.StartBatchEvaluation(ctx, in)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Status)

	_ = sb.Emulators.KMS.SetKeyState(key, kmstypes.KeyStateDisabled)
	in.BatchEvaluationName, in.ClientToken = aws.String("again"), nil
	_, err = sb.DataPlane.StartBatchEvaluation(ctx, in)
	var ve *types.ValidationException
	if errors.As(err, &ve) {
		fmt.Println(ve.ErrorMessage())
	}
	// Output:
	// PENDING
	// The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.
}
