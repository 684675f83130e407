package fleet_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

var regions3 = []string{"us-east-1", "us-west-2", "eu-west-1"}

// fleetState is what a scenario built, by name.
type fleetState struct {
	engines map[string]string // name -> ARN
	keys    map[string]string // name -> key ARN
	evals   map[string]string // name -> batch evaluation ARN
}

// buildScenario creates, in two accounts and three Regions, a healthy key
// with two engines and a batch evaluation in every account and Region, and
// one broken thing each in four places: a key-policy edit that removes the
// engine's KMS-operations statement, a disabled key, a key pending
// deletion, and a revoked evaluation grant.
func buildScenario(t *testing.T, ctx context.Context, r *fleetRig) fleetState {
	t.Helper()
	st := fleetState{engines: map[string]string{}, keys: map[string]string{}, evals: map[string]string{}}
	for _, a := range r.accounts {
		for _, region := range r.regions {
			sb := r.at(a, region)
			p := a + "/" + region + "/"
			k := newKey(t, ctx, sb)
			st.keys[p+"healthy"] = k
			st.engines[p+"e1"] = engine(t, ctx, sb, "e1", k)
			st.engines[p+"e2"] = engine(t, ctx, sb, "e2", k)
			be, err := sb.DataPlane.StartBatchEvaluation(ctx, &bedrockagentcore.StartBatchEvaluationInput{
				BatchEvaluationName: aws.String("be1"), KmsKeyArn: aws.String(k),
				Evaluators: []batchtypes.Evaluator{{EvaluatorId: aws.String("Builtin.Helpfulness")}},
				DataSourceConfig: &batchtypes.DataSourceConfigMemberCloudWatchLogs{Value: batchtypes.CloudWatchLogsSource{
					ServiceNames: []string{"agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/agent"},
				}},
			})
			if err != nil {
				t.Fatalf("StartBatchEvaluation: %v", err)
			}
			st.evals[p+"be1"] = aws.ToString(be.BatchEvaluationArn)
		}
	}
	// A key-policy edit: the statement that lets AgentCore decrypt and
	// generate data keys for the caller is removed.
	{
		sb := r.at(acctA, "us-east-1")
		k := newKey(t, ctx, sb)
		st.keys["edited"] = k
		st.engines["edited"] = engine(t, ctx, sb, "edited", k)
		// Without the default key policy's delegation to IAM, so that the
		// key policy alone decides; the audit role may still read the key.
		doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: acctA, Region: "us-east-1", Principal: sb.Principal})
		if err != nil {
			t.Fatal(err)
		}
		doc.Statement = slices.DeleteFunc(doc.Statement, func(s keypolicy.Statement) bool { return s.Sid == keypolicy.SidPolicyKMSOperations })
		read, err := keypolicy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Audit","Effect":"Allow",
			"Principal":{"AWS":"arn:aws:iam::` + acctA + `:role/` + auditRole + `"},
			"Action":["kms:DescribeKey","kms:GetKeyPolicy","kms:ListGrants"],"Resource":"*"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if doc, err = keypolicy.Merge(doc, read); err != nil {
			t.Fatal(err)
		}
		b, err := doc.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := sb.Emulators.KMS.SetKeyPolicy(keyID(k), string(b)); err != nil {
			t.Fatalf("SetKeyPolicy without %q: %v", keypolicy.SidPolicyKMSOperations, err)
		}
	}
	// A disabled key.
	{
		sb := r.at(acctA, "us-west-2")
		k := newKey(t, ctx, sb)
		st.keys["disabled"] = k
		st.engines["disabled"] = engine(t, ctx, sb, "disabled", k)
		if _, err := sb.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	// A key pending deletion.
	{
		sb := r.at(acctB, "us-east-1")
		k := newKey(t, ctx, sb)
		st.keys["pending"] = k
		st.engines["pending"] = engine(t, ctx, sb, "pending", k)
		if _, err := sb.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k), PendingWindowInDays: aws.Int32(7)}); err != nil {
			t.Fatal(err)
		}
	}
	// A revoked evaluation grant.
	{
		sb := r.at(acctB, "eu-west-1")
		k := newKey(t, ctx, sb)
		st.keys["revoked"] = k
		st.engines["revoked"] = engine(t, ctx, sb, "revoked", k)
		grants, err := sb.Emulators.KMS.Grants(keyID(k))
		if err != nil {
			t.Fatal(err)
		}
		revoked := false
		for _, g := range grants {
			if !slices.Contains(g.Operations, kmstypes.GrantOperationEncrypt) {
				if _, err := sb.KMS.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(k), GrantId: g.GrantId}); err != nil {
					t.Fatal(err)
				}
				revoked = true
			}
		}
		if !revoked {
			t.Fatal("no evaluation grant to revoke")
		}
	}
	return st
}

// codes returns each resource's finding codes, by ARN, leaving out
// resources without findings.
func codes(rep *fleet.Report) map[string][]fleet.Code {
	out := map[string][]fleet.Code{}
	for _, res := range rep.Resources {
		for _, f := range res.Findings {
			out[res.ARN] = append(out[res.ARN], f.Code)
		}
	}
	return out
}

func TestAuditFleet(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA, acctB}, regions3)
	st := buildScenario(t, ctx, r)

	var progress []fleet.Progress
	rep, err := fleet.Audit(ctx, r.target(), r.clients(), func(o *fleet.Options) {
		o.Progress = func(p fleet.Progress) { progress = append(progress, p) }
	})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	want := map[string][]fleet.Code{
		st.engines["edited"]:   {fleet.CodeKeyPolicyBreaks, fleet.CodeKeyPolicyBreaks},
		st.engines["disabled"]: {fleet.CodeKeyDisabled},
		st.engines["pending"]:  {fleet.CodeKeyPendingDeletion},
		st.engines["revoked"]:  {fleet.CodeGrantsInconsistent},
	}
	if d := cmp.Diff(want, codes(rep)); d != "" {
		t.Errorf("findings by resource (-want +got):\n%s", d)
	}
	if rep.Outcome != kmscheck.OutcomeFailed {
		t.Errorf("Outcome = %v, want failed", rep.Outcome)
	}
	// 2 accounts x 3 Regions x (2 engines + 1 batch evaluation), and 4 more.
	if got := len(rep.Resources); got != 22 {
		t.Errorf("%d resources, want 22", got)
	}
	for _, s := range rep.Scopes {
		if !s.Complete {
			t.Errorf("scope %s %s %s incomplete: %s", s.Account, s.Region, s.Consumer, s.Error)
		}
	}
	if len(rep.Scopes) != 12 {
		t.Errorf("%d scopes, want 12 (2 accounts x 3 Regions x 2 consumers)", len(rep.Scopes))
	}

	// The key-policy edit names the documented statement to restore, and
	// denies the engine's decisions from the audit's start.
	edited, _ := rep.Resource(st.engines["edited"])
	var reqs, sids []string
	for _, f := range edited.Findings {
		reqs, sids = append(reqs, f.Requirement), append(sids, f.Statement)
		if f.DeniedFrom == nil || !f.DeniedFrom.Equal(rep.At) {
			t.Errorf("finding %s DeniedFrom = %v, want the audit's start %v", f.ID, f.DeniedFrom, rep.At)
		}
	}
	if d := cmp.Diff([]string{"policy-engine/decrypt", "policy-engine/generate-data-key"}, reqs); d != "" {
		t.Errorf("denied requirements (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{keypolicy.SidPolicyKMSOperations, keypolicy.SidPolicyKMSOperations}, sids); d != "" {
		t.Errorf("statements to restore (-want +got):\n%s", d)
	}
	if _, ok := rep.Finding(st.engines["edited"] + "#KeyPolicyBreaks/decrypt"); !ok {
		t.Error("no finding with the stable id RESOURCE#KeyPolicyBreaks/decrypt")
	}

	// Pending deletion: denied now, permanently from the deletion date.
	pending, _ := rep.Resource(st.engines["pending"])
	md, err := r.at(acctB, "us-east-1").KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(st.keys["pending"])})
	if err != nil {
		t.Fatal(err)
	}
	if pending.PermanentFrom == nil || !pending.PermanentFrom.Equal(*md.KeyMetadata.DeletionDate) || pending.DeniedFrom == nil {
		t.Errorf("pending deletion: DeniedFrom %v PermanentFrom %v, want now and %v", pending.DeniedFrom, pending.PermanentFrom, md.KeyMetadata.DeletionDate)
	}
	// The revoked evaluation grant denies decisions; a disabled key too.
	for _, name := range []string{"revoked", "disabled"} {
		if res, _ := rep.Resource(st.engines[name]); res.DeniedFrom == nil || res.Outcome != kmscheck.OutcomeFailed {
			t.Errorf("%s engine: outcome %v DeniedFrom %v, want failed and denied", name, res.Outcome, res.DeniedFrom)
		}
	}
	// The disabled key's finding says what the consumer model says fails.
	disabled, _ := rep.Resource(st.engines["disabled"])
	for _, want := range []string{"authorization decisions", "creating, reading, updating or deleting policies"} {
		if len(disabled.Findings) == 0 || !strings.Contains(disabled.Findings[0].Message, want) {
			t.Errorf("disabled engine's findings %+v do not say %q fails", disabled.Findings, want)
		}
	}
	if got := len(rep.Denied()); got != 4 {
		t.Errorf("%d denied resources, want 4", got)
	}

	// Each role assumed once per account, not once per Region.
	if d := cmp.Diff([]string{"arn:aws:iam::" + acctA + ":role/" + auditRole, "arn:aws:iam::" + acctB + ":role/" + auditRole},
		slices.Sorted(slices.Values(r.sts.Assumed()))); d != "" {
		t.Errorf("roles assumed (-want +got):\n%s", d)
	}
	// Each key read once: the healthy key shared by three resources got
	// one DescribeKey, one GetKeyPolicy and one ListGrants.
	for _, a := range r.accounts {
		for _, region := range r.regions {
			k := r.at(a, region).Emulators.KMS
			keys := 0
			for _, key := range rep.Keys {
				if key.Account == a && key.Region == region {
					keys++
				}
			}
			for _, op := range []string{"DescribeKey", "GetKeyPolicy", "ListGrants"} {
				if got := countBy(k, auditRole, op); got != keys {
					t.Errorf("%s %s: %d %s requests by the audit, want %d (one per key)", a, region, got, op, keys)
				}
			}
		}
	}
	if len(progress) != len(rep.Resources) || progress[len(progress)-1].Audited != len(rep.Resources) {
		t.Errorf("Progress called %d times, last %+v; want once per resource", len(progress), progress[len(progress)-1])
	}
}

// countBy counts the requests of op that role made.
func countBy(k *kmstest.KMS, role, op string) int {
	n := 0
	for _, c := range k.Requests() {
		if c.Operation == op && strings.HasSuffix(c.Caller.Principal, ":role/"+role) {
			n++
		}
	}
	return n
}

// A throttling storm (every operation throttled many times over, on top of
// KMS's documented quotas) changes nothing in the report: no throttling
// error reaches it.
func TestAuditThrottlingStorm(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA, acctB}, regions3)
	st := buildScenario(t, ctx, r)
	calm, err := fleet.Audit(ctx, r.target(), r.clients())
	if err != nil {
		t.Fatal(err)
	}
	for _, sb := range r.sb {
		sb.Emulators.KMS.SetQuotas(kmstest.NewQuotas(1))
		for _, op := range []string{"DescribeKey", "GetKeyPolicy", "ListGrants"} {
			sb.Emulators.KMS.InjectFault(op, kmstest.Fault{StatusCode: 400, Code: "ThrottlingException", Message: "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."}, 12)
		}
		sb.Emulators.ControlPlane.InjectFault("ListPolicyEngineSummaries", agentcoretestThrottling(), 12)
		sb.Emulators.DataPlane.InjectFault("ListBatchEvaluations", agentcoretestThrottling(), 12)
	}
	stormy, err := fleet.Audit(ctx, r.target(), r.clients(), func(o *fleet.Options) { o.ThrottleBackoff = time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(codes(calm), codes(stormy)); d != "" {
		t.Errorf("findings after the storm differ from a calm run (-calm +storm):\n%s", d)
	}
	if stormy.Outcome != calm.Outcome || len(stormy.Resources) != len(calm.Resources) {
		t.Errorf("storm: outcome %v with %d resources, calm: %v with %d", stormy.Outcome, len(stormy.Resources), calm.Outcome, len(calm.Resources))
	}
	for _, res := range stormy.Resources {
		for _, f := range res.Findings {
			if f.Status == kmscheck.StatusUnknown || strings.Contains(f.Message, "Throttling") {
				t.Errorf("finding %s reached the report: %s", f.ID, f.Message)
			}
		}
	}
	if stormy.Stats.ThrottleRetries == 0 {
		t.Error("no throttled request was sent again: the storm did not outlast the SDK's retries, so this test proves nothing")
	}
	_ = st
}

func agentcoretestThrottling() kmstest.Fault { return kmstest.ThrottlingFault() }

// A role the audit may not assume, a listing that fails, and a key the
// audit may not read make the report incomplete, never passed.
func TestAuditIncomplete(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA}, []string{"us-east-1"})
	sb := r.at(acctA, "us-east-1")
	k := newKey(t, ctx, sb)
	engine(t, ctx, sb, "e1", k)

	tests := []struct {
		name   string
		target fleet.Target
		setup  func()
		want   fleet.Code // a finding code, or "" for a scope error
	}{
		{name: "a role STS refuses", target: fleet.Target{Accounts: []fleet.Account{{RoleARN: "arn:aws:iam::" + acctA + ":role/Nobody"}}, Regions: []string{"us-east-1"}}},
		{name: "no caller principal", target: fleet.Target{Accounts: []fleet.Account{{RoleARN: "arn:aws:iam::" + acctA + ":role/" + auditRole}}, Regions: []string{"us-east-1"}},
			want: fleet.CodeKeyPolicyUnknown},
		{name: "GetKeyPolicy denied to the end", target: r.target(), want: fleet.CodeKeyPolicyUnknown,
			setup: func() {
				sb.Emulators.KMS.InjectFault("GetKeyPolicy", kmstest.Fault{StatusCode: 400, Code: "AccessDeniedException", Message: "no"}, 1)
			}},
		{name: "a listing that fails", target: r.target(),
			setup: func() { sb.Emulators.DataPlane.InjectFault("ListBatchEvaluations", kmstest.InternalFault(), 50) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			rep, err := fleet.Audit(ctx, tt.target, r.clients())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Outcome != kmscheck.OutcomeIncomplete {
				t.Errorf("Outcome = %v, want incomplete", rep.Outcome)
			}
			if tt.want == "" {
				incomplete := 0
				for _, s := range rep.Scopes {
					if !s.Complete {
						incomplete++
					}
				}
				if incomplete == 0 {
					t.Error("no scope is incomplete")
				}
				return
			}
			if got := codes(rep); !slices.Contains(got[rep.Resources[0].ARN], tt.want) {
				t.Errorf("findings %v, want one %s", got, tt.want)
			}
		})
	}
}

func TestAuditInput(t *testing.T) {
	t.Parallel()
	clients := func(context.Context, fleet.Account, string) (*fleet.Clients, error) { return nil, errors.New("unused") }
	tests := []struct {
		name    string
		target  fleet.Target
		clients fleet.ClientsFunc
	}{
		{name: "no accounts", target: fleet.Target{Regions: []string{"us-east-1"}}, clients: clients},
		{name: "no regions", target: fleet.Target{Accounts: []fleet.Account{{ID: acctA}}}, clients: clients},
		{name: "a user ARN as role", target: fleet.Target{Accounts: []fleet.Account{{RoleARN: "arn:aws:iam::111122223333:user/u"}}, Regions: []string{"us-east-1"}}, clients: clients},
		{name: "an id that is not the role's", target: fleet.Target{Accounts: []fleet.Account{{RoleARN: "arn:aws:iam::111122223333:role/r", ID: acctB}}, Regions: []string{"us-east-1"}}, clients: clients},
		{name: "a bad region", target: fleet.Target{Accounts: []fleet.Account{{ID: acctA}}, Regions: []string{"moon-1"}}, clients: clients},
		{name: "an account twice", target: fleet.Target{Accounts: []fleet.Account{{ID: acctA}, {ID: acctA}}, Regions: []string{"us-east-1"}}, clients: clients},
		{name: "nil clients", target: fleet.Target{Accounts: []fleet.Account{{ID: acctA}}, Regions: []string{"us-east-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, err := fleet.Audit(t.Context(), tt.target, tt.clients)
			var ie *fleet.InputError
			if !errors.As(err, &ie) || !errors.Is(err, fleet.ErrInvalidInput) || rep != nil {
				t.Errorf("Audit = %v, %v; want nil and an *InputError", rep, err)
			}
		})
	}
}

var _ = agentcoretest.DefaultRegion
