package emu

import (
	"net/http"
	"sync"

	smithy "github.com/aws/smithy-go"
)

// Fault is an error response an emulator returns instead of running an
// operation.
type Fault struct {
	// StatusCode is the HTTP status, such as 429 or 500. If zero, 500.
	StatusCode int
	// Code is the error code the SDK decodes (the JSON "__type" or the
	// X-Amzn-ErrorType header), such as "ThrottlingException". If empty,
	// "InternalServerException".
	Code string
	// Message is the error message. If empty, "An internal error occurred
	// (injected)."
	Message string
}

// Error codes and messages of the faults this package builds.
const (
	// CodeThrottling is the code of [ThrottlingFault], which the SDK's
	// retryer retries.
	CodeThrottling = "ThrottlingException"
	// CodeInternal is the code of [InternalFault]: AgentCore's
	// InternalServerException. KMS answers KMSInternalException instead,
	// which kmstest.InternalFault sets.
	CodeInternal = "InternalServerException"
	// MessageInternal is the message of [InternalFault].
	MessageInternal = "An internal error occurred (injected)."
)

// ThrottlingFault returns the ThrottlingException fault (HTTP 429), which the
// SDK retries.
func ThrottlingFault() Fault {
	return Fault{StatusCode: http.StatusTooManyRequests, Code: CodeThrottling, Message: "Rate exceeded"}
}

// InternalFault returns the InternalServerException fault (HTTP 500), which
// the SDK retries.
func InternalFault() Fault {
	return Fault{StatusCode: http.StatusInternalServerError, Code: CodeInternal, Message: MessageInternal}
}

// Normalized returns f with the documented defaults filled in.
func (f Fault) Normalized() Fault {
	if f.StatusCode == 0 {
		f.StatusCode = http.StatusInternalServerError
	}
	if f.Code == "" {
		f.Code = CodeInternal
	}
	if f.Message == "" {
		f.Message = MessageInternal
	}
	return f
}

// Err returns f as an error: a *FaultError, which is a smithy.APIError with
// f's code and message, so a Go-form emulator fails as the SDK would after
// decoding f from the wire.
func (f Fault) Err() error {
	return &FaultError{Fault: f.Normalized()}
}

// FaultError is an injected [Fault] returned as an error. It implements
// smithy.APIError.
type FaultError struct {
	Fault Fault
}

var _ smithy.APIError = (*FaultError)(nil)

// Error returns "api error CODE: MESSAGE", as smithy's errors do.
func (e *FaultError) Error() string {
	if e == nil {
		return "<nil>"
	}
	return "api error " + e.Fault.Code + ": " + e.Fault.Message
}

// ErrorCode returns the fault's code.
func (e *FaultError) ErrorCode() string {
	if e == nil {
		return ""
	}
	return e.Fault.Code
}

// ErrorMessage returns the fault's message.
func (e *FaultError) ErrorMessage() string {
	if e == nil {
		return ""
	}
	return e.Fault.Message
}

// ErrorFault returns smithy.FaultServer for a 5xx status and
// smithy.FaultClient otherwise.
func (e *FaultError) ErrorFault() smithy.ErrorFault {
	if e == nil {
		return smithy.FaultUnknown
	}
	if e.Fault.StatusCode >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// HTTPStatusCode returns the fault's HTTP status.
func (e *FaultError) HTTPStatusCode() int {
	if e == nil {
		return 0
	}
	return e.Fault.StatusCode
}

// AnyOp is the operation name that [Faults.InjectFault] takes to mean every
// operation; "" means the same.
const AnyOp = "*"

// Faults is a queue of injected faults per operation. The zero value is an
// empty queue. It is safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	queues map[string][]Fault
}

// InjectFault appends n copies of f to the faults of operation op (such as
// "Decrypt"), so that the next n requests for op fail with f, after any
// faults already queued for op. op [AnyOp] ("*") or "" queues them for
// whichever operation comes next. n <= 0 injects nothing.
func (q *Faults) InjectFault(op string, f Fault, n int) {
	if q == nil || n <= 0 {
		return
	}
	if op == "" {
		op = AnyOp
	}
	f = f.Normalized()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.queues == nil {
		q.queues = map[string][]Fault{}
	}
	for range n {
		q.queues[op] = append(q.queues[op], f)
	}
}

// Next takes the next fault for a request for operation op: the oldest one
// queued for op, else the oldest one queued for any operation. It reports
// false, and takes nothing, when none is queued.
func (q *Faults) Next(op string) (Fault, bool) {
	if q == nil {
		return Fault{}, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, name := range [2]string{op, AnyOp} {
		if fs := q.queues[name]; len(fs) > 0 {
			f := fs[0]
			if len(fs) == 1 {
				delete(q.queues, name)
			} else {
				q.queues[name] = fs[1:]
			}
			return f, true
		}
	}
	return Fault{}, false
}

// Pending returns how many faults are queued for op alone (not counting
// those for any operation); op [AnyOp] counts those.
func (q *Faults) Pending(op string) int {
	if q == nil {
		return 0
	}
	if op == "" {
		op = AnyOp
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queues[op])
}

// Reset forgets every queued fault.
func (q *Faults) Reset() {
	if q == nil {
		return
	}
	q.mu.Lock()
	q.queues = nil
	q.mu.Unlock()
}
