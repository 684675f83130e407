package batcheval_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Example starts an encrypted batch evaluation against the offline
// emulators, waits for it, then disables the key: Start fails, and Get still
// returns the metadata but says the results cannot be read.
func Example() {
	ctx := context.Background()

	// The emulated KMS, AgentCore data plane and S3, with evaluations that
	// take 30 ms, and a key under the documented key policy.
	sb, err := agentcoretest.Start("MyBatchEvaluationRole", func(o *agentcoretest.Options) {
		o.DataPlane = append(o.DataPlane, func(o *batchevaltest.Options) {
			o.PendingFor, o.RunFor = 10*time.Millisecond, 20*time.Millisecond
		})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()
	keyARN, err := sb.NewKey(ctx, "")
	if err != nil {
		fmt.Println(err)
		return
	}

	c := batcheval.New(
		sb.DataPlane, // a real *bedrockagentcore.Client
		sb.KMS,       // a real *kms.Client
		func(o *batcheval.Options) {
			o.Principal = sb.Principal
			o.WaitMinDelay = 5 * time.Millisecond
		})
	start, err := c.Start(ctx, &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("nightly"),
		Evaluators:          []types.Evaluator{{EvaluatorId: aws.String("Builtin.Helpfulness")}},
		DataSourceConfig: &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{
			ServiceNames: []string{"my_agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/my_agent"},
		}},
		KmsKeyArn: aws.String(keyARN),
	})
	if err != nil {
		fmt.Println("start:", err)
		return
	}
	done, err := c.Wait(ctx, aws.ToString(start.BatchEvaluationId))
	if err != nil {
		fmt.Println("wait:", err)
		return
	}
	fmt.Println("status:", done.Status, "sessions:", aws.ToInt32(done.EvaluationResults.TotalNumberOfSessions))

	_ = sb.Emulators.KMS.SetKeyState(keyARN, kmstypes.KeyStateDisabled)
	_, err = c.Start(ctx, &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("again"), DataSourceConfig: done.DataSourceConfig, KmsKeyArn: aws.String(keyARN),
	})
	fmt.Println("start with the key disabled, not usable:", errors.Is(err, kmscheck.ErrKeyNotUsable))
	got, err := c.Get(ctx, aws.ToString(start.BatchEvaluationId))
	fmt.Println("get:", aws.ToString(got.BatchEvaluationName), got.Status, "results unavailable:", errors.Is(err, batcheval.ErrResultsUnavailable))
	// Output:
	// status: COMPLETED sessions: 5
	// start with the key disabled, not usable: true
	// get: nightly COMPLETED results unavailable: true
}

// ExampleClient_Archive copies a completed evaluation to S3 with SSE-KMS
// under its own key and encryption context, then checks the objects with
// HeadObject. S3 here is gofakes3 behind batchevaltest's SSE-KMS front.
func ExampleClient_Archive() {
	ctx := context.Background()
	sb, err := agentcoretest.Start("MyBatchEvaluationRole")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()
	keyARN, err := sb.NewKey(ctx, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	s3c := sb.S3

	// A completed evaluation, as Client.Wait returns it.
	evARN := "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/nightly-0123456789"
	done := &bedrockagentcore.GetBatchEvaluationOutput{
		BatchEvaluationId: aws.String("nightly-0123456789"), BatchEvaluationArn: aws.String(evARN),
		BatchEvaluationName: aws.String("nightly"), Status: types.BatchEvaluationStatusCompleted,
		KmsKeyArn:         aws.String(keyARN),
		EvaluationResults: &types.EvaluationJobResults{TotalNumberOfSessions: aws.Int32(5)},
	}
	c := batcheval.New(nil, nil) // Archive and VerifyArchive need only S3
	a, err := c.Archive(ctx, s3c, "eval-archive", "runs", done)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Keys)
	fmt.Println(a.EncryptionContext)
	fmt.Println("verified:", c.VerifyArchive(ctx, s3c, a) == nil)

	done.KmsKeyArn = nil
	_, err = c.Archive(ctx, s3c, "eval-archive", "runs", done)
	fmt.Println("without a key:", errors.Is(err, batcheval.ErrNoKey))
	// Output:
	// [runs/nightly-0123456789/metadata.json runs/nightly-0123456789/results.json]
	// map[aws:bedrock-agentcore:batchEvaluationArn:arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/nightly-0123456789]
	// verified: true
	// without a key: true
}
