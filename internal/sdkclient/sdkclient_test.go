package sdkclient

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type fake struct{}

func (fake) Options() kms.Options { return kms.Options{} }

func TestUnbuilt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{name: "a zero kms.Client", v: &kms.Client{}, want: true},
		{name: "a zero control-plane client", v: &bedrockagentcorecontrol.Client{}, want: true},
		{name: "a zero data-plane client", v: &bedrockagentcore.Client{}, want: true},
		{name: "a zero s3 client", v: &s3.Client{}, want: true},
		{name: "kms.New with no options", v: kms.New(kms.Options{}), want: false},
		{name: "NewFromConfig", v: s3.NewFromConfig(aws.Config{}), want: false},
		{name: "a typed nil is left to the nil check", v: (*kms.Client)(nil), want: false},
		{name: "nil", v: nil, want: false},
		{name: "not a client", v: "x", want: false},
		{name: "a fake with zero options is a zero client too", v: fake{}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Unbuilt(tt.v); got != tt.want {
				t.Errorf("Unbuilt(%T) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}
