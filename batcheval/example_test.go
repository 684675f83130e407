package batcheval_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Example starts an encrypted batch evaluation against the offline
// emulators, waits for it, then disables the key: Start fails, and Get still
// returns the metadata but says the results cannot be read.
func Example() {
	const role = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
	ctx := context.Background()

	// An in-memory KMS with a key under the documented key policy.
	k := kmstest.New()
	k.MapAccessKey("AKIDEXAMPLE", role)
	doc, _ := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{
		Account: "111122223333", Region: "us-east-1", Principal: role,
	})
	policy, _ := doc.JSON()
	key, _ := k.Client().CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	kmsSrv := k.NewServer()
	defer kmsSrv.Close()

	// The AgentCore data plane, emulated, with evaluations that take 30 ms.
	em := batchevaltest.New(k, func(o *batchevaltest.Options) {
		o.PendingFor, o.RunFor = 10*time.Millisecond, 20*time.Millisecond
	})
	srv := em.NewServer()
	defer srv.Close()

	c := batcheval.New(
		batchevaltest.NewSDKClient(srv.URL, "AKIDEXAMPLE"), // a real *bedrockagentcore.Client
		kmstest.NewSDKClient(kmsSrv.URL, "AKIDEXAMPLE"),    // a real *kms.Client
		func(o *batcheval.Options) {
			o.Principal = role
			// The documented key policy gives the caller no
			// kms:GetKeyPolicy, so the preflight cannot analyse it and is
			// incomplete; going ahead anyway is an explicit choice.
			o.ProceedOnIncompletePreflight = true
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

	_ = k.SetKeyState(*key.KeyMetadata.KeyId, kmstypes.KeyStateDisabled)
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
	const role = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
	ctx := context.Background()
	k := kmstest.New()
	k.MapAccessKey("AKIDEXAMPLE", role)
	doc, _ := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	policy, _ := doc.JSON()
	key, _ := k.Client().CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
	s3Srv := batchevaltest.NewS3(k).NewServer()
	defer s3Srv.Close()
	s3c := batchevaltest.NewS3SDKClient(s3Srv.URL, "AKIDEXAMPLE")

	// A completed evaluation, as Client.Wait returns it.
	evARN := "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/nightly-0123456789"
	done := &bedrockagentcore.GetBatchEvaluationOutput{
		BatchEvaluationId: aws.String("nightly-0123456789"), BatchEvaluationArn: aws.String(evARN),
		BatchEvaluationName: aws.String("nightly"), Status: types.BatchEvaluationStatusCompleted,
		KmsKeyArn:         key.KeyMetadata.Arn,
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
