// Package benchtest holds what the emulators' throughput benchmarks share:
// one call, from 16 goroutines whatever GOMAXPROCS is, timed and reported
// as requests per second.
package benchtest

import (
	"runtime"
	"testing"
)

// Goroutines is how many goroutines [Parallel] calls from.
const Goroutines = 16

// Parallel reports allocations, resets b's timer, calls call from
// [Goroutines] goroutines until b.N calls are made, stopping a goroutine at
// its first error (which fails b), and reports the rate as "req/s".
func Parallel(b *testing.B, call func() error) {
	b.Helper()
	b.ReportAllocs()
	b.SetParallelism(max(1, Goroutines/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
