package fleet_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/internal/ststest"
)

// An audit of one account, assumed through STS, whose policy engine's key
// was disabled: the engine's decisions are denied.
func ExampleAudit() {
	ctx := context.Background()
	sb, err := agentcoretest.Start("Creator")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()
	key, _ := sb.NewKey(ctx, "")
	out, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("orders"), EncryptionKeyArn: aws.String(key)})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = sb.ControlPlane.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	_, _ = sb.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(key)})

	// A loopback STS lets the audit role in.
	role := "arn:aws:iam::" + sb.Account + ":role/AgentCoreAudit"
	st := ststest.New()
	defer st.Close()
	st.Allow(role, func(accessKeyID string) { sb.Emulators.KMS.MapAccessKey(accessKeyID, role) })

	cfg := aws.Config{Region: sb.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")}
	clients := fleet.AssumeRole(cfg, func(o *fleet.AssumeRoleOptions) {
		o.STS = []func(*sts.Options){func(so *sts.Options) { so.BaseEndpoint = aws.String(st.URL) }}
		o.KMS = func(_ fleet.Account, _ string, ko *kms.Options) { ko.BaseEndpoint = aws.String(sb.Emulators.KMSURL) }
		o.ControlPlane = func(_ fleet.Account, _ string, co *bedrockagentcorecontrol.Options) {
			co.BaseEndpoint = aws.String(sb.Emulators.ControlPlaneURL)
		}
		o.DataPlane = func(_ fleet.Account, _ string, do *bedrockagentcore.Options) {
			do.BaseEndpoint = aws.String(sb.Emulators.DataPlaneURL)
		}
	})
	rep, err := fleet.Audit(ctx, fleet.Target{
		Accounts: []fleet.Account{{RoleARN: role, Principal: sb.Principal}},
		Regions:  []string{sb.Region},
	}, clients)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, res := range rep.Resources {
		for _, f := range res.Findings {
			fmt.Println(res.Consumer, res.Name, f.Code, f.Status, f.DeniedFrom != nil)
		}
	}
	for _, s := range rep.Scopes {
		fmt.Println(s.Consumer, "listing complete:", s.Complete)
	}
	fmt.Println("outcome:", rep.Outcome)
	// Output:
	// policy-engine orders KeyDisabled fail true
	// batch-evaluation listing complete: true
	// policy-engine listing complete: true
	// outcome: failed
}
