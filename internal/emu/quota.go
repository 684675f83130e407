package emu

import (
	"sync"
	"time"
)

// Quotas enforces request quotas the way AWS documents them for KMS: a rate
// per operation, counted separately for each account and Region, each
// operation independently of the others. Each (account, Region, operation)
// has a token bucket that holds one second's worth of requests (at least
// one), starts full and refills continuously at the rate; a request finds a
// token or is throttled.
//
// Scale speeds time up for tests and benchmarks: with Scale 10 a bucket
// refills ten times as fast, as if each real second were ten, so a workload
// bound by the documented quotas finishes ten times sooner and still meets
// the same bound. The bucket sizes do not change.
//
// A nil *Quotas allows everything. It is safe for concurrent use.
type Quotas struct {
	mu      sync.Mutex
	rates   map[string]float64
	scale   float64
	now     func() time.Time
	buckets map[quotaKey]*bucket
	denied  map[string]int
	allowed map[string]int
}

type quotaKey struct{ account, region, op string }

type bucket struct {
	tokens float64
	last   time.Time
}

// QuotaOptions configures [NewQuotas].
type QuotaOptions struct {
	// Scale is how many emulated seconds pass in each real second. If
	// zero or negative, 1.
	Scale float64
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
}

// NewQuotas returns quotas with rates, a map from operation name to
// requests per second (a copy is kept). Operations without a positive rate
// are not limited.
func NewQuotas(rates map[string]float64, optFns ...func(*QuotaOptions)) *Quotas {
	o := QuotaOptions{Scale: 1, Now: time.Now}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	q := &Quotas{rates: map[string]float64{}, scale: o.Scale, now: o.Now,
		buckets: map[quotaKey]*bucket{}, denied: map[string]int{}, allowed: map[string]int{}}
	for op, r := range rates {
		if r > 0 {
			q.rates[op] = r
		}
	}
	return q
}

// Rate returns the rate of op in requests per emulated second, and whether
// op is limited.
func (q *Quotas) Rate(op string) (float64, bool) {
	if q == nil {
		return 0, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	r, ok := q.rates[op]
	return r, ok
}

// Scale returns the time scale.
func (q *Quotas) Scale() float64 {
	if q == nil {
		return 1
	}
	return q.scale
}

// Burst returns how many requests of op a full bucket lets through at once:
// one second's worth, at least one.
func (q *Quotas) Burst(op string) int {
	r, ok := q.Rate(op)
	if !ok {
		return 0
	}
	return burst(r)
}

func burst(rate float64) int {
	if rate < 1 {
		return 1
	}
	return int(rate)
}

// Allow takes a token for one request of op in account and Region, and
// reports whether there was one; false means the request is throttled.
func (q *Quotas) Allow(account, region, op string) bool {
	if q == nil {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	rate, ok := q.rates[op]
	if !ok {
		return true
	}
	now := q.now()
	k := quotaKey{account, region, op}
	b := q.buckets[k]
	size := float64(burst(rate))
	if b == nil {
		b = &bucket{tokens: size, last: now}
		q.buckets[k] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(size, b.tokens+el.Seconds()*q.scale*rate)
		b.last = now
	}
	if b.tokens < 1 {
		q.denied[op]++
		return false
	}
	b.tokens--
	q.allowed[op]++
	return true
}

// Throttled returns how many requests of op were throttled; op "" counts
// every operation.
func (q *Quotas) Throttled(op string) int {
	if q == nil {
		return 0
	}
	return q.count(q.denied, op)
}

// Allowed returns how many requests of op found a token; op "" counts every
// operation.
func (q *Quotas) Allowed(op string) int {
	if q == nil {
		return 0
	}
	return q.count(q.allowed, op)
}

func (q *Quotas) count(m map[string]int, op string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if op != "" {
		return m[op]
	}
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// Reset refills every bucket and clears the counts.
func (q *Quotas) Reset() {
	if q == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.buckets)
	clear(q.denied)
	clear(q.allowed)
}
