package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// batchEvaluationStory runs an encrypted batch evaluation end to end against
// the offline emulators: a key under the generated key policy, the
// preflight, start, wait, an SSE-KMS archive in S3 and its verification;
// then it disables the key and shows what AWS documents: Start fails, Get
// still returns the metadata without the results, Delete still works.
func batchEvaluationStory(ctx context.Context, w io.Writer) error {
	const beRole = "arn:aws:iam::" + account + ":role/MyBatchEvaluationRole"
	fmt.Fprintln(w, "# Batch evaluations with a customer managed key (offline: KMS, AgentCore and S3 emulators)")

	sb, err := agentcoretest.Start(beRole, func(o *agentcoretest.Options) {
		o.Region, o.Account = region, account
		o.DataPlane = []func(*batchevaltest.Options){func(o *batchevaltest.Options) {
			o.PendingFor, o.RunFor = 20*time.Millisecond, 60*time.Millisecond
		}}
	})
	if err != nil {
		return err
	}
	defer sb.Close()
	kmsc, s3c := sb.KMS, sb.S3

	// The documented key policy, plus the default administration statement.
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: region, Principal: beRole})
	if err != nil {
		return err
	}
	doc.Statement = append(doc.Statement, keypolicy.Statement{
		Sid: "Enable IAM User Permissions", Effect: "Allow",
		Principal: keypolicy.AWSPrincipal("arn:aws:iam::" + account + ":root"),
		Action:    keypolicy.One("kms:*"), Resource: keypolicy.One("*"),
	})
	policy, err := doc.JSON()
	if err != nil {
		return err
	}
	key, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(string(policy)), Description: aws.String("batch evaluations")})
	if err != nil {
		return fmt.Errorf("creating the key: %w", err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	fmt.Fprintf(w, "key %s: the three documented statements for %s, plus account-root administration\n", keyARN, beRole)

	rep, err := kmscheck.Check(ctx, kmsc, keyARN, kmscheck.BatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: region, Principal: beRole}))
	if err != nil {
		return err
	}
	if !rep.Passed() || !rep.Complete() {
		return fmt.Errorf("preflight of a correct key did not pass: %v", rep.Err())
	}
	fmt.Fprintf(w, "preflight: %d findings pass (key state and spec, every required key-policy statement, GenerateDataKey dry run)\n", len(rep.Findings))

	var statuses []types.BatchEvaluationStatus
	c := batcheval.New(sb.DataPlane, kmsc, func(o *batcheval.Options) {
		o.Principal = beRole
		o.WaitMinDelay = 10 * time.Millisecond
		o.OnProgress = func(p batcheval.Progress) {
			if n := len(statuses); n == 0 || statuses[n-1] != p.Status {
				statuses = append(statuses, p.Status)
			}
		}
	})
	in := &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("nightly"),
		Evaluators:          []types.Evaluator{{EvaluatorId: aws.String("Builtin.Helpfulness")}},
		DataSourceConfig: &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{
			ServiceNames: []string{"my_agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/my_agent-abc-DEFAULT"},
		}},
		KmsKeyArn: aws.String(keyARN),
	}
	start, err := c.Start(ctx, in)
	if err != nil {
		return fmt.Errorf("starting: %w", err)
	}
	id := aws.ToString(start.BatchEvaluationId)
	done, err := c.Wait(ctx, id)
	if err != nil {
		return fmt.Errorf("waiting: %w", err)
	}
	fmt.Fprintf(w, "started %s; statuses %v; %d sessions evaluated\n", id, statuses, aws.ToInt32(done.EvaluationResults.TotalNumberOfSessions))
	ec, err := json.Marshal(batcheval.EncryptionContext(aws.ToString(done.BatchEvaluationArn)))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "encryption context of every KMS call: %s\n", ec)

	archive, err := c.Archive(ctx, s3c, "eval-archive", "runs", done)
	if err != nil {
		return fmt.Errorf("archiving: %w", err)
	}
	if err := c.VerifyArchive(ctx, s3c, archive); err != nil {
		return fmt.Errorf("verifying the archive: %w", err)
	}
	fmt.Fprintf(w, "archived %d objects to s3://%s/runs/%s/ with SSE-KMS under the same key and context; verified with HeadObject\n", len(archive.Keys), archive.Bucket, id)

	if _, err := kmsc.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(keyARN)}); err != nil {
		return fmt.Errorf("disabling the key: %w", err)
	}
	fmt.Fprintln(w, "key disabled:")
	in.BatchEvaluationName = aws.String("nightly_2")
	_, err = c.Start(ctx, in)
	if !errors.Is(err, kmscheck.ErrKeyNotUsable) {
		return fmt.Errorf("start with a disabled key returned %v, want ErrKeyNotUsable", err)
	}
	_, err = c.Start(ctx, in, func(o *batcheval.Options) { o.SkipPreflight = true })
	var ve *types.ValidationException
	if !errors.Is(err, kmscheck.ErrKeyNotUsable) || !errors.As(err, &ve) {
		return fmt.Errorf("start without preflight returned %v, want the service's ValidationException", err)
	}
	fmt.Fprintf(w, "  Start: refused by the preflight, and by the service itself: ValidationException %q\n", ve.ErrorMessage())
	got, err := c.Get(ctx, id)
	var ru *batcheval.ResultsUnavailableError
	if !errors.As(err, &ru) || got == nil || got.EvaluationResults != nil || got.Status != types.BatchEvaluationStatusCompleted {
		return fmt.Errorf("get with a disabled key returned %+v, %v; want metadata and ErrResultsUnavailable", got, err)
	}
	fmt.Fprintf(w, "  Get: %s %s, created %s, results unavailable: %s\n", aws.ToString(got.BatchEvaluationName), got.Status,
		aws.ToTime(got.CreatedAt).Format(time.RFC3339), ru.Reason)
	list, err := c.List(ctx)
	if err != nil || len(list) != 1 {
		return fmt.Errorf("list with a disabled key: %d evaluations, %v", len(list), err)
	}
	if _, err := c.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete with a disabled key: %w", err)
	}
	fmt.Fprintln(w, "  List and Delete: succeed, they need no KMS call")
	fmt.Fprintln(w, "  "+batcheval.RestoreAccessAdvice)
	return nil
}
