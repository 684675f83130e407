package agentcoretest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := agentcoretest.NewClock(start)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Add(time.Second); _ = c.Now() }()
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(10*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	var nilClock *agentcoretest.Clock
	nilClock.Add(time.Second)
	if got := nilClock.Now(); !got.IsZero() {
		t.Errorf("nil Clock Now() = %v, want the zero time", got)
	}
}

// A sandbox on a Clock changes status when the clock moves, not before.
func TestSandboxOnClock(t *testing.T) {
	t.Parallel()
	clk := agentcoretest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	sb, key := startWithKey(t, "ExampleRole", func(o *agentcoretest.Options) {
		o.Now = clk.Now
		o.ControlPlane = append(o.ControlPlane, func(o *policyenginetest.Options) { o.ActivationDelay = time.Minute })
	})
	ctx := t.Context()
	pe, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("Clocked"), EncryptionKeyArn: aws.String(key),
	})
	if err != nil {
		t.Fatal(err)
	}
	status := func() types.PolicyEngineStatus {
		t.Helper()
		got, err := sb.ControlPlane.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: pe.PolicyEngineId})
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	if got := status(); got != types.PolicyEngineStatusCreating {
		t.Errorf("before the clock moves: %s, want CREATING", got)
	}
	clk.Add(time.Minute)
	if got := status(); got != types.PolicyEngineStatusActive {
		t.Errorf("after a minute: %s, want ACTIVE", got)
	}
}

// StartBatchEvaluationInput is accepted by the data plane, with and
// without a key, and each call returns a new input.
func TestStartBatchEvaluationInput(t *testing.T) {
	t.Parallel()
	sb, key := startWithKey(t, "ExampleRole")
	ctx := t.Context()
	if in := agentcoretest.StartBatchEvaluationInput("plain", ""); in.KmsKeyArn != nil {
		t.Errorf("KmsKeyArn = %q without a key, want nil", aws.ToString(in.KmsKeyArn))
	}
	a, b := agentcoretest.StartBatchEvaluationInput("a", key), agentcoretest.StartBatchEvaluationInput("a", key)
	a.Evaluators[0].EvaluatorId = aws.String("Builtin.Faithfulness")
	if aws.ToString(b.Evaluators[0].EvaluatorId) != "Builtin.Helpfulness" {
		t.Error("two calls share their evaluators")
	}
	for _, in := range []*bedrockagentcore.StartBatchEvaluationInput{
		agentcoretest.StartBatchEvaluationInput("encrypted", key), agentcoretest.StartBatchEvaluationInput("plain", ""),
	} {
		out, err := sb.DataPlane.StartBatchEvaluation(ctx, in)
		if err != nil {
			t.Fatalf("StartBatchEvaluation(%s): %v", aws.ToString(in.BatchEvaluationName), err)
		}
		if aws.ToString(out.KmsKeyArn) != aws.ToString(in.KmsKeyArn) {
			t.Errorf("%s: key %q, want %q", aws.ToString(in.BatchEvaluationName), aws.ToString(out.KmsKeyArn), aws.ToString(in.KmsKeyArn))
		}
	}
}
