package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBatchEvaluationStory(t *testing.T) {
	var out bytes.Buffer
	if err := batchEvaluationStory(context.Background(), &out); err != nil {
		t.Fatalf("story failed: %v\n%s", err, &out)
	}
	for _, want := range []string{
		"findings pass (key state and spec",
		// The emulator runs on the wall clock: a slow poll may skip
		// IN_PROGRESS, so only the ends are certain.
		"statuses [PENDING ",
		" COMPLETED]; 5 sessions evaluated",
		`{"aws:bedrock-agentcore:batchEvaluationArn":"arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/nightly-`,
		"archived 2 objects to s3://eval-archive/runs/",
		`ValidationException "The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion."`,
		"Get: nightly COMPLETED",
		"is Disabled",
		"List and Delete: succeed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
}
