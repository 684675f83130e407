package batcheval_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"

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
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := e.c.Start(ctx, startInput("pre_"+strconv.Itoa(i), e.keyARN)); err != nil {
				b.Fatal(err)
			}
		}
	})
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
	c := batcheval.New(stubAPI{out: &bedrockagentcore.StartBatchEvaluationOutput{}}, nil, func(o *batcheval.Options) {
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
