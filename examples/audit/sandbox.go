package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/internal/ststest"
)

// Sandbox accounts, Regions and roles.
var (
	sandboxAccounts = []string{"111122223333", "444455556666"}
	sandboxRegions  = []string{"us-east-1", "eu-west-1"}
)

const (
	creatorRole = "Creator"
	auditRole   = "AgentCoreAudit"
)

// sandbox is one emulator sandbox per account and Region, a loopback STS
// that lets each account's audit role in, and the audit's target.
type sandbox struct {
	sts     *ststest.STS
	sb      map[[2]string]*agentcoretest.Sandbox
	regions []string
	target  fleet.Target
	clients fleet.ClientsFunc
}

func (s *sandbox) Close() {
	for _, sb := range s.sb {
		sb.Close()
	}
	if s.sts != nil {
		s.sts.Close()
	}
}

// startSandbox builds the sandbox: in every account and Region a key with
// the documented key policy, two policy engines and a batch evaluation;
// and in the first account's first Region an engine whose key is disabled,
// in the second account's second Region one whose key is pending deletion.
func startSandbox(ctx context.Context) (_ *sandbox, err error) {
	s := &sandbox{sts: ststest.New(), sb: map[[2]string]*agentcoretest.Sandbox{}, regions: sandboxRegions}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	for _, a := range sandboxAccounts {
		var sbs []*agentcoretest.Sandbox
		for _, region := range sandboxRegions {
			sb, err := agentcoretest.Start(creatorRole, func(o *agentcoretest.Options) { o.Account, o.Region = a, region })
			if err != nil {
				return nil, err
			}
			s.sb[[2]string{a, region}] = sb
			sbs = append(sbs, sb)
			if err := populate(ctx, sb); err != nil {
				return nil, err
			}
		}
		role := "arn:aws:iam::" + a + ":role/" + auditRole
		s.sts.Allow(role, func(ak string) {
			for _, sb := range sbs {
				sb.Emulators.KMS.MapAccessKey(ak, role)
			}
		})
		s.target.Accounts = append(s.target.Accounts, fleet.Account{RoleARN: role, Principal: "arn:aws:iam::" + a + ":role/" + creatorRole})
	}
	s.target.Regions = sandboxRegions
	if err := breakKey(ctx, s.sb[[2]string{sandboxAccounts[0], sandboxRegions[0]}], "disabled", func(sb *agentcoretest.Sandbox, key string) error {
		_, err := sb.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(key)})
		return err
	}); err != nil {
		return nil, err
	}
	if err := breakKey(ctx, s.sb[[2]string{sandboxAccounts[1], sandboxRegions[1]}], "doomed", func(sb *agentcoretest.Sandbox, key string) error {
		_, err := sb.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(key), PendingWindowInDays: aws.Int32(7)})
		return err
	}); err != nil {
		return nil, err
	}
	cfg := aws.Config{Region: sandboxRegions[0], Credentials: credentials.NewStaticCredentialsProvider("AKIASANDBOXADMIN", "sandbox", "")}
	s.clients = fleet.AssumeRole(cfg, func(o *fleet.AssumeRoleOptions) {
		o.STS = []func(*sts.Options){func(so *sts.Options) { so.BaseEndpoint = aws.String(s.sts.URL) }}
		o.KMS = func(a fleet.Account, region string, ko *kms.Options) {
			ko.BaseEndpoint = aws.String(s.at(a.ID, region).KMSURL)
		}
		o.ControlPlane = func(a fleet.Account, region string, co *bedrockagentcorecontrol.Options) {
			co.BaseEndpoint = aws.String(s.at(a.ID, region).ControlPlaneURL)
		}
		o.DataPlane = func(a fleet.Account, region string, do *bedrockagentcore.Options) {
			do.BaseEndpoint = aws.String(s.at(a.ID, region).DataPlaneURL)
		}
		// Loopback answers at once: retry quickly.
		o.Retryer = func() aws.Retryer { return fleet.NewRetryer(5, 20*time.Millisecond) }
	})
	return s, nil
}

// at returns the emulators of account and Region; an account or Region
// outside the sandbox gets an endpoint that refuses every connection.
func (s *sandbox) at(account, region string) agentcoretest.Emulators {
	if sb, ok := s.sb[[2]string{account, region}]; ok {
		return sb.Emulators
	}
	const nowhere = "http://127.0.0.1:1"
	return agentcoretest.Emulators{KMSURL: nowhere, ControlPlaneURL: nowhere, DataPlaneURL: nowhere}
}

// populate creates a key, two engines and a batch evaluation in sb.
func populate(ctx context.Context, sb *agentcoretest.Sandbox) error {
	key, err := sb.NewKey(ctx, "")
	if err != nil {
		return err
	}
	for _, name := range []string{"orders", "payments"} {
		if err := newEngine(ctx, sb, name, key); err != nil {
			return err
		}
	}
	_, err = sb.DataPlane.StartBatchEvaluation(ctx, &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("nightly"), KmsKeyArn: aws.String(key),
		Evaluators: []batchtypes.Evaluator{{EvaluatorId: aws.String("Builtin.Helpfulness")}},
		DataSourceConfig: &batchtypes.DataSourceConfigMemberCloudWatchLogs{Value: batchtypes.CloudWatchLogsSource{
			ServiceNames: []string{"agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/agent"},
		}},
	})
	if err != nil {
		return fmt.Errorf("starting a sandbox batch evaluation: %w", err)
	}
	return nil
}

// newEngine creates an engine and reads it once, which makes it ACTIVE.
func newEngine(ctx context.Context, sb *agentcoretest.Sandbox, name, key string) error {
	out, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String(name), EncryptionKeyArn: aws.String(key),
	})
	if err != nil {
		return fmt.Errorf("creating sandbox policy engine %s: %w", name, err)
	}
	_, err = sb.ControlPlane.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	return err
}

// breakKey creates a key with an engine, then breaks the key with fn.
func breakKey(ctx context.Context, sb *agentcoretest.Sandbox, name string, fn func(*agentcoretest.Sandbox, string) error) error {
	key, err := sb.NewKey(ctx, "")
	if err != nil {
		return err
	}
	if err := newEngine(ctx, sb, name, key); err != nil {
		return err
	}
	return fn(sb, key)
}
