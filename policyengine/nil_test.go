package policyengine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// TestMissingDependencies: a Client without the clients an operation needs
// returns an *InputError naming the missing one, never a nil-pointer panic.
func TestMissingDependencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const (
		keyARN    = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		engineARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	)
	noAPI := policyengine.New(nil, kmstest.New().Client(), func(o *policyengine.Options) { o.Region = "us-east-1" })
	noKMS := policyengine.New(nil, nil, func(o *policyengine.Options) { o.Region = "us-east-1" })
	var nilClient *policyengine.Client
	var nilKMS *kms.Client
	typedNilKMS := policyengine.New(nil, nilKMS, func(o *policyengine.Options) { o.Region = "us-east-1" })
	var nilSDK *bedrockagentcorecontrol.Client
	typedNilAPI := policyengine.New(nilSDK, nil) // New must not read the Region from it
	tests := []struct {
		name      string
		call      func() error
		wantField string
	}{
		{"Create without api", func() error {
			_, err := noAPI.Create(ctx, policyengine.CreateInput{Name: "MyPolicyEngine", KeyARN: keyARN})
			return err
		}, "api"},
		{"Get without api", func() error { _, err := noAPI.Get(ctx, "MyPolicyEngine-abc123"); return err }, "api"},
		{"WaitActive without api", func() error { _, err := noAPI.WaitActive(ctx, "MyPolicyEngine-abc123"); return err }, "api"},
		{"Delete without api", func() error { _, err := noAPI.Delete(ctx, "MyPolicyEngine-abc123"); return err }, "api"},
		{"Audit without api", func() error { _, err := noAPI.Audit(ctx); return err }, "api"},
		{"Grants without kms", func() error { _, err := noKMS.Grants(ctx, keyARN, engineARN); return err }, "kms"},
		{"RevokeGrants without kms", func() error { _, err := noKMS.RevokeGrants(ctx, keyARN, engineARN); return err }, "kms"},
		{"Grants with a nil *kms.Client", func() error { _, err := typedNilKMS.Grants(ctx, keyARN, engineARN); return err }, "kms"},
		{"Get with a nil *bedrockagentcorecontrol.Client", func() error { _, err := typedNilAPI.Get(ctx, "MyPolicyEngine-abc123"); return err }, "api"},
		{"nil Client", func() error { _, err := nilClient.Get(ctx, "MyPolicyEngine-abc123"); return err }, "Client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			var ie *policyengine.InputError
			if !errors.As(err, &ie) || ie.Field != tt.wantField || !errors.Is(err, policyengine.ErrInvalidInput) {
				t.Fatalf("error = %v; want an *InputError for field %q wrapping ErrInvalidInput", err, tt.wantField)
			}
		})
	}
}
