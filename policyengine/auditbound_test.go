package policyengine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/policyengine"
)

// inFlight records how many DescribeKey calls run at once. A call waits
// until target calls are in flight (or a second has passed), then holds a
// little longer, so that every worker Audit started is seen, and one too
// many would be.
type inFlight struct {
	*kms.Client
	target int
	hold   time.Duration

	mu       sync.Mutex
	now, max int
	full     chan struct{} // closed when target calls are in flight
}

func (f *inFlight) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	f.mu.Lock()
	f.now++
	f.max = max(f.max, f.now)
	if f.now == f.target {
		select {
		case <-f.full:
		default:
			close(f.full)
		}
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.now--
		f.mu.Unlock()
	}()
	select {
	case <-f.full:
	case <-time.After(time.Second):
	}
	time.Sleep(f.hold)
	return f.Client.DescribeKey(ctx, in, optFns...)
}

// Audit inspects at most Options.Concurrency engines at once, the default
// being DefaultConcurrency, and uses all of them when there is the work.
// Each engine has its own key, so each inspection describes a key.
func TestAuditConcurrencyIsBounded(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	const engines = policyengine.DefaultConcurrency + 4
	for i := range engines {
		md := w.kms.CreateTestKey(t, nil)
		if err := w.kms.SetKeyPolicy(*md.KeyId, mergedPolicy(t)); err != nil {
			t.Fatal(err)
		}
		name := "Bounded" + string(rune('A'+i))
		if _, err := w.pe.Create(ctx, policyengine.CreateInput{Name: name, KeyARN: *md.Arn}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name        string
		concurrency int // 0: the default
		want        int
	}{
		{"default", 0, policyengine.DefaultConcurrency},
		{"one", 1, 1},
		{"three", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := &inFlight{Client: w.kmsc, target: tc.want, hold: 20 * time.Millisecond, full: make(chan struct{})}
			var mu sync.Mutex
			var done []int
			rep, err := policyengine.New(w.ctl, keys).Audit(ctx, func(o *policyengine.Options) {
				o.Concurrency = tc.concurrency
				o.Progress = func(p policyengine.AuditProgress) {
					mu.Lock()
					done = append(done, p.Done)
					mu.Unlock()
					if p.Engine == nil || p.Listed < p.Done {
						t.Errorf("progress = %+v", p)
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Engines) != engines || len(done) != engines {
				t.Fatalf("%d engines audited, %d progress calls; want %d", len(rep.Engines), len(done), engines)
			}
			for i, d := range done {
				if d != i+1 {
					t.Fatalf("progress Done values %v, want 1..%d in order", done, engines)
				}
			}
			if keys.max != tc.want {
				t.Errorf("%d engines inspected at once, want %d", keys.max, tc.want)
			}
		})
	}
}
