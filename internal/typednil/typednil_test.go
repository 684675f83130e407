package typednil

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

type describer interface {
	Options() kms.Options
}

func TestIs(t *testing.T) {
	var nilClient *kms.Client
	var nilIface describer
	var typedNil describer = nilClient
	tests := []struct {
		name string
		in   any
		want bool
	}{
		{"untyped nil", nil, true},
		{"nil interface", nilIface, true},
		{"interface holding a nil *kms.Client", typedNil, true},
		{"nil func", (func())(nil), true},
		{"nil map", map[string]int(nil), true},
		{"real client", kms.New(kms.Options{Region: "us-east-1"}), false},
		{"value type", 42, false},
		{"empty struct", struct{}{}, false},
	}
	for _, tt := range tests {
		if got := Is(tt.in); got != tt.want {
			t.Errorf("%s: Is = %v, want %v", tt.name, got, tt.want)
		}
	}
}
