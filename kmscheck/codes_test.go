package kmscheck

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestErrorCodes keeps the spelled-out error codes equal to the SDK's and
// pins which codes mean the key cannot be used now.
func TestErrorCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ constant, sdk string }{
		{codeNotFound, (&types.NotFoundException{}).ErrorCode()},
		{codeDryRun, (&types.DryRunOperationException{}).ErrorCode()},
	} {
		if c.constant != c.sdk {
			t.Errorf("constant %q, SDK error code %q", c.constant, c.sdk)
		}
	}
	tests := []struct {
		code string
		want bool
	}{
		{"DisabledException", true},
		{"KMSInvalidStateException", true},
		{"KeyUnavailableException", true},
		{"InvalidKeyUsageException", true},
		{"NotFoundException", true},
		{"IncorrectKeyException", true},
		{"UnsupportedOperationException", true},
		{codeAccessDenied, false},
		{codeDryRun, false},
		{"ThrottlingException", false},
		{"KMSInternalException", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := keyNotUsable(tt.code); got != tt.want {
			t.Errorf("keyNotUsable(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}
