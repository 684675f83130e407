package fleet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	cptypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/internal/ststest"
)

func newSTSB(tb testing.TB) *ststest.STS {
	tb.Helper()
	s := ststest.New()
	tb.Cleanup(s.Close)
	return s
}

// fleetRig is one sandbox per account and Region, a loopback STS that lets
// the audit role of each account in, and the clients the audit builds with
// fleet.AssumeRole through the real STS client.
type fleetRig struct {
	accounts []string
	regions  []string
	sb       map[[2]string]*agentcoretest.Sandbox
	sts      *ststest.STS
}

const (
	creatorRole = "Creator"   // creates the resources: the accounts' Principal
	auditRole   = "AuditRole" // assumed by the audit
)

func newFleetRig(t *testing.T, accounts, regions []string, optFns ...func(*agentcoretest.Options)) *fleetRig {
	t.Helper()
	r := &fleetRig{accounts: accounts, regions: regions, sb: map[[2]string]*agentcoretest.Sandbox{}, sts: newSTSB(t)}
	for _, a := range accounts {
		var sbs []*agentcoretest.Sandbox
		for _, region := range regions {
			sb, err := agentcoretest.Start(creatorRole, append([]func(*agentcoretest.Options){func(o *agentcoretest.Options) {
				o.Account, o.Region = a, region
			}}, optFns...)...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sb.Close)
			r.sb[[2]string{a, region}] = sb
			sbs = append(sbs, sb)
		}
		role := "arn:aws:iam::" + a + ":role/" + auditRole
		r.sts.Allow(role, func(ak string) {
			for _, sb := range sbs {
				sb.Emulators.KMS.MapAccessKey(ak, role)
			}
		})
	}
	return r
}

func (r *fleetRig) at(account, region string) *agentcoretest.Sandbox {
	return r.sb[[2]string{account, region}]
}

func (r *fleetRig) target() fleet.Target {
	t := fleet.Target{Regions: r.regions}
	for _, a := range r.accounts {
		t.Accounts = append(t.Accounts, fleet.Account{RoleARN: "arn:aws:iam::" + a + ":role/" + auditRole,
			Principal: "arn:aws:iam::" + a + ":role/" + creatorRole})
	}
	return t
}

// clients assumes each account's audit role through the loopback STS with
// the real STS client, and points each account and Region's clients at its
// sandbox. The retryer is the SDK's adaptive mode with short backoffs.
func (r *fleetRig) clients() fleet.ClientsFunc {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAORGADMIN", "secret", "")}
	return fleet.AssumeRole(cfg, func(o *fleet.AssumeRoleOptions) {
		o.STS = []func(*sts.Options){func(so *sts.Options) { so.BaseEndpoint = aws.String(r.sts.URL) }}
		o.KMS = func(a fleet.Account, region string, ko *kms.Options) {
			ko.BaseEndpoint = aws.String(r.at(a.ID, region).Emulators.KMSURL)
		}
		o.ControlPlane = func(a fleet.Account, region string, co *bedrockagentcorecontrol.Options) {
			co.BaseEndpoint = aws.String(r.at(a.ID, region).Emulators.ControlPlaneURL)
		}
		o.DataPlane = func(a fleet.Account, region string, do *bedrockagentcore.Options) {
			do.BaseEndpoint = aws.String(r.at(a.ID, region).Emulators.DataPlaneURL)
		}
		o.Retryer = func() aws.Retryer { return fleet.NewRetryer(10, 20*time.Millisecond) }
	})
}

// engine creates a policy engine with key in sb and returns its ARN.
func engine(t *testing.T, ctx context.Context, sb *agentcoretest.Sandbox, name, key string) string {
	t.Helper()
	out, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String(name), EncryptionKeyArn: aws.String(key),
	})
	if err != nil {
		t.Fatalf("CreatePolicyEngine %s: %v", name, err)
	}
	// The first request after the creation makes the engine ACTIVE, as a
	// live engine is before its key breaks.
	got, err := sb.ControlPlane.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil || got.Status != cptypes.PolicyEngineStatusActive {
		t.Fatalf("GetPolicyEngine %s: %v, %v; want ACTIVE", name, got.Status, err)
	}
	return aws.ToString(out.PolicyEngineArn)
}

func newKey(t *testing.T, ctx context.Context, sb *agentcoretest.Sandbox) string {
	t.Helper()
	k, err := sb.NewKey(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyID(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }
