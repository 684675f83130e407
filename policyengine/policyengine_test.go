package policyengine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

const (
	account = agentcoretest.DefaultAccount
	region  = agentcoretest.DefaultRegion
	role    = "arn:aws:iam::" + account + ":role/ExampleRole"
)

// world is an agentcoretest sandbox (a kmstest KMS and a policyenginetest
// control plane on loopback, with the real SDK clients) and a
// policyengine.Client on top.
type world struct {
	kms    *kmstest.KMS
	cp     *policyenginetest.ControlPlane
	ctl    *bedrockagentcorecontrol.Client
	kmsc   *kms.Client
	pe     *policyengine.Client
	sb     *agentcoretest.Sandbox
	keyARN string
}

type worldOptions struct {
	keyPolicy string // if empty, the default key policy merged with the documented one
	cp        []func(*policyenginetest.Options)
	kms       []func(*kmstest.Options)
	client    []func(*policyengine.Options)
}

func documentedPolicy(tb testing.TB, drop ...string) *keypolicy.Document {
	tb.Helper()
	doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: region, Principal: role})
	if err != nil {
		tb.Fatal(err)
	}
	doc.Statement = slices.DeleteFunc(doc.Statement, func(s keypolicy.Statement) bool { return slices.Contains(drop, s.Sid) })
	return doc
}

func jsonOf(tb testing.TB, doc *keypolicy.Document) string {
	tb.Helper()
	b, err := doc.JSON()
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// mergedPolicy is the default key policy (which lets the account's IAM
// policies list and revoke grants) plus the documented statements.
func mergedPolicy(tb testing.TB) string {
	tb.Helper()
	base, err := keypolicy.DefaultKeyPolicy(account, "aws")
	if err != nil {
		tb.Fatal(err)
	}
	merged, err := keypolicy.Merge(base, documentedPolicy(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return jsonOf(tb, merged)
}

// newWorld starts an agentcoretest sandbox for role with the options in wo
// and puts one key under wo.keyPolicy, set past the lockout check since some
// tests are about policies that lock the role out.
func newWorld(tb testing.TB, wo worldOptions) *world {
	tb.Helper()
	sb, err := agentcoretest.Start(role, func(o *agentcoretest.Options) {
		o.KMS = append(o.KMS, wo.kms...)
		o.ControlPlane = append(o.ControlPlane, wo.cp...)
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sb.Close)
	k := sb.Emulators.KMS
	md := k.CreateTestKey(tb, nil)
	if wo.keyPolicy == "" {
		wo.keyPolicy = mergedPolicy(tb)
	}
	if err := k.SetKeyPolicy(*md.KeyId, wo.keyPolicy); err != nil {
		tb.Fatal(err)
	}
	w := &world{kms: k, cp: sb.Emulators.ControlPlane, sb: sb, keyARN: *md.Arn, ctl: sb.ControlPlane, kmsc: sb.KMS}
	opts := append([]func(*policyengine.Options){func(o *policyengine.Options) {
		o.Principal = role
		o.WaitMinDelay, o.WaitMaxDelay = time.Millisecond, 5*time.Millisecond
	}}, wo.client...)
	w.pe = policyengine.New(w.ctl, w.kmsc, opts...)
	return w
}

func (w *world) create(tb testing.TB, name string, optFns ...func(*policyengine.Options)) *policyengine.Engine {
	tb.Helper()
	out, err := w.pe.Create(context.Background(), policyengine.CreateInput{Name: name, KeyARN: w.keyARN, Description: "about " + name}, optFns...)
	if err != nil {
		tb.Fatalf("Create(%s): %v", name, err)
	}
	return out.Engine
}

func wait(o *policyengine.Options) { o.Wait = true }

func TestCreateWaitGetAndGrants(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	out, err := w.pe.Create(ctx, policyengine.CreateInput{
		Name: "MyPolicyEngine", Description: "Policy engine with customer-managed encryption", KeyARN: w.keyARN,
		Tags: map[string]string{"team": "security"},
	}, wait)
	if err != nil {
		t.Fatal(err)
	}
	if out.Preflight == nil || !out.Preflight.Passed() {
		t.Errorf("preflight = %+v, want a passing report", out.Preflight)
	}
	if len(out.ClientToken) < 33 {
		t.Errorf("client token %q is too short for the service", out.ClientToken)
	}
	e := out.Engine
	if e.Status != types.PolicyEngineStatusActive || e.KeyARN != w.keyARN || e.Description != "Policy engine with customer-managed encryption" {
		t.Errorf("engine = %+v, want ACTIVE with the key and description", e)
	}

	got, err := w.pe.Get(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("Get (-waited +got):\n%s", diff)
	}

	pair, err := w.pe.Grants(ctx, w.keyARN, e.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if pair.State() != policyengine.GrantsBoth {
		t.Fatalf("grant state = %s, want both", pair.State())
	}
	if diff := cmp.Diff(policyenginetest.ManagementGrantOperations(), pair.Management.Operations); diff != "" {
		t.Errorf("management grant operations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(policyenginetest.EvaluationGrantOperations(), pair.Evaluation.Operations); diff != "" {
		t.Errorf("evaluation grant operations (-want +got):\n%s", diff)
	}
	if pair.Management.Kind != policyengine.ManagementGrant || pair.Evaluation.Kind != policyengine.EvaluationGrant {
		t.Errorf("kinds = %s, %s", pair.Management.Kind, pair.Evaluation.Kind)
	}
	// Another engine on the same key has its own pair.
	other := w.create(t, "Other")
	pair2, err := w.pe.Grants(ctx, w.keyARN, other.ARN)
	if err != nil || pair2.State() != policyengine.GrantsBoth || pair2.Management.ID == pair.Management.ID {
		t.Errorf("other engine's pair = %+v, %v", pair2, err)
	}
}

func TestEncryptionContext(t *testing.T) {
	arn := "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	want := map[string]string{"aws:bedrock-agentcore-policy:policy-engine-arn": arn}
	if diff := cmp.Diff(want, policyengine.EncryptionContext(arn)); diff != "" {
		t.Errorf("EncryptionContext (-want +got):\n%s", diff)
	}
	if policyengine.ContextKey != keypolicy.PolicyEngineContextKey {
		t.Errorf("ContextKey = %q", policyengine.ContextKey)
	}
}

func TestCreateInputValidation(t *testing.T) {
	w := newWorld(t, worldOptions{})
	key := w.keyARN
	manyTags := map[string]string{}
	for i := range 51 {
		manyTags[strings.Repeat("k", i+1)] = "v"
	}
	for _, tc := range []struct {
		name  string
		in    policyengine.CreateInput
		field string
	}{
		{"empty name", policyengine.CreateInput{KeyARN: key}, "Name"},
		{"name starting with a digit", policyengine.CreateInput{Name: "1engine", KeyARN: key}, "Name"},
		{"name with a hyphen", policyengine.CreateInput{Name: "my-engine", KeyARN: key}, "Name"},
		{"name of 49 characters", policyengine.CreateInput{Name: "a" + strings.Repeat("b", 48), KeyARN: key}, "Name"},
		{"description of 4097 characters", policyengine.CreateInput{Name: "e", Description: strings.Repeat("d", 4097), KeyARN: key}, "Description"},
		{"51 tags", policyengine.CreateInput{Name: "e", Tags: manyTags, KeyARN: key}, "Tags"},
		{"aws: tag key", policyengine.CreateInput{Name: "e", Tags: map[string]string{"AWS:owner": "x"}, KeyARN: key}, "Tags"},
		{"empty tag key", policyengine.CreateInput{Name: "e", Tags: map[string]string{"": "x"}, KeyARN: key}, "Tags"},
		{"tag key of 129 characters", policyengine.CreateInput{Name: "e", Tags: map[string]string{strings.Repeat("k", 129): "x"}, KeyARN: key}, "Tags"},
		{"tag value of 257 characters", policyengine.CreateInput{Name: "e", Tags: map[string]string{"k": strings.Repeat("v", 257)}, KeyARN: key}, "Tags"},
		{"short client token", policyengine.CreateInput{Name: "e", ClientToken: "abc", KeyARN: key}, "ClientToken"},
		{"client token with spaces", policyengine.CreateInput{Name: "e", ClientToken: strings.Repeat("a ", 20), KeyARN: key}, "ClientToken"},
		{"no key", policyengine.CreateInput{Name: "e"}, "KeyARN"},
		{"bare key id", policyengine.CreateInput{Name: "e", KeyARN: "1234abcd-12ab-34cd-56ef-1234567890ab"}, "KeyARN"},
		{"alias ARN", policyengine.CreateInput{Name: "e", KeyARN: "arn:aws:kms:us-east-1:111122223333:alias/mine"}, "KeyARN"},
		{"not KMS", policyengine.CreateInput{Name: "e", KeyARN: "arn:aws:s3:::bucket"}, "KeyARN"},
		{"malformed key id", policyengine.CreateInput{Name: "e", KeyARN: "arn:aws:kms:us-east-1:111122223333:key/nope"}, "KeyARN"},
		{"bad account", policyengine.CreateInput{Name: "e", KeyARN: "arn:aws:kms:us-east-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, "KeyARN"},
		{"Region outside the ARN's partition", policyengine.CreateInput{Name: "e", KeyARN: "arn:aws:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, "KeyARN"},
		{"key in another partition than the client", policyengine.CreateInput{Name: "e", KeyARN: "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, "KeyARN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.pe.Create(context.Background(), tc.in)
			var ie *policyengine.InputError
			if !errors.As(err, &ie) || !errors.Is(err, policyengine.ErrInvalidInput) {
				t.Fatalf("error = %v, want an *InputError", err)
			}
			if ie.Field != tc.field {
				t.Errorf("field = %s, want %s (%v)", ie.Field, tc.field, err)
			}
		})
	}
	if n := w.cp.RequestCount(policyenginetest.OpCreatePolicyEngine); n != 0 {
		t.Errorf("%d CreatePolicyEngine requests for bad input", n)
	}
	if calls := w.kms.Requests(); len(calls) != 0 {
		t.Errorf("%d KMS calls for bad input", len(calls))
	}
	for _, op := range []func() error{
		func() error { _, err := w.pe.Get(context.Background(), ""); return err },
		func() error { _, err := w.pe.Delete(context.Background(), ""); return err },
		func() error { _, err := w.pe.WaitActive(context.Background(), ""); return err },
		func() error { _, err := w.pe.Grants(context.Background(), w.keyARN, ""); return err },
		func() error { _, err := w.pe.Grants(context.Background(), "alias/x", "arn"); return err },
		func() error { _, err := w.pe.RevokeGrants(context.Background(), w.keyARN, ""); return err },
	} {
		if err := op(); !errors.Is(err, policyengine.ErrInvalidInput) {
			t.Errorf("error = %v, want ErrInvalidInput", err)
		}
	}
}

func TestPreflightStopsCreate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*world) error
		want  error
	}{
		{"disabled key", func(w *world) error { return w.kms.SetKeyState(w.keyARN, kmstypes.KeyStateDisabled) }, kmscheck.ErrKeyNotUsable},
		{"key policy without CreateGrant", func(w *world) error {
			// The caller may read the key policy, so the preflight sees it.
			doc := documentedPolicy(t, keypolicy.SidPolicyCreateGrants)
			doc.Statement = append(doc.Statement, keypolicy.Statement{
				Sid: "ReadKeyPolicy", Effect: keypolicy.EffectAllow, Principal: keypolicy.AWSPrincipal(role),
				Action: keypolicy.List("kms:GetKeyPolicy", "kms:DescribeKey"), Resource: keypolicy.One("*"),
			})
			return w.kms.SetKeyPolicy(w.keyARN, jsonOf(t, doc))
		}, kmscheck.ErrAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{})
			if err := tc.setup(w); err != nil {
				t.Fatal(err)
			}
			out, err := w.pe.Create(context.Background(), policyengine.CreateInput{Name: "Checked", KeyARN: w.keyARN})
			var pe *policyengine.PreflightError
			if !errors.As(err, &pe) || !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want a *PreflightError wrapping %v", err, tc.want)
			}
			if out == nil || out.Preflight == nil || out.Preflight.Passed() {
				t.Errorf("want the failing report in the output")
			}
			if n := w.cp.RequestCount(policyenginetest.OpCreatePolicyEngine); n != 0 {
				t.Errorf("%d CreatePolicyEngine requests after a failed preflight", n)
			}
		})
	}
}

func TestServiceErrorsAreMapped(t *testing.T) {
	skip := func(o *policyengine.Options) { o.SkipPreflight = true }
	for _, tc := range []struct {
		name     string
		setup    func(*world) error
		want     error
		wantCode string
	}{
		{"disabled key", func(w *world) error { return w.kms.SetKeyState(w.keyARN, kmstypes.KeyStateDisabled) },
			kmscheck.ErrKeyNotUsable, "ValidationException"},
		{"pending deletion", func(w *world) error { return w.kms.SetKeyState(w.keyARN, kmstypes.KeyStatePendingDeletion) },
			kmscheck.ErrKeyNotUsable, "ValidationException"},
		{"key policy without CreateGrant", func(w *world) error {
			return w.kms.SetKeyPolicy(w.keyARN, jsonOf(t, documentedPolicy(t, keypolicy.SidPolicyCreateGrants)))
		}, kmscheck.ErrAccessDenied, "AccessDeniedException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{client: []func(*policyengine.Options){skip}})
			if err := tc.setup(w); err != nil {
				t.Fatal(err)
			}
			_, err := w.pe.Create(context.Background(), policyengine.CreateInput{Name: "Mapped", KeyARN: w.keyARN})
			var ke *policyengine.KeyError
			if !errors.As(err, &ke) || !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want a *KeyError wrapping %v", err, tc.want)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode {
				t.Fatalf("SDK error not reachable: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want.Error()) {
				t.Errorf("message %q lacks the documented text", err)
			}
			if ke.Op != "CreatePolicyEngine" || ke.KeyARN != w.keyARN {
				t.Errorf("KeyError = %+v", ke)
			}
		})
	}
}

func TestIdempotentCreate(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	in := policyengine.CreateInput{Name: "Once", KeyARN: w.keyARN}
	first, err := w.pe.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	in.ClientToken = first.ClientToken
	again, err := w.pe.Create(ctx, in)
	if err != nil {
		t.Fatalf("retry with the returned token: %v", err)
	}
	if again.Engine.ID != first.Engine.ID {
		t.Errorf("retry created %s, want %s", again.Engine.ID, first.Engine.ID)
	}
	// A 500 on the first attempt: the SDK retries with the same token, and
	// the engine exists once.
	w.cp.InjectFault(policyenginetest.OpCreatePolicyEngine, policyenginetest.InternalFault(), 1)
	third, err := w.pe.Create(ctx, policyengine.CreateInput{Name: "Retried", KeyARN: w.keyARN})
	if err != nil {
		t.Fatal(err)
	}
	list, err := w.ctl.ListPolicyEngineSummaries(ctx, &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list.PolicyEngines {
		ids = append(ids, *s.PolicyEngineId)
	}
	slices.Sort(ids)
	want := []string{first.Engine.ID, third.Engine.ID}
	slices.Sort(want)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("engines (-want +got):\n%s", diff)
	}
	grants, _ := w.kms.Grants(w.keyARN)
	if len(grants) != 4 {
		t.Errorf("%d grants, want 2 per engine", len(grants))
	}
}

func TestWaitActiveCreateFailed(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	e := w.create(t, "HalfGranted")
	// Revoking the evaluation grant before the engine is ACTIVE makes the
	// service's check fail.
	pair, err := w.pe.Grants(ctx, w.keyARN, e.ARN)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.kmsc.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &w.keyARN, GrantId: &pair.Evaluation.ID}); err != nil {
		t.Fatal(err)
	}
	got, err := w.pe.WaitActive(ctx, e.ID)
	var cf *policyengine.CreateFailedError
	if !errors.As(err, &cf) || !errors.Is(err, policyengine.ErrCreateFailed) || !errors.Is(err, kmscheck.ErrAccessDenied) {
		t.Fatalf("error = %v, want a *CreateFailedError about access", err)
	}
	if diff := cmp.Diff([]string{kmscheck.ErrAccessDenied.Error()}, cf.Engine.StatusReasons); diff != "" {
		t.Errorf("status reasons (-want +got):\n%s", diff)
	}
	if got == nil || got.Status != types.PolicyEngineStatusCreateFailed {
		t.Errorf("engine = %+v, want CREATE_FAILED", got)
	}
	// And Grants calls the half pair what it is.
	_, err = w.pe.Grants(ctx, w.keyARN, e.ARN)
	var gi *policyengine.GrantsInconsistentError
	if !errors.As(err, &gi) || !errors.Is(err, policyengine.ErrGrantsInconsistent) || gi.Pair.State() != policyengine.GrantsOnlyManagement {
		t.Fatalf("Grants error = %v, want only the management grant", err)
	}
	if !strings.Contains(err.Error(), "has the policy management grant "+pair.Management.ID+" of policy engine "+e.ARN+" but not the policy evaluation grant") {
		t.Errorf("message = %q", err)
	}
}

func TestWaitActiveTimesOutAndCancels(t *testing.T) {
	w := newWorld(t, worldOptions{cp: []func(*policyenginetest.Options){func(o *policyenginetest.Options) { o.ActivationDelay = time.Hour }}})
	e := w.create(t, "Slow")
	_, err := w.pe.WaitActive(context.Background(), e.ID, func(o *policyengine.Options) { o.WaitTimeout = 30 * time.Millisecond })
	if !errors.Is(err, policyengine.ErrWaitTimeout) || errors.Is(err, policyengine.ErrCreateFailed) {
		t.Errorf("error = %v, want ErrWaitTimeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.pe.WaitActive(ctx, e.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v, want context.Canceled", err)
	}
	if _, err := w.pe.Create(ctx, policyengine.CreateInput{Name: "Cancelled", KeyARN: w.keyARN}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled create: %v, want context.Canceled", err)
	}
	if _, err := w.pe.Audit(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled audit: %v, want context.Canceled", err)
	}
}

func TestGetWithUnusableKey(t *testing.T) {
	w := newWorld(t, worldOptions{})
	e := w.create(t, "Locked", wait)
	if err := w.kms.SetKeyState(w.keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	_, err := w.pe.Get(context.Background(), e.ID)
	var ve *types.ValidationException
	if !errors.Is(err, kmscheck.ErrKeyNotUsable) || !errors.As(err, &ve) {
		t.Errorf("error = %v, want ErrKeyNotUsable over a ValidationException", err)
	}
	_, err = w.pe.Get(context.Background(), "Nope-0123456789")
	var nf *types.ResourceNotFoundException
	if !errors.Is(err, policyengine.ErrNotFound) || !errors.As(err, &nf) {
		t.Errorf("error = %v, want ErrNotFound over a ResourceNotFoundException", err)
	}
}

func TestDeleteReportsRetiredGrants(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	e := w.create(t, "Gone", wait)
	out, err := w.pe.Delete(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !out.GrantsRetired || out.Engine.Status != types.PolicyEngineStatusDeleting || out.GrantsErr != nil {
		t.Errorf("delete = %+v, want DELETING with both grants retired", out)
	}

	// A grant the service did not create, with the same constraint and
	// operations, survives the deletion and is reported.
	e2 := w.create(t, "Shadowed", wait)
	if _, err := w.kmsc.CreateGrant(ctx, &kms.CreateGrantInput{
		KeyId: &w.keyARN, GranteePrincipal: aws.String(keypolicy.ServicePrincipalName),
		Operations:  policyenginetest.EvaluationGrantOperations(),
		Constraints: &kmstypes.GrantConstraints{EncryptionContextSubset: policyengine.EncryptionContext(e2.ARN)},
	}); err != nil {
		t.Fatal(err)
	}
	out, err = w.pe.Delete(ctx, e2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if out.GrantsRetired || out.Remaining.State() != policyengine.GrantsOnlyEvaluation {
		t.Errorf("delete = %+v, want the extra evaluation grant reported", out)
	}
}

// failingRevoke makes RevokeGrant of one grant fail on the wire: kmstest
// fails the next three calls with a 500, which outlasts the SDK's retries.
type failingRevoke struct {
	*kms.Client
	k      *kmstest.KMS
	failID string
}

func (f failingRevoke) RevokeGrant(ctx context.Context, in *kms.RevokeGrantInput, optFns ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	if aws.ToString(in.GrantId) == f.failID {
		f.k.InjectFault("", kmstest.InternalFault(), 3)
	}
	return f.Client.RevokeGrant(ctx, in, optFns...)
}

func TestRevokeGrants(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	e := w.create(t, "Revoked", wait)
	pair, err := w.pe.Grants(ctx, w.keyARN, e.ARN)
	if err != nil {
		t.Fatal(err)
	}

	// Partial failure: the evaluation grant's revoke fails.
	pe := policyengine.New(w.ctl, failingRevoke{w.kmsc, w.kms, pair.Evaluation.ID})
	revoked, err := pe.RevokeGrants(ctx, w.keyARN, e.ARN)
	var re *policyengine.RevokeError
	if !errors.As(err, &re) || !errors.Is(err, policyengine.ErrRevokeIncomplete) {
		t.Fatalf("error = %v, want a *RevokeError", err)
	}
	want := "the policy evaluation grant " + pair.Evaluation.ID + " still holds access"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not say %q", err, want)
	}
	var kie *kmstypes.KMSInternalException
	if !errors.As(err, &kie) {
		t.Errorf("the KMS error is not reachable: %v", err)
	}
	if revoked.State() != policyengine.GrantsOnlyManagement || len(re.Remaining) != 1 || re.Remaining[0].ID != pair.Evaluation.ID {
		t.Errorf("revoked %s, remaining %+v", revoked.State(), re.Remaining)
	}

	// Revoking again finishes the job; once more is a no-op.
	revoked, err = w.pe.RevokeGrants(ctx, w.keyARN, e.ARN)
	if err != nil || revoked.State() != policyengine.GrantsOnlyEvaluation {
		t.Fatalf("second revoke = %s, %v", revoked.State(), err)
	}
	before := w.kms.CallCount("RevokeGrant")
	revoked, err = w.pe.RevokeGrants(ctx, w.keyARN, e.ARN)
	if err != nil || revoked.State() != policyengine.GrantsNone {
		t.Errorf("third revoke = %s, %v, want a no-op", revoked.State(), err)
	}
	if n := w.kms.CallCount("RevokeGrant"); n != before {
		t.Errorf("%d RevokeGrant calls for nothing to revoke", n-before)
	}
	if grants, _ := w.kms.Grants(w.keyARN); len(grants) != 0 {
		t.Errorf("%d grants left", len(grants))
	}
}

func TestAudit(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	w := newWorld(t, worldOptions{
		kms:    []func(*kmstest.Options){func(o *kmstest.Options) { o.Now = func() time.Time { return now } }},
		client: []func(*policyengine.Options){func(o *policyengine.Options) { o.Now = func() time.Time { return now } }},
	})
	ctx := context.Background()
	newKey := func() string {
		md := w.kms.CreateTestKey(t, nil)
		if err := w.kms.SetKeyPolicy(*md.KeyId, mergedPolicy(t)); err != nil {
			t.Fatal(err)
		}
		return *md.Arn
	}
	healthy := w.create(t, "Healthy", wait)
	healthy2 := w.create(t, "Healthy2", wait)
	disabledKey, pendingKey, halfKey := newKey(), newKey(), newKey()
	mk := func(name, key string) *policyengine.Engine {
		out, err := w.pe.Create(ctx, policyengine.CreateInput{Name: name, KeyARN: key}, wait)
		if err != nil {
			t.Fatal(err)
		}
		return out.Engine
	}
	disabled, pending, half := mk("Disabled", disabledKey), mk("Pending", pendingKey), mk("Half", halfKey)
	if err := w.kms.SetKeyState(disabledKey, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	if err := w.kms.SetKeyState(pendingKey, kmstypes.KeyStatePendingDeletion); err != nil {
		t.Fatal(err)
	}
	pair, _ := w.pe.Grants(ctx, halfKey, half.ARN)
	if _, err := w.kmsc.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &halfKey, GrantId: &pair.Evaluation.ID}); err != nil {
		t.Fatal(err)
	}

	for _, conc := range []int{1, policyengine.DefaultConcurrency} {
		var mu sync.Mutex
		var progress []int
		w.kms.Requests() // reset nothing; count below is relative
		describes := w.kms.CallCount("DescribeKey")
		rep, err := w.pe.Audit(ctx, func(o *policyengine.Options) {
			o.Concurrency = conc
			o.Progress = func(p policyengine.AuditProgress) {
				mu.Lock()
				progress = append(progress, p.Done)
				mu.Unlock()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{1, 2, 3, 4, 5}, progress); diff != "" {
			t.Errorf("concurrency %d: progress (-want +got):\n%s", conc, diff)
		}
		if n := w.kms.CallCount("DescribeKey") - describes; n != 4 {
			t.Errorf("concurrency %d: %d DescribeKey calls, want one per key", conc, n)
		}
		byID := map[string]*policyengine.EngineAudit{}
		for _, a := range rep.Engines {
			byID[a.Engine.ID] = a
		}
		if len(byID) != 5 {
			t.Fatalf("%d engines audited, want 5", len(byID))
		}
		for _, id := range []string{healthy.ID, healthy2.ID} {
			if a := byID[id]; len(a.Findings) != 0 || a.GrantState != policyengine.GrantsBoth || a.Key.State != kmstypes.KeyStateEnabled {
				t.Errorf("healthy engine %s: %+v", id, a)
			}
		}
		codes := func(a *policyengine.EngineAudit) []policyengine.FindingCode {
			var c []policyengine.FindingCode
			for _, f := range a.Findings {
				c = append(c, f.Code)
			}
			return c
		}
		a := byID[disabled.ID]
		if diff := cmp.Diff([]policyengine.FindingCode{policyengine.FindingKeyDisabled}, codes(a)); diff != "" {
			t.Errorf("disabled (-want +got):\n%s", diff)
		}
		if from, denied := a.DecisionsDenied(); !denied || !from.Equal(now) {
			t.Errorf("disabled: denied from %v, %v; want from the audit time", from, denied)
		}
		if !strings.Contains(a.Findings[0].Message, "all authorization decisions of policy engine "+disabled.ID+" are denied from 2026-03-01T09:00:00Z") {
			t.Errorf("disabled message = %q", a.Findings[0].Message)
		}
		a = byID[pending.ID]
		if diff := cmp.Diff([]policyengine.FindingCode{policyengine.FindingKeyPendingDeletion}, codes(a)); diff != "" {
			t.Errorf("pending (-want +got):\n%s", diff)
		}
		deletion := now.AddDate(0, 0, 30)
		if a.Key.DeletionDate == nil || !a.Key.DeletionDate.Equal(deletion) || !a.Findings[0].PermanentFrom.Equal(deletion) {
			t.Errorf("pending: deletion date %v, permanent from %v; want %v", a.Key.DeletionDate, a.Findings[0].PermanentFrom, deletion)
		}
		if !strings.Contains(a.Findings[0].Message, "permanent from 2026-03-31T09:00:00Z") {
			t.Errorf("pending message = %q", a.Findings[0].Message)
		}
		if a.GrantState != policyengine.GrantsBoth {
			t.Errorf("pending: grants %s, want both still there", a.GrantState)
		}
		a = byID[half.ID]
		if diff := cmp.Diff([]policyengine.FindingCode{policyengine.FindingGrantsInconsistent}, codes(a)); diff != "" {
			t.Errorf("half (-want +got):\n%s", diff)
		}
		if _, denied := a.DecisionsDenied(); !denied {
			t.Errorf("half: an ACTIVE engine without its evaluation grant cannot evaluate")
		}
		if got := len(rep.WithFindings()); got != 3 {
			t.Errorf("%d engines with findings, want 3", got)
		}
	}
}

// TestAuditMissingKey uses an interface fake: the emulators cannot hold an
// engine whose key is gone.
func TestAuditMissingKey(t *testing.T) {
	w := newWorld(t, worldOptions{})
	e := w.create(t, "Orphan", wait)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	fake := missingKeys{w.kmsc}
	rep, err := policyengine.New(w.ctl, fake, func(o *policyengine.Options) { o.Now = func() time.Time { return now } }).Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Engines) != 1 || rep.Engines[0].Engine.ID != e.ID {
		t.Fatalf("engines = %+v", rep.Engines)
	}
	a := rep.Engines[0]
	if len(a.Findings) != 1 || a.Findings[0].Code != policyengine.FindingKeyMissing || !a.Key.Missing {
		t.Fatalf("findings = %+v", a.Findings)
	}
	f := a.Findings[0]
	if !f.DeniedFrom.Equal(now) || !f.PermanentFrom.Equal(now) || !strings.Contains(f.Message, "permanently") {
		t.Errorf("finding = %+v", f)
	}
	var nf *kmstypes.NotFoundException
	if !errors.As(f.Err, &nf) {
		t.Errorf("finding error = %v, want the NotFoundException", f.Err)
	}
}

type missingKeys struct{ *kms.Client }

func (missingKeys) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return nil, &kmstypes.NotFoundException{Message: aws.String("Key '" + aws.ToString(in.KeyId) + "' does not exist")}
}

func TestAuditListingFails(t *testing.T) {
	w := newWorld(t, worldOptions{})
	w.create(t, "Listed", wait)
	w.cp.InjectFault(policyenginetest.OpListPolicyEngineSummaries, policyenginetest.ThrottlingFault(), 3)
	rep, err := w.pe.Audit(context.Background())
	var te *types.ThrottlingException
	if !errors.As(err, &te) || rep == nil {
		t.Fatalf("error = %v, want the ThrottlingException and a partial report", err)
	}
}

func TestWaitActiveWhenTheKeyIsDisabledMeanwhile(t *testing.T) {
	w := newWorld(t, worldOptions{})
	e := w.create(t, "Interrupted")
	if err := w.kms.SetKeyState(w.keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	_, err := w.pe.WaitActive(context.Background(), e.ID)
	var ke *policyengine.KeyError
	if !errors.As(err, &ke) || !errors.Is(err, kmscheck.ErrKeyNotUsable) || ke.Op != "GetPolicyEngine" {
		t.Errorf("error = %v, want a *KeyError from GetPolicyEngine", err)
	}
}

// keyFacts replaces DescribeKey's answer for some keys: shapes of keys the
// emulator would refuse to create an engine with.
type keyFacts struct {
	*kms.Client
	facts map[string]func() (*kms.DescribeKeyOutput, error)
}

func (f keyFacts) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if fn, ok := f.facts[aws.ToString(in.KeyId)]; ok {
		return fn()
	}
	return f.Client.DescribeKey(ctx, in, optFns...)
}

func TestAuditKeyShapes(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	newKey := func() string {
		md := w.kms.CreateTestKey(t, nil)
		if err := w.kms.SetKeyPolicy(*md.KeyId, mergedPolicy(t)); err != nil {
			t.Fatal(err)
		}
		return *md.Arn
	}
	hmacKey, importKey, deniedKey, expiringKey := newKey(), newKey(), newKey(), newKey()
	names := map[string]string{hmacKey: "Hmac", importKey: "Import", deniedKey: "Denied", expiringKey: "Expiring"}
	validTo := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for key, name := range names {
		if _, err := w.pe.Create(ctx, policyengine.CreateInput{Name: name, KeyARN: key}, wait); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.ctl.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("AWSOwned")}); err != nil {
		t.Fatal(err)
	}
	meta := func(m kmstypes.KeyMetadata) func() (*kms.DescribeKeyOutput, error) {
		return func() (*kms.DescribeKeyOutput, error) { return &kms.DescribeKeyOutput{KeyMetadata: &m}, nil }
	}
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not allowed"}
	fake := keyFacts{w.kmsc, map[string]func() (*kms.DescribeKeyOutput, error){
		hmacKey:   meta(kmstypes.KeyMetadata{KeyState: kmstypes.KeyStateEnabled, KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac}),
		importKey: meta(kmstypes.KeyMetadata{KeyState: kmstypes.KeyStatePendingImport, KeySpec: kmstypes.KeySpecSymmetricDefault, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt}),
		deniedKey: func() (*kms.DescribeKeyOutput, error) { return nil, denied },
		expiringKey: meta(kmstypes.KeyMetadata{KeyState: kmstypes.KeyStateEnabled, KeySpec: kmstypes.KeySpecSymmetricDefault, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt,
			ExpirationModel: kmstypes.ExpirationModelTypeKeyMaterialExpires, ValidTo: &validTo}),
	}}
	rep, err := policyengine.New(w.ctl, fake).Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]policyengine.FindingCode{}
	for _, a := range rep.Engines {
		for _, f := range a.Findings {
			got[a.Engine.Name] = append(got[a.Engine.Name], f.Code)
		}
	}
	want := map[string][]policyengine.FindingCode{
		"Hmac":     {policyengine.FindingKeyNotSymmetric, policyengine.FindingKeyUsage},
		"Import":   {policyengine.FindingKeyUnusable},
		"Denied":   {policyengine.FindingKeyInaccessible},
		"AWSOwned": {policyengine.FindingNotEncrypted},
		"Expiring": {policyengine.FindingKeyMaterialExpires},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, a := range rep.Engines {
		if a.Engine.Name == "Expiring" {
			if from, denied := a.DecisionsDenied(); !denied || !from.Equal(validTo) {
				t.Errorf("expiring material: denied from %v, %v; want %v", from, denied, validTo)
			}
		}
	}
}

func TestErrorMessages(t *testing.T) {
	sdkErr := &types.ValidationException{Message: aws.String("The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.")}
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&policyengine.InputError{Field: "Name", Value: "1x", Reason: "must start with a letter"}, []string{"Name", `"1x"`, "must start with a letter"}},
		{&policyengine.KeyError{Op: "CreatePolicyEngine", Kind: kmscheck.ErrKeyNotUsable, Err: sdkErr}, []string{"CreatePolicyEngine", "not in a usable state", "ValidationException"}},
		{&policyengine.CreateFailedError{Engine: &policyengine.Engine{ID: "E-1", Status: types.PolicyEngineStatusCreateFailed, StatusReasons: []string{"r1", "r2"}}}, []string{"E-1", "CREATE_FAILED", "r1; r2"}},
		{&policyengine.PreflightError{KeyARN: "arn:k", Err: kmscheck.ErrAccessDenied}, []string{"arn:k", "Access denied"}},
		{&policyengine.GrantsInconsistentError{KeyARN: "arn:k", EngineARN: "arn:e", Pair: policyengine.GrantPair{Evaluation: &policyengine.Grant{ID: "g2"}}}, []string{"has the policy evaluation grant g2", "not the policy management grant"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("%T message %q lacks %q", tc.err, tc.err, w)
			}
		}
	}
	var ie *policyengine.InputError
	if !errors.As(error(&policyengine.InputError{}), &ie) || !errors.Is(ie, policyengine.ErrInvalidInput) {
		t.Error("InputError does not unwrap to ErrInvalidInput")
	}
	for s, want := range map[policyengine.GrantState]string{
		policyengine.GrantsNone: "none", policyengine.GrantsBoth: "both",
		policyengine.GrantsOnlyManagement: "only the policy management grant", policyengine.GrantsOnlyEvaluation: "only the policy evaluation grant",
	} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s, want)
		}
	}
}

func TestAuditCancelledMidway(t *testing.T) {
	w := newWorld(t, worldOptions{})
	for _, n := range []string{"A", "B", "C", "D"} {
		w.create(t, n, wait)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := w.pe.Audit(ctx, func(o *policyengine.Options) {
		o.Concurrency = 1
		o.Progress = func(policyengine.AuditProgress) { cancel() }
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if len(rep.Engines) == 0 || len(rep.Engines) == 4 {
		t.Errorf("%d engines audited, want some but not all", len(rep.Engines))
	}
	for _, a := range rep.Engines {
		if a == nil || len(a.Findings) != 0 || a.GrantState != policyengine.GrantsBoth {
			t.Errorf("partial report holds %+v", a)
		}
	}
}
