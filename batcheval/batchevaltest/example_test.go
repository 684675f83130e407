package batchevaltest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Example points the real *bedrockagentcore.Client at the emulator and
// shows StartBatchEvaluation refusing a disabled key with the documented
// message.
func Example() {
	const role = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
	k := kmstest.New()
	k.MapAccessKey("AKIDEXAMPLE", role) // requests signed with this key come from role
	doc, _ := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	policy, _ := doc.JSON()
	key, _ := k.Client().CreateKey(context.Background(), &kms.CreateKeyInput{Policy: aws.String(string(policy))})

	srv := batchevaltest.New(k).NewServer()
	defer srv.Close()
	api := batchevaltest.NewSDKClient(srv.URL, "AKIDEXAMPLE")
	in := &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("nightly"),
		DataSourceConfig: &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{
			ServiceNames: []string{"my_agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/my_agent"},
		}},
		KmsKeyArn: key.KeyMetadata.Arn,
	}
	out, err := api.StartBatchEvaluation(context.Background(), in)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Status)

	_ = k.SetKeyState(*key.KeyMetadata.KeyId, kmstypes.KeyStateDisabled)
	in.BatchEvaluationName, in.ClientToken = aws.String("again"), nil
	_, err = api.StartBatchEvaluation(context.Background(), in)
	var ve *types.ValidationException
	if errors.As(err, &ve) {
		fmt.Println(ve.ErrorMessage())
	}
	// Output:
	// PENDING
	// The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.
}
