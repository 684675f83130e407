package agentcoretest

import (
	"sync"
	"time"
)

// Clock is a fake clock that a test moves by hand, for [Options.Now] (or
// one emulator's Now option): status changes that take time in AWS then
// happen when the test says, never after a sleep. It is safe for concurrent
// use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock that reads t until it is moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time; the zero time on a nil *Clock.
func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Time{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d. It does nothing on a nil *Clock.
func (c *Clock) Add(d time.Duration) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
