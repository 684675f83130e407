package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"

	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
)

// An evaluation stopped by someone else while the command waits (agentcore
// stop batch-evaluation, say) ends STOPPED without results: the command
// reports it and archives the metadata instead of crashing on the missing
// results.
func TestRunAWSPathStoppedMeanwhile(t *testing.T) {
	const principal = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
	keyARN, sb := awsEnv(t, principal, func(o *batchevaltest.Options) { o.PendingFor = time.Hour })

	// Someone else stops the evaluation as soon as it exists.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	other := sb.DataPlane
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
	code := run([]string{"-aws", "-key", keyARN, "-bucket", "archive", "-principal", principal, "-name", "stopped", "-timeout", "20s"}, &stdout, &stderr)
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
