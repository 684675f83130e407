package batcheval_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"

	"github.com/agentcorekms/agentcorekms/batcheval"
)

// Wait doubles its delay between polls from WaitMinDelay up to
// WaitMaxDelay. Timers never fire early, so each gap between two progress
// calls is at least the delay Wait should have slept: only lower bounds are
// checked.
func TestWaitBacksOff(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := context.Background()
	start, err := e.c.Start(ctx, startInput("nightly", e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	const minDelay, maxDelay = 10 * time.Millisecond, 40 * time.Millisecond
	var at []time.Time
	var elapsed []time.Duration
	out, err := e.c.Wait(ctx, aws.ToString(start.BatchEvaluationId), func(o *batcheval.Options) {
		o.WaitMinDelay, o.WaitMaxDelay = minDelay, maxDelay
		o.OnProgress = func(p batcheval.Progress) {
			at = append(at, time.Now())
			elapsed = append(elapsed, p.Elapsed)
			if len(at) == 5 {
				e.clock.Add(time.Hour) // the evaluation completes at the next poll
			}
		}
	})
	if err != nil || out.Status != types.BatchEvaluationStatusCompleted {
		t.Fatalf("Wait = %v, %v", out, err)
	}
	if len(at) != 6 {
		t.Fatalf("%d polls, want 6", len(at))
	}
	for i, want := range []time.Duration{10, 20, 40, 40, 40} {
		want *= time.Millisecond
		if gap := at[i+1].Sub(at[i]); gap < want {
			t.Errorf("gap before poll %d = %v, want at least %v", i+2, gap, want)
		}
		if elapsed[i+1] < elapsed[i]+want {
			t.Errorf("Progress.Elapsed %v then %v, want at least %v apart", elapsed[i], elapsed[i+1], want)
		}
	}
}
