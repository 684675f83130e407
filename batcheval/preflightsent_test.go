package batcheval_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// callLog records, in order, the calls the client makes.
type callLog struct {
	mu    sync.Mutex
	calls []string
	gdk   []*kms.GenerateDataKeyInput
}

func (l *callLog) add(op string) {
	l.mu.Lock()
	l.calls = append(l.calls, op)
	l.mu.Unlock()
}

// loggingKMS is the real KMS client, logging what the preflight sends.
type loggingKMS struct {
	*kms.Client
	log *callLog
}

func (k loggingKMS) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	k.log.add("DescribeKey")
	return k.Client.DescribeKey(ctx, in, optFns...)
}

func (k loggingKMS) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	k.log.add("GetKeyPolicy")
	return k.Client.GetKeyPolicy(ctx, in, optFns...)
}

func (k loggingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	k.log.add("GenerateDataKey")
	k.log.mu.Lock()
	k.log.gdk = append(k.log.gdk, in)
	k.log.mu.Unlock()
	return k.Client.GenerateDataKey(ctx, in, optFns...)
}

// loggingAPI is the real data-plane client, logging StartBatchEvaluation.
type loggingAPI struct {
	batcheval.API
	log *callLog
}

func (a loggingAPI) StartBatchEvaluation(ctx context.Context, in *bedrockagentcore.StartBatchEvaluationInput, optFns ...func(*bedrockagentcore.Options)) (*bedrockagentcore.StartBatchEvaluationOutput, error) {
	a.log.add("StartBatchEvaluation")
	return a.API.StartBatchEvaluation(ctx, in, optFns...)
}

// Start's preflight is the one the batch-evaluation documentation implies:
// the caller's DescribeKey, the key policy read for analysis, and a dry-run
// GenerateDataKey with the batch-evaluation encryption context, all before
// StartBatchEvaluation.
func TestStartPreflightSendsTheDocumentedChecks(t *testing.T) {
	e := newEnv(t, envConfig{admin: true}) // the caller may read the key policy
	log := &callLog{}
	c := batcheval.New(loggingAPI{e.sdk, log}, loggingKMS{e.kmsc, log}, func(o *batcheval.Options) {
		o.Region, o.Principal = "us-east-1", role
	})
	out, err := c.Start(context.Background(), startInput("nightly", e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.KmsKeyArn) != e.keyARN {
		t.Errorf("started with key %q", aws.ToString(out.KmsKeyArn))
	}
	n := len(log.calls)
	if n == 0 || log.calls[n-1] != "StartBatchEvaluation" {
		t.Fatalf("calls = %v, want StartBatchEvaluation last", log.calls)
	}
	for _, op := range []string{"DescribeKey", "GetKeyPolicy", "GenerateDataKey"} {
		if !strings.Contains(strings.Join(log.calls[:n-1], " "), op) {
			t.Errorf("calls before StartBatchEvaluation = %v, want %s among them", log.calls[:n-1], op)
		}
	}
	if len(log.gdk) != 1 {
		t.Fatalf("%d GenerateDataKey calls, want one dry run", len(log.gdk))
	}
	g := log.gdk[0]
	if !aws.ToBool(g.DryRun) || aws.ToString(g.KeyId) != e.keyARN {
		t.Errorf("GenerateDataKey DryRun = %v on %q, want a dry run on the key", aws.ToBool(g.DryRun), aws.ToString(g.KeyId))
	}
	v, ok := g.EncryptionContext[keypolicy.BatchEvaluationContextKey]
	if len(g.EncryptionContext) != 1 || !ok || !strings.HasPrefix(v, "arn:aws:bedrock-agentcore:us-east-1:"+account+":batch-evaluate/") {
		t.Errorf("dry-run encryption context = %v, want {%s: a batch evaluation ARN of the account}", g.EncryptionContext, keypolicy.BatchEvaluationContextKey)
	}
}
