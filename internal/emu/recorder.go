package emu

import "sync"

// DefaultCapacity is how many requests a [Recorder] keeps when its capacity
// is zero.
const DefaultCapacity = 10_000

// Recorder keeps the most recent requests an emulator served, in a ring of
// fixed capacity, so that memory per recorded request is bounded however
// long the emulator runs. T is the emulator's own record type. The zero
// value keeps [DefaultCapacity] requests. It is safe for concurrent use.
type Recorder[T any] struct {
	mu       sync.Mutex
	capacity int // 0: DefaultCapacity; negative: record nothing
	buf      []T // grows up to the capacity, then wraps
	next     int // where the next record goes once buf is full
	total    uint64
}

// NewRecorder returns a recorder that keeps the last capacity requests: 0
// means [DefaultCapacity], a negative capacity records nothing (Total still
// counts).
func NewRecorder[T any](capacity int) *Recorder[T] {
	return &Recorder[T]{capacity: capacity}
}

func (r *Recorder[T]) limit() int {
	if r.capacity == 0 {
		return DefaultCapacity
	}
	return max(r.capacity, 0)
}

// Record adds v, dropping the oldest record when the ring is full.
func (r *Recorder[T]) Record(v T) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	n := r.limit()
	switch {
	case n == 0:
	case len(r.buf) < n:
		r.buf = append(r.buf, v)
	default:
		r.buf[r.next] = v
		r.next = (r.next + 1) % n
	}
}

// Requests returns a copy of the records kept, oldest first.
func (r *Recorder[T]) Requests() []T {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]T, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

// Len returns how many records are kept.
func (r *Recorder[T]) Len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.buf)
}

// Total returns how many records were added since the recorder was made or
// last reset, including those dropped from the ring.
func (r *Recorder[T]) Total() uint64 {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// Reset forgets every record and sets Total back to zero.
func (r *Recorder[T]) Reset() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.buf, r.next, r.total = nil, 0, 0
	r.mu.Unlock()
}
