package kmscheck

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// TestErrorCodes pins which KMS error codes kmscheck reads as "the key
// cannot be used now" (the dry run is then not probed): the module's one
// table in internal/agentcore, with NotFoundException as a missing key.
func TestErrorCodes(t *testing.T) {
	t.Parallel()
	notUsable := func(code string) bool {
		k := agentcore.KindOfCode(code)
		return k == agentcore.KindKeyNotUsable || k == agentcore.KindKeyNotFound
	}
	tests := []struct {
		code string
		want bool
	}{
		{"DisabledException", true},
		{"KMSInvalidStateException", true},
		{"KeyUnavailableException", true},
		{"InvalidKeyUsageException", true},
		{(&types.NotFoundException{}).ErrorCode(), true},
		{"IncorrectKeyException", true},
		{"UnsupportedOperationException", true},
		{agentcore.CodeAccessDenied, false},
		{(&types.DryRunOperationException{}).ErrorCode(), false},
		{"ThrottlingException", false},
		{"KMSInternalException", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := notUsable(tt.code); got != tt.want {
			t.Errorf("not usable(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
	if agentcore.KindOfCode("DryRunOperationException") != agentcore.KindDryRunSucceeded {
		t.Error("DryRunOperationException is not the dry run's success")
	}
}
