package policyengine_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/policyengine"
)

func TestGrantsOf(t *testing.T) {
	t.Parallel()
	const (
		key    = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		engine = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-1"
		other  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-2"
	)
	grant := func(id, arn string, ops ...kmstypes.GrantOperation) kmstypes.GrantListEntry {
		return kmstypes.GrantListEntry{GrantId: aws.String(id), Operations: ops,
			Constraints: &kmstypes.GrantConstraints{EncryptionContextSubset: map[string]string{policyengine.ContextKey: arn}}}
	}
	mgmt := grant("g1", engine, kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt)
	eval := grant("g2", engine, kmstypes.GrantOperationDecrypt, kmstypes.GrantOperationReEncryptFrom)
	tests := []struct {
		name      string
		grants    []kmstypes.GrantListEntry
		want      policyengine.GrantState
		wantIncon bool
		wantErr   bool
	}{
		{name: "both", grants: []kmstypes.GrantListEntry{mgmt, eval}, want: policyengine.GrantsBoth},
		{name: "neither: only another engine's", grants: []kmstypes.GrantListEntry{grant("g3", other, kmstypes.GrantOperationDecrypt)}, want: policyengine.GrantsNone},
		{name: "only the management grant", grants: []kmstypes.GrantListEntry{mgmt}, want: policyengine.GrantsOnlyManagement, wantIncon: true},
		{name: "a bound grant without its id", grants: []kmstypes.GrantListEntry{{Operations: mgmt.Operations, Constraints: mgmt.Constraints}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pair, err := policyengine.GrantsOf(tt.grants, key, engine)
			var inc *policyengine.GrantsInconsistentError
			var ia *policyengine.IncompleteAnswerError
			switch {
			case tt.wantErr:
				if !errors.As(err, &ia) {
					t.Errorf("GrantsOf = %v, want an *IncompleteAnswerError", err)
				}
			case tt.wantIncon != errors.As(err, &inc) || (!tt.wantIncon && err != nil):
				t.Errorf("GrantsOf error = %v, want inconsistent %v", err, tt.wantIncon)
			case pair.State() != tt.want:
				t.Errorf("GrantsOf state = %v, want %v", pair.State(), tt.want)
			}
		})
	}
}
