package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// An evaluation stopped by someone else while the command waits (agentcore
// stop batch-evaluation, say) ends STOPPED without results: the command
// reports it and archives the metadata instead of crashing on the missing
// results.
func TestRunAWSPathStoppedMeanwhile(t *testing.T) {
	const (
		accessKey = "AKIDSTOPPED"
		principal = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
	)
	k := kmstest.New()
	k.MapAccessKey(accessKey, principal)
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: "111122223333", Region: "us-east-1", Principal: principal})
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := doc.JSON()
	md := k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
	kmsSrv := k.NewServer()
	defer kmsSrv.Close()
	emSrv := batchevaltest.New(k, func(o *batchevaltest.Options) { o.PendingFor = time.Hour }).NewServer()
	defer emSrv.Close()
	s3Srv := batchevaltest.NewS3(k).NewServer()
	defer s3Srv.Close()

	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                    filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":        filepath.Join(dir, "credentials"),
		"AWS_ACCESS_KEY_ID":                  accessKey,
		"AWS_SECRET_ACCESS_KEY":              "secret",
		"AWS_SESSION_TOKEN":                  "",
		"AWS_REGION":                         "us-east-1",
		"AWS_EC2_METADATA_DISABLED":          "true",
		"AWS_ENDPOINT_URL_KMS":               kmsSrv.URL,
		"AWS_ENDPOINT_URL_BEDROCK_AGENTCORE": emSrv.URL,
		"AWS_ENDPOINT_URL_S3":                s3Srv.URL,
	} {
		t.Setenv(k, v)
	}

	// Someone else stops the evaluation as soon as it exists.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	other := batchevaltest.NewSDKClient(emSrv.URL, accessKey)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for ctx.Err() == nil {
			list, err := other.ListBatchEvaluations(ctx, &bedrockagentcore.ListBatchEvaluationsInput{})
			if err == nil && len(list.BatchEvaluations) > 0 {
				_, _ = other.StopBatchEvaluation(ctx, &bedrockagentcore.StopBatchEvaluationInput{BatchEvaluationId: list.BatchEvaluations[0].BatchEvaluationId})
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	var stdout, stderr bytes.Buffer
	code := run([]string{"-aws", "-key", aws.ToString(md.Arn), "-bucket", "archive", "-principal", principal, "-name", "stopped", "-timeout", "20s"}, &stdout, &stderr)
	cancel()
	<-stopped
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	for _, want := range []string{"STOPPED", "/metadata.json (SSE-KMS)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, &stdout)
		}
	}
}
