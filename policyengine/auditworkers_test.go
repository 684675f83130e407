package policyengine_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/agentcorekms/agentcorekms/policyengine"
)

// goroutineCounter records the number of goroutines at each listing call.
type goroutineCounter struct {
	*bedrockagentcorecontrol.Client
	mu   sync.Mutex
	most int
}

func (g *goroutineCounter) ListPolicyEngineSummaries(ctx context.Context, in *bedrockagentcorecontrol.ListPolicyEngineSummariesInput, optFns ...func(*bedrockagentcorecontrol.Options)) (*bedrockagentcorecontrol.ListPolicyEngineSummariesOutput, error) {
	g.mu.Lock()
	g.most = max(g.most, runtime.NumGoroutine())
	g.mu.Unlock()
	return g.Client.ListPolicyEngineSummaries(ctx, in, optFns...)
}

// Audit starts no more workers than there are engines, whatever
// Options.Concurrency says: a large value must not cost a goroutine each.
func TestAuditLargeConcurrency(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.create(t, "One", wait)
	w.create(t, "Two", wait)
	api := &goroutineCounter{Client: w.ctl}
	pe := policyengine.New(api, w.kmsc)
	base := runtime.NumGoroutine()
	rep, err := pe.Audit(context.Background(), func(o *policyengine.Options) { o.Concurrency = 50000 })
	if err != nil || len(rep.Engines) != 2 {
		t.Fatalf("Audit: %d engines, %v", len(rep.Engines), err)
	}
	if api.most-base > 100 {
		t.Errorf("%d goroutines while listing 2 engines (%d before the audit)", api.most, base)
	}
}
