package kmscheck_test

import (
	"context"
	"errors"
	"testing"

	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/kmscheck"
)

func TestReportAnswered(t *testing.T) {
	t.Parallel()
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not allowed", Fault: smithy.FaultClient}
	internal := &smithy.GenericAPIError{Code: "KMSInternalException", Message: "oops", Fault: smithy.FaultServer}
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}
	unknown := func(err error) kmscheck.Finding {
		return kmscheck.Finding{ID: "key.state", Status: kmscheck.StatusUnknown, Err: err}
	}
	tests := []struct {
		name string
		rep  *kmscheck.Report
		want bool
	}{
		{name: "nil report", rep: nil, want: false},
		{name: "no findings", rep: &kmscheck.Report{}, want: false},
		{name: "a passed finding", rep: &kmscheck.Report{Findings: []kmscheck.Finding{unknown(internal), {ID: "key.spec", Status: kmscheck.StatusPass}}}, want: true},
		{name: "a failed finding", rep: &kmscheck.Report{Findings: []kmscheck.Finding{{ID: "key.state", Status: kmscheck.StatusFail}}}, want: true},
		{name: "a refusal is an answer", rep: &kmscheck.Report{Findings: []kmscheck.Finding{unknown(denied)}}, want: true},
		{name: "server errors, throttling and timeouts are none", rep: &kmscheck.Report{Findings: []kmscheck.Finding{
			unknown(internal), unknown(throttled), unknown(context.DeadlineExceeded), unknown(errors.New("dial tcp: connection refused")), unknown(nil),
		}}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.rep.Answered(); got != tt.want {
				t.Errorf("Answered() = %v, want %v", got, tt.want)
			}
		})
	}
}
