package emu

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Request records one request an HTTP emulator served
// (policyenginetest.Request and batchevaltest.Request are this type).
type Request struct {
	// Operation is the operation name, such as "CreatePolicyEngine", or ""
	// for a request that matched no operation.
	Operation string
	// AccessKeyID is the access key id of the request's SigV4 signature.
	AccessKeyID string
	// Principal is the IAM principal the access key id is mapped to, or ""
	// if it is not recognised.
	Principal string
	// StatusCode is the HTTP status of the response (499 when the client
	// went away before the emulator answered).
	StatusCode int
	// ErrorCode is the error code of a failed response, or "".
	ErrorCode string
	// Time is when the request arrived, on the emulator's clock.
	Time time.Time
}

// StatusClientGone is the status recorded for a request whose client went
// away while the emulator waited its latency: nothing is written.
const StatusClientGone = 499

// Front is what every HTTP emulator of the module does around an operation:
// a count per operation, a bounded record of the requests served, the
// latency before each and the queue of injected faults. Its methods are safe
// for concurrent use and nil-safe.
type Front struct {
	// Faults are the faults injected in place of operations.
	Faults Faults
	// Latency is the delay before every request.
	Latency Latency

	recorder *Recorder[Request]
	mu       sync.Mutex
	counts   map[string]int
}

// NewFront returns a Front that keeps the last maxRequests requests (as
// [NewRecorder]) and adds latency before every request.
func NewFront(maxRequests int, latency time.Duration) *Front {
	f := &Front{recorder: NewRecorder[Request](maxRequests), counts: map[string]int{}}
	f.Latency.SetLatency(latency)
	return f
}

// Requests returns the most recent requests served, oldest first.
func (f *Front) Requests() []Request {
	if f == nil {
		return nil
	}
	return f.recorder.Requests()
}

// RequestCount reports how many requests for op the emulator received,
// including failed ones and those no longer kept by [Front.Requests].
func (f *Front) RequestCount(op string) int {
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

// Exchange is one request going through a [Front]: the response writer,
// which remembers the status and error code written, and the request's
// record, which [Exchange.Finish] adds to the front's.
type Exchange struct {
	// W is the response writer the emulator answers through.
	W *StatusWriter
	// Rec is the request's record; the emulator sets Principal.
	Rec   Request
	front *Front
}

// Start counts a request for op, signed with accessKeyID, and returns its
// exchange. codeHeader is the response header that carries the protocol's
// error code (X-Amzn-ErrorType for REST-JSON, X-Amz-Error-Code for S3).
// Defer [Exchange.Finish] right after, then set Rec.Time from the
// emulator's clock, which may panic too.
func (f *Front) Start(w http.ResponseWriter, op, accessKeyID, codeHeader string) *Exchange {
	x := &Exchange{W: &StatusWriter{ResponseWriter: w, CodeHeader: codeHeader}, Rec: Request{Operation: op, AccessKeyID: accessKeyID}, front: f}
	if f != nil {
		f.mu.Lock()
		f.counts[op]++
		f.mu.Unlock()
	}
	return x
}

// Wait waits the front's latency. It reports false when ctx (the request's)
// ends first: the client went away, so nothing is written and the request
// is recorded with [StatusClientGone].
func (x *Exchange) Wait(ctx context.Context) bool {
	if x.front == nil || x.front.Latency.Wait(ctx) == nil {
		return true
	}
	x.W.Status = StatusClientGone
	return false
}

// Finish records the request with the status and error code written. Defer
// it: a panic of the emulator's handler is then answered with onPanic
// (given the writer and the panic's value) unless a response was begun,
// never with a dropped connection.
func (x *Exchange) Finish(onPanic func(w http.ResponseWriter, v any)) {
	if v := recover(); v != nil && x.W.Status == 0 {
		onPanic(x.W, v)
	}
	x.Rec.StatusCode, x.Rec.ErrorCode = x.W.Status, x.W.Code
	if x.front != nil {
		x.front.recorder.Record(x.Rec)
	}
}

// StatusWriter is an http.ResponseWriter that remembers the status written
// and the error code in its CodeHeader.
type StatusWriter struct {
	http.ResponseWriter
	// CodeHeader is the header that carries the protocol's error code.
	CodeHeader string
	// Status is the status written, 0 before any.
	Status int
	// Code is the error code written, or "".
	Code string
}

// WriteHeader remembers code and the error code header, and writes them.
func (s *StatusWriter) WriteHeader(code int) {
	s.Status = code
	s.Code = s.Header().Get(s.CodeHeader)
	s.ResponseWriter.WriteHeader(code)
}

// Write writes b, with status 200 if none was written.
func (s *StatusWriter) Write(b []byte) (int, error) {
	if s.Status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}
