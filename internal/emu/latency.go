package emu

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/agentcorekms/agentcorekms/internal/loopback"
)

// Latency is the delay an emulator adds before every operation. The zero
// value adds none. It is safe for concurrent use.
type Latency struct {
	d atomic.Int64
}

// SetLatency sets the delay to d; d <= 0 means none.
func (l *Latency) SetLatency(d time.Duration) {
	if l == nil {
		return
	}
	l.d.Store(int64(d))
}

// Duration returns the delay set.
func (l *Latency) Duration() time.Duration {
	if l == nil {
		return 0
	}
	return time.Duration(l.d.Load())
}

// Wait waits for the delay, unless ctx is done first; it returns ctx.Err()
// then, and nil once the delay has passed (at once when there is none).
func (l *Latency) Wait(ctx context.Context) error {
	if !loopback.Wait(ctx, l.Duration()) {
		return ctx.Err()
	}
	return nil
}
