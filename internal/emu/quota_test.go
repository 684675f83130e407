package emu

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestQuotasTokenBucket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rate  float64
		scale float64
		// steps: advance the clock by wait, then make n requests.
		steps []struct {
			wait time.Duration
			n    int
		}
		want []int // requests allowed at each step
	}{
		{name: "a full bucket holds one second's worth, then refills at the rate", rate: 100, scale: 1,
			steps: []struct {
				wait time.Duration
				n    int
			}{{0, 150}, {100 * time.Millisecond, 20}, {time.Second, 500}},
			want: []int{100, 10, 100}},
		{name: "a time scale of 10 refills ten times as fast, same burst", rate: 100, scale: 10,
			steps: []struct {
				wait time.Duration
				n    int
			}{{0, 150}, {10 * time.Millisecond, 20}, {100 * time.Millisecond, 500}},
			want: []int{100, 10, 100}},
		{name: "a rate under one still lets one request through", rate: 0.5, scale: 1,
			steps: []struct {
				wait time.Duration
				n    int
			}{{0, 3}, {time.Second, 3}, {time.Second, 3}},
			want: []int{1, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{t: time.Unix(1e9, 0)}
			q := NewQuotas(map[string]float64{"ListGrants": tt.rate}, func(o *QuotaOptions) { o.Scale, o.Now = tt.scale, clk.Now })
			var got []int
			total := 0
			for _, s := range tt.steps {
				clk.Add(s.wait)
				n := 0
				for range s.n {
					if q.Allow("111122223333", "us-east-1", "ListGrants") {
						n++
					}
				}
				got = append(got, n)
				total += s.n
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("allowed per step (-want +got):\n%s", d)
			}
			sum := 0
			for _, n := range got {
				sum += n
			}
			if q.Allowed("ListGrants") != sum || q.Throttled("") != total-sum {
				t.Errorf("Allowed, Throttled = %d, %d; want %d, %d", q.Allowed("ListGrants"), q.Throttled(""), sum, total-sum)
			}
		})
	}
}

func TestQuotasPerAccountRegionAndOperation(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	q := NewQuotas(map[string]float64{"ListGrants": 1, "GetKeyPolicy": 1, "Zero": 0}, func(o *QuotaOptions) { o.Now = clk.Now })
	type call struct{ account, region, op string }
	calls := []call{
		{"111122223333", "us-east-1", "ListGrants"},
		{"111122223333", "us-east-1", "ListGrants"},   // same bucket: throttled
		{"111122223333", "us-east-1", "GetKeyPolicy"}, // another operation's quota
		{"111122223333", "eu-west-1", "ListGrants"},   // another Region's
		{"444455556666", "us-east-1", "ListGrants"},   // another account's
		{"111122223333", "us-east-1", "DescribeKey"},  // not limited
		{"111122223333", "us-east-1", "Zero"},         // a zero rate is no limit
		{"111122223333", "us-east-1", "Zero"},
	}
	var got []bool
	for _, c := range calls {
		got = append(got, q.Allow(c.account, c.region, c.op))
	}
	want := []bool{true, false, true, true, true, true, true, true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Allow (-want +got):\n%s", d)
	}
	if b := q.Burst("ListGrants"); b != 1 {
		t.Errorf("Burst(ListGrants) = %d, want 1", b)
	}
	q.Reset()
	if !q.Allow("111122223333", "us-east-1", "ListGrants") || q.Throttled("") != 0 {
		t.Error("Reset did not refill the buckets and clear the counts")
	}
	var nilq *Quotas
	if !nilq.Allow("a", "b", "ListGrants") || nilq.Throttled("") != 0 || nilq.Burst("ListGrants") != 0 || nilq.Scale() != 1 {
		t.Error("a nil *Quotas limits")
	}
	nilq.Reset()
}
