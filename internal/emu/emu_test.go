package emu

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func TestFaultsAppendInOrder(t *testing.T) {
	t.Parallel()
	var q Faults
	a := Fault{StatusCode: 400, Code: "A", Message: "a"}
	b := Fault{StatusCode: 400, Code: "B", Message: "b"}
	q.InjectFault("Decrypt", a, 2)
	q.InjectFault("Decrypt", b, 1) // appends: does not replace the two a's
	q.InjectFault(AnyOp, ThrottlingFault(), 1)
	q.InjectFault("Decrypt", a, 0)
	var got []string
	for range 5 {
		f, ok := q.Next("Decrypt")
		if !ok {
			got = append(got, "none")
			continue
		}
		got = append(got, f.Code)
	}
	want := []string{"A", "A", "B", CodeThrottling, "none"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("faults taken (-want +got):\n%s", d)
	}
}

func TestFaultsAnyOp(t *testing.T) {
	t.Parallel()
	var q Faults
	q.InjectFault("", InternalFault(), 1)
	q.InjectFault("Encrypt", ThrottlingFault(), 1)
	if got := q.Pending(AnyOp); got != 1 {
		t.Errorf("Pending(AnyOp) = %d, want 1", got)
	}
	if f, ok := q.Next("DescribeKey"); !ok || f.Code != CodeInternal {
		t.Errorf("Next(DescribeKey) = %+v, %v; want the fault for any operation", f, ok)
	}
	if _, ok := q.Next("DescribeKey"); ok {
		t.Error("Next(DescribeKey) took the fault queued for Encrypt")
	}
	if got := q.Pending("Encrypt"); got != 1 {
		t.Errorf("Pending(Encrypt) = %d, want 1", got)
	}
	q.Reset()
	if _, ok := q.Next("Encrypt"); ok {
		t.Error("Next after Reset found a fault")
	}
}

func TestFaultErr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         Fault
		wantStatus int
		wantCode   string
		wantFault  smithy.ErrorFault
	}{
		{name: "throttling is a client fault with 429", in: ThrottlingFault(), wantStatus: http.StatusTooManyRequests, wantCode: CodeThrottling, wantFault: smithy.FaultClient},
		{name: "internal is a server fault with 500", in: InternalFault(), wantStatus: 500, wantCode: CodeInternal, wantFault: smithy.FaultServer},
		{name: "zero value gets the defaults", in: Fault{}, wantStatus: 500, wantCode: CodeInternal, wantFault: smithy.FaultServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.in.Err()
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("Err() = %T, not a smithy.APIError", err)
			}
			var fe *FaultError
			if !errors.As(err, &fe) {
				t.Fatalf("Err() = %T, not a *FaultError", err)
			}
			if ae.ErrorCode() != tt.wantCode || ae.ErrorFault() != tt.wantFault || fe.HTTPStatusCode() != tt.wantStatus || ae.ErrorMessage() == "" {
				t.Errorf("Err() = code %q fault %v status %d message %q; want %q %v %d and a message",
					ae.ErrorCode(), ae.ErrorFault(), fe.HTTPStatusCode(), ae.ErrorMessage(), tt.wantCode, tt.wantFault, tt.wantStatus)
			}
		})
	}
}

func TestNilSafe(t *testing.T) {
	t.Parallel()
	var q *Faults
	q.InjectFault("x", InternalFault(), 1)
	q.Reset()
	if _, ok := q.Next("x"); ok || q.Pending("x") != 0 {
		t.Error("a nil *Faults has a fault")
	}
	var l *Latency
	l.SetLatency(time.Hour)
	if err := l.Wait(t.Context()); err != nil || l.Duration() != 0 {
		t.Errorf("a nil *Latency waits: %v, %v", err, l.Duration())
	}
	var r *Recorder[int]
	r.Record(1)
	r.Reset()
	if r.Requests() != nil || r.Len() != 0 || r.Total() != 0 {
		t.Error("a nil *Recorder recorded")
	}
	var fe *FaultError
	if fe.Error() == "" || fe.ErrorCode() != "" || fe.HTTPStatusCode() != 0 || fe.ErrorMessage() != "" || fe.ErrorFault() != smithy.FaultUnknown {
		t.Error("a nil *FaultError answers")
	}
}

func TestLatencyWaitCancelled(t *testing.T) {
	t.Parallel()
	var l Latency
	l.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait(cancelled) = %v, want context.Canceled", err)
	}
	l.SetLatency(0)
	if err := l.Wait(ctx); err != nil {
		t.Errorf("Wait with no latency = %v, want nil", err)
	}
}

func TestRecorderRing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		capacity  int
		add       int
		want      []int
		wantTotal uint64
	}{
		{name: "under capacity keeps all", capacity: 4, add: 3, want: []int{0, 1, 2}, wantTotal: 3},
		{name: "over capacity keeps the newest, oldest first", capacity: 4, add: 10, want: []int{6, 7, 8, 9}, wantTotal: 10},
		{name: "exactly full", capacity: 3, add: 3, want: []int{0, 1, 2}, wantTotal: 3},
		{name: "negative records nothing but counts", capacity: -1, add: 5, want: []int{}, wantTotal: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewRecorder[int](tt.capacity)
			for i := range tt.add {
				r.Record(i)
			}
			if d := cmp.Diff(tt.want, r.Requests()); d != "" {
				t.Errorf("Requests() (-want +got):\n%s", d)
			}
			if r.Total() != tt.wantTotal || r.Len() != len(tt.want) {
				t.Errorf("Total, Len = %d, %d; want %d, %d", r.Total(), r.Len(), tt.wantTotal, len(tt.want))
			}
		})
	}
}

func TestRecorderDefaultCapacityAndCopy(t *testing.T) {
	t.Parallel()
	var r Recorder[int]
	for i := range DefaultCapacity + 5 {
		r.Record(i)
	}
	got := r.Requests()
	if len(got) != DefaultCapacity || got[0] != 5 {
		t.Fatalf("zero Recorder kept %d records starting at %d; want %d starting at 5", len(got), got[0], DefaultCapacity)
	}
	got[0] = -1
	if r.Requests()[0] != 5 {
		t.Error("Requests() returned the ring itself, not a copy")
	}
	r.Reset()
	if r.Len() != 0 || r.Total() != 0 {
		t.Error("Reset kept records")
	}
}

func BenchmarkRecorder(b *testing.B) {
	b.ReportAllocs()
	r := NewRecorder[[4]string](1000)
	for i := range b.N {
		r.Record([4]string{"Decrypt", "arn:aws:iam::111122223333:role/x", "key", string(rune(i))})
	}
}
