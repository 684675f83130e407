package agentcoretest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

func TestSandboxWiresEveryService(t *testing.T) {
	t.Parallel()
	sb, err := agentcoretest.Start("ExampleRole")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ctx := t.Context()
	if want := "arn:aws:iam::111122223333:role/ExampleRole"; sb.Principal != want {
		t.Errorf("Principal = %s, want %s", sb.Principal, want)
	}
	key, err := sb.NewKey(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	pe, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("Sandboxed"), EncryptionKeyArn: aws.String(key),
	})
	if err != nil {
		t.Fatalf("CreatePolicyEngine under the documented key policy: %v", err)
	}
	got, err := sb.ControlPlane.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: pe.PolicyEngineId})
	if err != nil || got.Status != types.PolicyEngineStatusActive {
		t.Fatalf("GetPolicyEngine = %v, %v; want ACTIVE", got, err)
	}
	if grants, err := sb.Emulators.KMS.Grants(key); err != nil || len(grants) != 2 {
		t.Errorf("grants on the key = %d, %v; want the engine's two", len(grants), err)
	}
	be, err := sb.DataPlane.StartBatchEvaluation(ctx, &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("sandboxed"), KmsKeyArn: aws.String(key),
		Evaluators: []batchtypes.Evaluator{{EvaluatorId: aws.String("Builtin.Helpfulness")}},
		DataSourceConfig: &batchtypes.DataSourceConfigMemberCloudWatchLogs{Value: batchtypes.CloudWatchLogsSource{
			ServiceNames: []string{"agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/agent"},
		}},
	})
	if err != nil {
		t.Fatalf("StartBatchEvaluation under the documented key policy: %v", err)
	}
	if aws.ToString(be.KmsKeyArn) != key {
		t.Errorf("batch evaluation key = %s, want %s", aws.ToString(be.KmsKeyArn), key)
	}
	put, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("archive"), Key: aws.String("results.json"), Body: strings.NewReader("{}"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(key),
	})
	if err != nil {
		t.Fatalf("PutObject with SSE-KMS: %v", err)
	}
	if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != key {
		t.Errorf("PutObject answered %s %q, want aws:kms %s", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), key)
	}
}

func TestSandboxOtherRoles(t *testing.T) {
	t.Parallel()
	sb, err := agentcoretest.Start("Owner", func(o *agentcoretest.Options) {
		o.Region, o.Account = "eu-west-1", "444455556666"
		// Without root delegation, only what the key policy names is allowed:
		// IAM policies are not emulated.
		o.KMS = append(o.KMS, func(ko *kmstest.Options) { ko.RootDelegation = false })
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ctx := t.Context()
	key, err := sb.NewKey(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "arn:aws:kms:eu-west-1:444455556666:key/") {
		t.Errorf("key = %s, want one in eu-west-1 of 444455556666", key)
	}
	other, err := sb.As("Stranger")
	if err != nil {
		t.Fatal(err)
	}
	if other.AccessKeyID == sb.AccessKeyID || other.Principal != "arn:aws:iam::444455556666:role/Stranger" {
		t.Errorf("As gave %+v", other)
	}
	// The documented key policy names Owner, not Stranger.
	_, err = other.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("NotMine"), EncryptionKeyArn: aws.String(key),
	})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || ae.ErrorMessage() != agentcore.MessageAccessDenied {
		t.Errorf("CreatePolicyEngine as a role the key policy does not name = %v, want the documented AccessDeniedException", err)
	}
}

func TestSandboxBadInput(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func() (*agentcoretest.Sandbox, error){
		"a role name with a space": func() (*agentcoretest.Sandbox, error) { return agentcoretest.Start("my role") },
		"an ARN of another service": func() (*agentcoretest.Sandbox, error) {
			return agentcoretest.Start("arn:aws:s3:::bucket")
		},
		"an unknown Region": func() (*agentcoretest.Sandbox, error) {
			return agentcoretest.Start("R", func(o *agentcoretest.Options) { o.Region = "mars-1" })
		},
		"a short account": func() (*agentcoretest.Sandbox, error) {
			return agentcoretest.Start("R", func(o *agentcoretest.Options) { o.Account = "1234" })
		},
	} {
		sb, err := start()
		if !errors.Is(err, agentcore.ErrInvalidInput) || sb != nil {
			t.Errorf("%s: Start = %v, %v; want an invalid-input error", name, sb, err)
		}
	}
	var nilSB *agentcoretest.Sandbox
	nilSB.Close()
	if _, err := nilSB.NewKey(context.Background(), ""); err == nil {
		t.Error("NewKey on a nil sandbox succeeded")
	}
	if _, err := nilSB.As("x"); err == nil {
		t.Error("As on a nil sandbox succeeded")
	}
	sb, err := agentcoretest.Start("R")
	if err != nil {
		t.Fatal(err)
	}
	sb.Close()
	sb.Close() // twice is fine
}
