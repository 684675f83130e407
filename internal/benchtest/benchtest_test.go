package benchtest

import (
	"errors"
	"sync/atomic"
	"testing"
)

func TestParallel(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	res := testing.Benchmark(func(b *testing.B) {
		Parallel(b, func() error { calls.Add(1); return nil })
	})
	if res.N == 0 || calls.Load() < int64(res.N) {
		t.Errorf("N = %d, calls = %d; want at least N calls", res.N, calls.Load())
	}
	if _, ok := res.Extra["req/s"]; !ok {
		t.Errorf("no req/s metric in %v", res.Extra)
	}
	failed := testing.Benchmark(func(b *testing.B) {
		Parallel(b, func() error { return errors.New("refused") })
	})
	if failed.N != 0 {
		t.Errorf("a failing call still gave a result: N = %d", failed.N)
	}
}
