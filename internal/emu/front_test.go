package emu

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestFront(t *testing.T) {
	t.Parallel()
	f := NewFront(2, 0)
	f.Faults.InjectFault("Boom", InternalFault(), 1)
	serve := func(op string, h func(x *Exchange)) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		func() {
			x := f.Start(w, op, "AKIA1", "X-Amzn-ErrorType")
			defer x.Finish(func(w http.ResponseWriter, v any) {
				w.Header().Set("X-Amzn-ErrorType", "InternalFailure")
				w.WriteHeader(http.StatusInternalServerError)
			})
			x.Rec.Principal = "arn:aws:iam::111122223333:role/R"
			if !x.Wait(context.Background()) {
				return
			}
			h(x)
		}()
		return w
	}
	serve("Get", func(x *Exchange) { _, _ = x.W.Write([]byte("{}")) })
	serve("Get", func(x *Exchange) {
		x.W.Header().Set("X-Amzn-ErrorType", "ValidationException")
		x.W.WriteHeader(http.StatusBadRequest)
	})
	if w := serve("Boom", func(x *Exchange) { panic("handler bug") }); w.Code != http.StatusInternalServerError {
		t.Errorf("a panic was answered %d, want 500", w.Code)
	}
	want := []Request{
		{Operation: "Get", AccessKeyID: "AKIA1", Principal: "arn:aws:iam::111122223333:role/R", StatusCode: 400, ErrorCode: "ValidationException"},
		{Operation: "Boom", AccessKeyID: "AKIA1", Principal: "arn:aws:iam::111122223333:role/R", StatusCode: 500, ErrorCode: "InternalFailure"},
	}
	if diff := cmp.Diff(want, f.Requests(), cmpopts.IgnoreFields(Request{}, "Time")); diff != "" {
		t.Errorf("Requests (-want +got), the last two kept:\n%s", diff)
	}
	if got := f.RequestCount("Get"); got != 2 {
		t.Errorf("RequestCount(Get) = %d, want 2", got)
	}
	if _, ok := f.Faults.Next("Boom"); !ok {
		t.Error("the injected fault is gone; the front must leave the queue to the emulator")
	}
}

func TestFrontClientGone(t *testing.T) {
	t.Parallel()
	f := NewFront(0, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := httptest.NewRecorder()
	x := f.Start(w, "Get", "AKIA1", "X-Amzn-ErrorType")
	if x.Wait(ctx) {
		t.Fatal("Wait returned true for a client that went away")
	}
	x.Finish(func(http.ResponseWriter, any) { t.Error("onPanic without a panic") })
	if got := f.Requests(); len(got) != 1 || got[0].StatusCode != StatusClientGone {
		t.Errorf("Requests = %+v, want one with status %d", got, StatusClientGone)
	}
	if w.Body.Len() != 0 {
		t.Errorf("wrote %q to a client that went away", w.Body)
	}
}

func TestNilFront(t *testing.T) {
	t.Parallel()
	var f *Front
	x := f.Start(httptest.NewRecorder(), "Get", "", "X-Amzn-ErrorType")
	if !x.Wait(context.Background()) {
		t.Error("a nil front waited")
	}
	x.Finish(func(http.ResponseWriter, any) {})
	if f.Requests() != nil || f.RequestCount("Get") != 0 {
		t.Error("a nil front recorded something")
	}
}
