package policyengine_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// BenchmarkCreate compares Create without the preflight with a raw SDK
// CreatePolicyEngine against the emulator: the difference is the client's
// own cost (validation, client token, error mapping).
func BenchmarkCreate(b *testing.B) {
	for _, mode := range []string{"client-no-preflight", "raw-sdk"} {
		b.Run(mode, func(b *testing.B) {
			w := newWorld(b, worldOptions{client: []func(*policyengine.Options){func(o *policyengine.Options) { o.SkipPreflight = true }}})
			ctx := context.Background()
			runtime.GC() // start both modes from the same heap
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				name := fmt.Sprintf("Bench%d", i)
				var err error
				if mode == "raw-sdk" {
					_, err = w.ctl.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
						Name: aws.String(name), EncryptionKeyArn: aws.String(w.keyARN),
					})
				} else {
					_, err = w.pe.Create(ctx, policyengine.CreateInput{Name: name, KeyARN: w.keyARN})
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// withLatency delays every request to h by d, like a network round trip
// (and unlike kmstest's SetLatency, not the control plane's own in-process
// KMS calls).
func withLatency(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		h.ServeHTTP(w, r)
	})
}

// BenchmarkAudit audits 1,000 engines at the default concurrency with 5 ms
// of latency on every control-plane and KMS request, with all engines on
// one key and with one key per engine (the worst case: a DescribeKey and a
// ListGrants per engine).
func BenchmarkAudit(b *testing.B) {
	const engines, latency = 1000, 5 * time.Millisecond
	for _, keys := range []int{1, engines} {
		b.Run(fmt.Sprintf("engines=%d/keys=%d", engines, keys), func(b *testing.B) {
			sb, err := agentcoretest.Start(role, func(o *agentcoretest.Options) {
				o.WrapHandler = func(service string, h http.Handler) http.Handler {
					if service != agentcoretest.ServiceKMS {
						return h
					}
					return withLatency(h, latency)
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			k, cp := sb.Emulators.KMS, sb.Emulators.ControlPlane
			policy := mergedPolicy(b)
			keyARNs := make([]string, keys)
			for i := range keyARNs {
				md := k.CreateTestKey(b, nil)
				if err := k.SetKeyPolicy(*md.KeyId, policy); err != nil {
					b.Fatal(err)
				}
				keyARNs[i] = *md.Arn
			}
			ctl := sb.ControlPlane
			pe := policyengine.New(ctl, sb.KMS)
			ctx := context.Background()
			for i := range engines {
				if _, err := ctl.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
					Name: aws.String(fmt.Sprintf("Audited%d", i)), EncryptionKeyArn: aws.String(keyARNs[i%keys]),
				}); err != nil {
					b.Fatal(err)
				}
			}
			// Let every engine become ACTIVE before timing.
			p := bedrockagentcorecontrol.NewListPolicyEngineSummariesPaginator(ctl, &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{MaxResults: aws.Int32(100)})
			for p.HasMorePages() {
				if _, err := p.NextPage(ctx); err != nil {
					b.Fatal(err)
				}
			}
			cp.SetLatency(latency)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				rep, err := pe.Audit(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Engines) != engines || len(rep.WithFindings()) != 0 {
					b.Fatalf("%d engines, %d with findings", len(rep.Engines), len(rep.WithFindings()))
				}
			}
		})
	}
}
