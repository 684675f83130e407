package kmscheck_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// benchLatency is the emulated KMS latency. Targets: Check on a key ARN
// under 1.5x one call, on an alias under 2.5x (see the x-call metric).
const benchLatency = 20 * time.Millisecond

func benchEnv(b *testing.B) (*env, string) {
	e := newEnv(b, func(o *kmstest.Options) { o.Latency = benchLatency })
	md := e.key(b, &kms.CreateKeyInput{Policy: aws.String(e.policy(b, keypolicy.FeatureBatchEvaluation))})
	if _, err := e.c.CreateAlias(context.Background(), &kms.CreateAliasInput{AliasName: aws.String("alias/bench"), TargetKeyId: md.KeyId}); err != nil {
		b.Fatal(err)
	}
	return e, *md.Arn
}

func reportCalls(b *testing.B, start time.Time) {
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(benchLatency), "x-call")
}

// BenchmarkOneCall is the baseline: one DescribeKey over the wire.
func BenchmarkOneCall(b *testing.B) {
	e, keyARN := benchEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := e.c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &keyARN}); err != nil {
			b.Fatal(err)
		}
	}
	reportCalls(b, start)
}

func benchCheck(b *testing.B, ref string, target kmscheck.Target) {
	e, keyARN := benchEnv(b)
	if ref == "" {
		ref = keyARN
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		r, err := kmscheck.Check(ctx, e.c, ref, target)
		if err != nil {
			b.Fatal(err)
		}
		if !r.OK() || !r.Complete() {
			b.Fatalf("report not clean: %v", statuses(r))
		}
	}
	reportCalls(b, start)
}

// BenchmarkCheckKeyARN: DescribeKey, GetKeyPolicy and the dry run in one
// round trip.
func BenchmarkCheckKeyARN(b *testing.B) { benchCheck(b, "", beTarget) }

// BenchmarkCheckAlias: DescribeKey resolves the alias, then the other two.
func BenchmarkCheckAlias(b *testing.B) { benchCheck(b, "alias/bench", beTarget) }

// BenchmarkCheckIAM: a policy-engine check of a key whose default key
// policy delegates every request to IAM, resolved by SimulatePrincipalPolicy
// with the same latency: the KMS calls, then the simulations (one per
// request context, concurrent), so one more round trip (about 2x-call).
func BenchmarkCheckIAM(b *testing.B) {
	e := newIAMEnv(b, func(o *kmstest.Options) { o.Latency = benchLatency })
	e.m.SetLatency(benchLatency)
	md := e.key(b, nil)
	e.put(b, "agentcore", identityPolicy(b, *md.Arn))
	ctx := context.Background()
	withIAM := func(o *kmscheck.Options) { o.IAM = e.iam }
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		r, err := kmscheck.Check(ctx, e.c, *md.Arn, peTarget, withIAM)
		if err != nil {
			b.Fatal(err)
		}
		if !r.OK() || !r.Complete() || len(r.WithStatus(kmscheck.StatusWarn)) != 0 {
			b.Fatalf("report not clean: %v", statuses(r))
		}
	}
	reportCalls(b, start)
}

// BenchmarkCheckPolicyEngineNoIAM is the same check without IAM: the key
// policy findings stay warnings.
func BenchmarkCheckPolicyEngineNoIAM(b *testing.B) {
	e := newIAMEnv(b, func(o *kmstest.Options) { o.Latency = benchLatency })
	md := e.key(b, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := kmscheck.Check(ctx, e.c, *md.Arn, peTarget); err != nil {
			b.Fatal(err)
		}
	}
	reportCalls(b, start)
}
