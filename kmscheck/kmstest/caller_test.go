package kmstest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// TestMapAccessKeyCallerOverTheWire: an access key mapped to a whole Caller
// makes HTTP requests carry its kms:ViaService, service principal and extra
// condition keys, so the documented statements that need them allow the
// request and the same identity without them is denied.
func TestMapAccessKeyCallerOverTheWire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const evalARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"
	pePolicy, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	bePolicy, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	k := kmstest.New()
	srv := k.NewServer()
	t.Cleanup(srv.Close)
	peKey := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(pePolicy.Compact()))}).KeyId)
	beKey := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(bePolicy.Compact()))}).KeyId)

	service := kmstest.Caller{Service: keypolicy.ServicePrincipalName, Context: map[string][]string{
		"aws:SourceAccount": {account}, "aws:SourceArn": {evalARN},
	}}
	k.MapAccessKeyCaller("AKIDVIA", kmstest.Caller{Principal: role, ViaService: via})
	k.MapAccessKeyCaller("AKIDSERVICE", service)
	k.MapAccessKeyCaller("AKIDSERVICEBARE", kmstest.Caller{Service: keypolicy.ServicePrincipalName})
	k.MapAccessKey("AKIDROLE", role)

	tests := []struct {
		name     string
		akid     string
		call     func(c *kms.Client) error
		wantCode string // "" for success
	}{
		{
			name: "the role through the service: the policy-engine validation statement allows DescribeKey",
			akid: "AKIDVIA",
			call: func(c *kms.Client) error {
				_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &peKey})
				return err
			},
		},
		{
			name: "the same role directly: no kms:ViaService, denied",
			akid: "AKIDROLE", wantCode: "AccessDeniedException",
			call: func(c *kms.Client) error {
				_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &peKey})
				return err
			},
		},
		{
			name: "the service principal with its source context: GenerateDataKey allowed",
			akid: "AKIDSERVICE",
			call: func(c *kms.Client) error {
				_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &beKey, KeySpec: types.DataKeySpecAes256,
					EncryptionContext: map[string]string{keypolicy.BatchEvaluationContextKey: evalARN}})
				return err
			},
		},
		{
			name: "the service principal without aws:SourceAccount and aws:SourceArn: denied",
			akid: "AKIDSERVICEBARE", wantCode: "AccessDeniedException",
			call: func(c *kms.Client) error {
				_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &beKey, KeySpec: types.DataKeySpecAes256,
					EncryptionContext: map[string]string{keypolicy.BatchEvaluationContextKey: evalARN}})
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(kmstest.NewSDKClient(srv.URL, tt.akid))
			if got := apiCode(err); got != tt.wantCode || (tt.wantCode == "" && err != nil) {
				t.Errorf("err = %v, want code %q", err, tt.wantCode)
			}
		})
	}

	// The recorded calls name the mapped callers.
	for akid, want := range map[string]string{"AKIDVIA": role, "AKIDSERVICE": keypolicy.ServicePrincipalName} {
		if got, ok := k.PrincipalForAccessKey(akid); got != want || !ok {
			t.Errorf("PrincipalForAccessKey(%s) = %q, %v; want %q, true", akid, got, ok, want)
		}
	}
	var sawVia, sawService bool
	for _, c := range k.Calls() {
		sawVia = sawVia || (c.Caller.Principal == role && c.Caller.ViaService == via)
		sawService = sawService || (c.Caller.Service == keypolicy.ServicePrincipalName && len(c.Caller.Context["aws:SourceArn"]) == 1)
	}
	if !sawVia || !sawService {
		t.Errorf("calls recorded without the mapped callers (via %v, service %v): %+v", sawVia, sawService, k.Calls())
	}
}
