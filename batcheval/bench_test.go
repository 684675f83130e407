package batcheval_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"

	"github.com/agentcorekms/agentcorekms/batcheval"
)

// BenchmarkStart compares Client.Start without the preflight (validation and
// error mapping only) with the raw SDK call, against the same emulator on
// loopback; the target is a ratio under 1.10. WithPreflight shows the cost
// of the KMS preflight (one more round trip, three concurrent KMS calls).
func BenchmarkStart(b *testing.B) {
	ctx := context.Background()
	b.Run("RawSDK", func(b *testing.B) {
		e := newEnv(b, envConfig{})
		runtime.GC() // each mode starts from a collected heap
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.sdk.StartBatchEvaluation(ctx, startInput("raw_"+strconv.Itoa(i), e.keyARN)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClientNoPreflight", func(b *testing.B) {
		e := newEnv(b, envConfig{}, func(o *batcheval.Options) { o.SkipPreflight = true })
		c := batcheval.New(e.sdk, e.kmsc, func(o *batcheval.Options) { o.SkipPreflight = true })
		runtime.GC() // each mode starts from a collected heap
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Start(ctx, startInput("client_"+strconv.Itoa(i), e.keyARN)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClientWithPreflight", func(b *testing.B) {
		e := newEnv(b, envConfig{})
		runtime.GC() // each mode starts from a collected heap
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.c.Start(ctx, startInput("pre_"+strconv.Itoa(i), e.keyARN)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStartInterleaved alternates the raw SDK call and Client.Start
// without the preflight against one emulator, timing each, and reports the
// ratio of their total times ("client/raw"): interleaving cancels most of
// the drift that other processes on the machine cause between the
// sub-benchmarks of BenchmarkStart, and swapping the order of each pair
// cancels the cost of going second.
func BenchmarkStartInterleaved(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, envConfig{})
	c := batcheval.New(e.sdk, e.kmsc, func(o *batcheval.Options) { o.SkipPreflight = true })
	var raw, client time.Duration
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	rawCall := func(i int) time.Duration {
		t0 := time.Now()
		if _, err := e.sdk.StartBatchEvaluation(ctx, startInput("raw_"+strconv.Itoa(i), e.keyARN)); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	clientCall := func(i int) time.Duration {
		t0 := time.Now()
		if _, err := c.Start(ctx, startInput("client_"+strconv.Itoa(i), e.keyARN)); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	for i := 0; i < b.N; i++ {
		// Alternate which goes first, so neither always runs right after
		// the other (the second call of a pair is measurably slower).
		if i%2 == 0 {
			raw += rawCall(i)
			client += clientCall(i)
		} else {
			client += clientCall(i)
			raw += rawCall(i)
		}
	}
	b.ReportMetric(float64(client)/float64(raw), "client/raw")
}

// stubAPI answers StartBatchEvaluation at once, to isolate the client's own
// cost.
type stubAPI struct {
	batcheval.API
	out *bedrockagentcore.StartBatchEvaluationOutput
}

func (s stubAPI) StartBatchEvaluation(context.Context, *bedrockagentcore.StartBatchEvaluationInput, ...func(*bedrockagentcore.Options)) (*bedrockagentcore.StartBatchEvaluationOutput, error) {
	return s.out, nil
}

// BenchmarkStartOverhead is the client's own cost per Start without the
// preflight (validation, option copy, error mapping), with no network: the
// difference between the two arms of BenchmarkStart, measured directly.
func BenchmarkStartOverhead(b *testing.B) {
	out := &bedrockagentcore.StartBatchEvaluationOutput{
		BatchEvaluationId:  aws.String("nightly-0123456789"),
		BatchEvaluationArn: aws.String("arn:aws:bedrock-agentcore:us-east-1:111122223333:evaluation/nightly-0123456789"),
		Status:             types.BatchEvaluationStatusPending,
	}
	c := batcheval.New(stubAPI{out: out}, nil, func(o *batcheval.Options) {
		o.Region = "us-east-1"
		o.SkipPreflight = true
	})
	in := startInput("nightly", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Start(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
