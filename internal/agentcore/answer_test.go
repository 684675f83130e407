package agentcore

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestIncompleteResource(t *testing.T) {
	t.Parallel()
	id, arn, empty := "pe-1", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-1", ""
	tests := []struct {
		name    string
		id, arn *string
		status  string
		want    *IncompleteAnswerError
	}{
		{name: "complete", id: &id, arn: &arn, status: "ACTIVE"},
		{name: "no id", arn: &arn, status: "ACTIVE", want: &IncompleteAnswerError{Op: "GetPolicyEngine", Field: "PolicyEngineId", Resource: "pe-1"}},
		{name: "empty id", id: &empty, arn: &arn, status: "ACTIVE", want: &IncompleteAnswerError{Op: "GetPolicyEngine", Field: "PolicyEngineId", Resource: "pe-1"}},
		{name: "no ARN", id: &id, status: "ACTIVE", want: &IncompleteAnswerError{Op: "GetPolicyEngine", Field: "PolicyEngineArn", Resource: "pe-1"}},
		{name: "no status", id: &id, arn: &arn, want: &IncompleteAnswerError{Op: "GetPolicyEngine", Field: "Status", Resource: "pe-1"}},
		{name: "nothing: the id is named first", want: &IncompleteAnswerError{Op: "GetPolicyEngine", Field: "PolicyEngineId", Resource: "pe-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := IncompleteResource("GetPolicyEngine", "pe-1", "PolicyEngineId", "PolicyEngineArn", tt.id, tt.arn, tt.status)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("IncompleteResource (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNonNil(t *testing.T) {
	t.Parallel()
	if got := NonNil(); len(got) != 0 {
		t.Errorf("NonNil() = %v, want none", got)
	}
	got := NonNil(nil, ErrAccessDenied, nil, ErrKeyNotUsable, nil)
	if diff := cmp.Diff([]error{ErrAccessDenied, ErrKeyNotUsable}, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("NonNil (-want +got):\n%s", diff)
	}
}
