package kmscheck_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/kmscheck"
)

func TestOutcome(t *testing.T) {
	t.Parallel()
	pass := kmscheck.Finding{ID: "key.spec", Status: kmscheck.StatusPass}
	warn := kmscheck.Finding{ID: "key.reference", Status: kmscheck.StatusWarn}
	unknown := kmscheck.Finding{ID: "key.state", Status: kmscheck.StatusUnknown, Err: errors.New("timeout")}
	unknown2 := kmscheck.Finding{ID: "key.usage", Status: kmscheck.StatusUnknown, Err: unknown.Err}
	fail := kmscheck.Finding{ID: "key.manager", Status: kmscheck.StatusFail, Err: &kmscheck.FindingError{ID: "key.manager", Kinds: []error{kmscheck.ErrAccessDenied}}}
	tests := []struct {
		name        string
		r           *kmscheck.Report
		want        kmscheck.Outcome
		wantIs      error
		wantUnknown []string
	}{
		{name: "every finding passes or warns", r: &kmscheck.Report{Findings: []kmscheck.Finding{pass, warn}}, want: kmscheck.OutcomePassed},
		{name: "one failure", r: &kmscheck.Report{Findings: []kmscheck.Finding{pass, unknown, fail}}, want: kmscheck.OutcomeFailed, wantIs: kmscheck.ErrAccessDenied},
		{name: "every finding unknown", r: &kmscheck.Report{KeyID: "alias/x", Findings: []kmscheck.Finding{unknown, unknown2}}, want: kmscheck.OutcomeIncomplete, wantIs: kmscheck.ErrIncomplete, wantUnknown: []string{"key.state", "key.usage"}},
		{name: "one unknown among passes", r: &kmscheck.Report{Findings: []kmscheck.Finding{pass, unknown, warn}}, want: kmscheck.OutcomeIncomplete, wantIs: kmscheck.ErrIncomplete, wantUnknown: []string{"key.state"}},
		{name: "no findings", r: &kmscheck.Report{}, want: kmscheck.OutcomeIncomplete, wantIs: kmscheck.ErrIncomplete},
		{name: "a status this version does not know", r: &kmscheck.Report{Findings: []kmscheck.Finding{{ID: "x", Status: kmscheck.Status(9)}}}, want: kmscheck.OutcomeIncomplete, wantIs: kmscheck.ErrIncomplete, wantUnknown: []string{"x"}},
		{name: "nil", r: nil, want: kmscheck.OutcomeIncomplete, wantIs: kmscheck.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.r
			if got := r.Outcome(); got != tt.want {
				t.Errorf("Outcome() = %v, want %v", got, tt.want)
			}
			if r.Passed() != (tt.want == kmscheck.OutcomePassed) || r.Failed() != (tt.want == kmscheck.OutcomeFailed) ||
				r.Incomplete() != (tt.want == kmscheck.OutcomeIncomplete) || r.OK() != r.Passed() {
				t.Errorf("Passed %v Failed %v Incomplete %v OK %v, want only %v", r.Passed(), r.Failed(), r.Incomplete(), r.OK(), tt.want)
			}
			err := r.Err()
			if (err == nil) != (tt.want == kmscheck.OutcomePassed) {
				t.Fatalf("Err() = %v with outcome %v; want nil only when passed", err, tt.want)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Err() = %v, want it to wrap %v", err, tt.wantIs)
			}
			var ie *kmscheck.IncompleteError
			if errors.As(err, &ie) {
				if diff := cmp.Diff(tt.wantUnknown, ie.Unknown); diff != "" {
					t.Errorf("unknown ids (-want +got):\n%s", diff)
				}
				if len(tt.wantUnknown) > 0 && tt.wantUnknown[0] == unknown.ID && (len(ie.Errs) != 1 || !errors.Is(err, unknown.Err)) {
					t.Errorf("causes %v, want the one shared cause", ie.Errs)
				}
			} else if tt.want == kmscheck.OutcomeIncomplete && r != nil {
				t.Errorf("Err() = %T, want *IncompleteError", err)
			}
		})
	}
}

func TestOutcomeText(t *testing.T) {
	t.Parallel()
	for o, want := range map[kmscheck.Outcome]string{kmscheck.OutcomeIncomplete: "incomplete", kmscheck.OutcomePassed: "passed", kmscheck.OutcomeFailed: "failed"} {
		b, err := json.Marshal(o)
		if err != nil || string(b) != `"`+want+`"` {
			t.Errorf("json(%v) = %s, %v", o, b, err)
		}
		var back kmscheck.Outcome = -1
		if err := json.Unmarshal(b, &back); err != nil || back != o {
			t.Errorf("round trip of %s = %v, %v", want, back, err)
		}
	}
	var zero kmscheck.Outcome
	if zero != kmscheck.OutcomeIncomplete {
		t.Error("the zero Outcome must be incomplete")
	}
	var o kmscheck.Outcome
	if err := o.UnmarshalText([]byte("ok")); err == nil {
		t.Error("UnmarshalText accepted ok")
	}
}

// Every exported method on a pointer type is safe on nil.
func TestNilSafety(t *testing.T) {
	t.Parallel()
	var r *kmscheck.Report
	if _, ok := r.Finding("key.state"); ok {
		t.Error("nil Report has a finding")
	}
	if got := r.WithStatus(kmscheck.StatusPass); got != nil {
		t.Errorf("nil WithStatus = %v", got)
	}
	var fe *kmscheck.FindingError
	var ie *kmscheck.IncompleteError
	var in *kmscheck.InputError
	var mf *kmscheck.MissingFieldError
	for _, e := range []error{fe, ie, in, mf} {
		if e.Error() == "" {
			t.Errorf("%T nil: empty Error()", e)
		}
	}
	if fe.Unwrap() != nil || !errors.Is(ie, kmscheck.ErrIncomplete) {
		t.Error("nil Unwrap")
	}
}
