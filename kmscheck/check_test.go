package kmscheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const (
	account = "111122223333"
	region  = "us-east-1"
	caller  = "arn:aws:iam::111122223333:role/ExampleRole"
	akid    = "AKIDCALLER"
)

var (
	peTarget = kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: region, Principal: caller})
	beTarget = kmscheck.BatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: region, Principal: caller})
)

// env is a kmstest server with the SDK client of the caller role.
type env struct {
	k *kmstest.KMS
	c *kms.Client
}

func newEnv(t testing.TB, optFns ...func(*kmstest.Options)) *env {
	t.Helper()
	k := kmstest.New(optFns...)
	srv := k.NewServer()
	t.Cleanup(srv.Close)
	k.MapAccessKey(akid, caller)
	return &env{k: k, c: kmstest.NewSDKClient(srv.URL, akid)}
}

// policy returns the default key policy (root may do everything) with the
// documented statements of the feature added, as AWS users deploy them.
func (e *env) policy(t testing.TB, feature string, drop ...string) string {
	t.Helper()
	doc, err := keypolicy.Parse([]byte(e.k.DefaultKeyPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	var add *keypolicy.Document
	if feature == keypolicy.FeaturePolicyEngine {
		add, err = keypolicy.ForPolicyEngine(*peTarget.PolicyEngine)
	} else {
		add, err = keypolicy.ForBatchEvaluation(*beTarget.BatchEvaluation)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range add.Statement {
		if !slices.Contains(drop, s.Sid) {
			doc.Statement = append(doc.Statement, s)
		}
	}
	b, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *env) key(t testing.TB, in *kms.CreateKeyInput) *types.KeyMetadata {
	t.Helper()
	return e.k.CreateTestKey(t, in)
}

func statuses(r *kmscheck.Report) map[string]kmscheck.Status {
	m := map[string]kmscheck.Status{}
	for _, f := range r.Findings {
		m[f.ID] = f.Status
	}
	return m
}

func finding(t *testing.T, r *kmscheck.Report, id string) kmscheck.Finding {
	t.Helper()
	f, ok := r.Finding(id)
	if !ok {
		t.Fatalf("report has no finding %s; it has %v", id, statuses(r))
	}
	return f
}

var (
	keyIDs = []string{
		kmscheck.IDKeyExists, kmscheck.IDKeyReference, kmscheck.IDKeySpec, kmscheck.IDKeyUsage, kmscheck.IDKeyState,
		kmscheck.IDKeyManager, kmscheck.IDKeyRegion, kmscheck.IDKeyAccount, kmscheck.IDKeyMaterialExpiry, kmscheck.IDKeyCustomKeyStore,
		kmscheck.IDPolicyRead,
	}
	peIDs = append(slices.Clone(keyIDs), "policy.create-grant-management", "policy.create-grant-evaluation", "policy.decrypt", "policy.generate-data-key", "policy.describe-key")
	beIDs = append(slices.Clone(keyIDs), "policy.describe-key", "policy.caller-generate-data-key", "policy.caller-decrypt", "policy.service-generate-data-key", "policy.service-decrypt", kmscheck.IDDryRunGenerateDataKey)
)

func ids(r *kmscheck.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.ID)
	}
	return out
}

func TestGoodKeysPassEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		feature string
		target  kmscheck.Target
		wantIDs []string
		// wantCalls are the KMS operations Check makes, with the key each names.
		wantCalls []string
	}{
		{name: "policy engine: describe and read the policy, no dry run", feature: keypolicy.FeaturePolicyEngine, target: peTarget, wantIDs: peIDs, wantCalls: []string{"DescribeKey", "GetKeyPolicy"}},
		{name: "batch evaluation: describe, read the policy and dry-run GenerateDataKey", feature: keypolicy.FeatureBatchEvaluation, target: beTarget, wantIDs: beIDs, wantCalls: []string{"DescribeKey", "GenerateDataKey", "GetKeyPolicy"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, tt.feature))})
			r, err := kmscheck.Check(ctx, e.c, *md.Arn, tt.target)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantIDs, ids(r)); diff != "" {
				t.Errorf("finding ids (-want +got):\n%s", diff)
			}
			for _, f := range r.Findings {
				if f.Status != kmscheck.StatusPass || f.Remedy != "" || f.Err != nil {
					t.Errorf("finding %v, want a pass without remedy", f)
				}
			}
			if !r.OK() || !r.Complete() || r.Err() != nil || r.KeyARN != *md.Arn || r.Feature != tt.feature || r.Analysis == nil || !r.Analysis.OK() {
				t.Errorf("report OK %v Complete %v Err %v KeyARN %s Feature %s", r.OK(), r.Complete(), r.Err(), r.KeyARN, r.Feature)
			}
			var got []string
			for _, c := range e.k.Calls() {
				got = append(got, c.Operation)
				if c.KeyID != *md.Arn || c.Caller.Principal != caller {
					t.Errorf("%s named key %s as %s, want %s as %s", c.Operation, c.KeyID, c.Caller.Principal, *md.Arn, caller)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.wantCalls, got); diff != "" {
				t.Errorf("KMS calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAliasIsResolvedAndWarned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, keypolicy.FeatureBatchEvaluation))})
	if _, err := e.c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/agentcore"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"alias/agentcore", "arn:aws:kms:us-east-1:111122223333:alias/agentcore", *md.KeyId} {
		r, err := kmscheck.Check(ctx, e.c, ref, beTarget)
		if err != nil {
			t.Fatal(err)
		}
		f := finding(t, r, kmscheck.IDKeyReference)
		if f.Status != kmscheck.StatusWarn || !strings.Contains(f.Remedy, *md.Arn) {
			t.Errorf("%s: %v, want a warning naming %s", ref, f, *md.Arn)
		}
		if !r.OK() || !r.Complete() || len(r.WithStatus(kmscheck.StatusWarn)) != 1 {
			t.Errorf("%s: OK %v Complete %v, statuses %v; want only the reference warning", ref, r.OK(), r.Complete(), statuses(r))
		}
	}
	// The alias needs DescribeKey first; then the others name the key ARN.
	var policyReads []string
	for _, c := range e.k.Calls() {
		if c.Operation == "GetKeyPolicy" {
			policyReads = append(policyReads, c.KeyID)
		}
	}
	want := []string{*md.Arn, *md.Arn, *md.KeyId}
	if diff := cmp.Diff(want, policyReads); diff != "" {
		t.Errorf("GetKeyPolicy key ids (-want +got):\n%s", diff)
	}
}

func TestKeyFindings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	future := time.Now().Add(400 * 24 * time.Hour)
	soon := time.Now().Add(3 * 24 * time.Hour)
	past := time.Now().Add(-time.Hour)
	tests := []struct {
		name string
		in   kms.CreateKeyInput
		// update changes the key after creation.
		update     func(*types.KeyMetadata)
		target     kmscheck.Target
		wantStatus map[string]kmscheck.Status
		// wantText must appear in the first listed finding's message or remedy.
		wantText []string
		wantIs   []error
		// otherFailures: findings not listed fail too (so Err is not nil).
		otherFailures bool
		// focus is the finding wantText and wantIs are about; if empty, the
		// first listed finding that does not pass, by id.
		focus string
	}{
		{
			name: "RSA key: not symmetric", in: kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt},
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeySpec: kmscheck.StatusFail, kmscheck.IDKeyUsage: kmscheck.StatusPass},
			wantText:   []string{"RSA_2048", "SYMMETRIC_DEFAULT"}, wantIs: []error{kmscheck.ErrKeyNotUsable},
		},
		{
			name: "HMAC key: wrong spec and usage", in: kms.CreateKeyInput{KeySpec: types.KeySpecHmac256},
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeySpec: kmscheck.StatusFail, kmscheck.IDKeyUsage: kmscheck.StatusFail},
			wantText:   []string{"HMAC_256"}, wantIs: []error{kmscheck.ErrKeyNotUsable},
		},
		{
			name: "disabled", update: func(m *types.KeyMetadata) { m.KeyState = types.KeyStateDisabled },
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyState: kmscheck.StatusFail, kmscheck.IDDryRunGenerateDataKey: kmscheck.StatusUnknown},
			wantText:   []string{"Disabled", "enable-key"}, wantIs: []error{kmscheck.ErrKeyNotUsable}, focus: kmscheck.IDKeyState,
		},
		{
			name: "pending deletion names the date",
			update: func(m *types.KeyMetadata) {
				m.KeyState = types.KeyStatePendingDeletion
				m.DeletionDate = aws.Time(time.Date(2031, 5, 6, 7, 8, 0, 0, time.UTC))
			},
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyState: kmscheck.StatusFail},
			wantText:   []string{"2031-05-06 07:08 UTC", "cancel-key-deletion"}, wantIs: []error{kmscheck.ErrKeyNotUsable},
		},
		{
			name: "pending import", in: kms.CreateKeyInput{Origin: types.OriginTypeExternal},
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyState: kmscheck.StatusFail, kmscheck.IDKeyMaterialExpiry: kmscheck.StatusPass},
			wantText:   []string{"pending import", "import-key-material"}, wantIs: []error{kmscheck.ErrKeyNotUsable},
		},
		{
			name: "unavailable", update: func(m *types.KeyMetadata) { m.KeyState = types.KeyStateUnavailable },
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyState: kmscheck.StatusFail},
			wantText:   []string{"Unavailable", "connect-custom-key-store"}, wantIs: []error{kmscheck.ErrKeyNotUsable},
		},
		{
			name: "AWS managed", update: func(m *types.KeyMetadata) { m.KeyManager = types.KeyManagerTypeAws },
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyManager: kmscheck.StatusFail},
			wantText:   []string{"AWS managed", "customer managed key"}, wantIs: []error{kmscheck.ErrAccessDenied},
		},
		{
			name:       "batch evaluation in another Region",
			target:     kmscheck.BatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: "eu-west-1", Principal: caller}),
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyRegion: kmscheck.StatusFail},
			wantText:   []string{"us-east-1", "eu-west-1"}, wantIs: []error{kmscheck.ErrKeyNotUsable},
		},
		{
			name:       "policy engine in another Region",
			target:     kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: "eu-west-1", Principal: caller}),
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyRegion: kmscheck.StatusWarn},
			wantText:   []string{"eu-west-1"},
		},
		{
			name:       "another account's key",
			target:     kmscheck.BatchEvaluation(keypolicy.BatchEvaluationParams{Account: "444455556666", Region: region, Principal: "arn:aws:iam::444455556666:role/R"}),
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyAccount: kmscheck.StatusWarn},
			wantText:   []string{"111122223333", "444455556666"},
			// The key policy names the key's account, so the policy findings fail.
			otherFailures: true,
		},
		{
			name: "imported material expired", in: kms.CreateKeyInput{Origin: types.OriginTypeExternal},
			update: func(m *types.KeyMetadata) {
				m.KeyState, m.ExpirationModel, m.ValidTo = types.KeyStateEnabled, types.ExpirationModelTypeKeyMaterialExpires, &past
			},
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyMaterialExpiry: kmscheck.StatusFail},
			wantText:   []string{"expired", "Reimport"}, wantIs: []error{kmscheck.ErrKeyNotUsable},
		},
		{
			name: "imported material expires soon", in: kms.CreateKeyInput{Origin: types.OriginTypeExternal},
			update: func(m *types.KeyMetadata) {
				m.KeyState, m.ExpirationModel, m.ValidTo = types.KeyStateEnabled, types.ExpirationModelTypeKeyMaterialExpires, &soon
			},
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyMaterialExpiry: kmscheck.StatusWarn, kmscheck.IDKeyState: kmscheck.StatusPass},
			wantText:   []string{soon.UTC().Format("2006-01-02")},
		},
		{
			name: "imported material expires late", in: kms.CreateKeyInput{Origin: types.OriginTypeExternal},
			update: func(m *types.KeyMetadata) {
				m.KeyState, m.ExpirationModel, m.ValidTo = types.KeyStateEnabled, types.ExpirationModelTypeKeyMaterialExpires, &future
			},
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyMaterialExpiry: kmscheck.StatusPass},
			wantText:   []string{future.UTC().Format("2006-01-02")},
		},
		{
			name: "custom key store", update: func(m *types.KeyMetadata) { m.CustomKeyStoreId = aws.String("cks-1234567890abcdef0") },
			wantStatus: map[string]kmscheck.Status{kmscheck.IDKeyCustomKeyStore: kmscheck.StatusWarn, kmscheck.IDKeyState: kmscheck.StatusPass},
			wantText:   []string{"cks-1234567890abcdef0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			in := tt.in
			in.Policy = aws.String(e.policy(t, keypolicy.FeatureBatchEvaluation))
			md := e.key(t, &in)
			if tt.update != nil {
				if err := e.k.UpdateKey(*md.KeyId, tt.update); err != nil {
					t.Fatal(err)
				}
			}
			target := tt.target
			if target.Feature() == "" {
				target = beTarget
			}
			r, err := kmscheck.Check(ctx, e.c, *md.Arn, target)
			if err != nil {
				t.Fatal(err)
			}
			got := statuses(r)
			first := tt.focus
			for _, id := range slices.Sorted(maps.Keys(tt.wantStatus)) {
				want := tt.wantStatus[id]
				if got[id] != want {
					t.Errorf("%s = %s, want %s", id, got[id], want)
				}
				if first == "" && want != kmscheck.StatusPass {
					first = id
				}
			}
			if first == "" {
				first = slices.Sorted(maps.Keys(tt.wantStatus))[0]
			}
			f := finding(t, r, first)
			for _, s := range tt.wantText {
				if !strings.Contains(f.Message+" "+f.Remedy, s) {
					t.Errorf("%s does not mention %q: %v", first, s, f)
				}
			}
			if f.Status != kmscheck.StatusPass && f.Remedy == "" {
				t.Errorf("%s has no remedy", first)
			}
			for _, want := range tt.wantIs {
				if !errors.Is(r.Err(), want) {
					t.Errorf("Report.Err() = %v, want errors.Is %v", r.Err(), want)
				}
				var fe *kmscheck.FindingError
				if !errors.As(f.Err, &fe) || fe.ID != first || fe.KeyID != *md.Arn {
					t.Errorf("finding error = %#v, want a *FindingError for %s", f.Err, first)
				}
			}
			if len(tt.wantIs) == 0 && !tt.otherFailures && r.Err() != nil {
				t.Errorf("Report.Err() = %v, want nil (no failure)", r.Err())
			}
			if r.OK() != (r.Err() == nil) {
				t.Errorf("OK() = %v but Err() = %v", r.OK(), r.Err())
			}
		})
	}
}

func TestMissingKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	missing := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, ref := range []string{missing, "alias/nothing"} {
		r, err := kmscheck.Check(ctx, e.c, ref, peTarget)
		if err != nil {
			t.Fatalf("a missing key is a finding, not an error: %v", err)
		}
		f := finding(t, r, kmscheck.IDKeyExists)
		if f.Status != kmscheck.StatusFail {
			t.Errorf("%s: key.exists = %v, want fail", ref, f)
		}
		err = r.Err()
		var nf *types.NotFoundException
		if !errors.Is(err, kmscheck.ErrKeyNotFound) || !errors.Is(err, kmscheck.ErrAccessDenied) || !errors.As(err, &nf) {
			t.Errorf("%s: Err() = %v, want ErrKeyNotFound, ErrAccessDenied and *types.NotFoundException", ref, err)
		}
		for _, f := range r.Findings[1:] {
			if f.Status != kmscheck.StatusUnknown {
				t.Errorf("%s: %v, want unknown", ref, f)
			}
		}
	}
}

func TestKeyPolicyFindings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)

	// Without the CreateGrant statement, and without the account root
	// statement that would delegate to IAM, both grants are denied. A
	// statement lets the caller run the check.
	doc, err := keypolicy.Parse([]byte(e.policy(t, keypolicy.FeaturePolicyEngine, keypolicy.SidPolicyCreateGrants)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Statement[0].Sid = "Preflight"
	doc.Statement[0].Principal = keypolicy.AWSPrincipal(caller)
	doc.Statement[0].Action = keypolicy.List("kms:DescribeKey", "kms:GetKeyPolicy")
	pol, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(string(pol))})
	r, err := kmscheck.Check(ctx, e.c, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]kmscheck.Status{
		"policy.create-grant-management": kmscheck.StatusFail, "policy.create-grant-evaluation": kmscheck.StatusFail,
		"policy.decrypt": kmscheck.StatusPass, "policy.generate-data-key": kmscheck.StatusPass, "policy.describe-key": kmscheck.StatusPass,
		kmscheck.IDPolicyRead: kmscheck.StatusPass,
	}
	got := statuses(r)
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s = %s, want %s", id, got[id], w)
		}
	}
	f := finding(t, r, "policy.create-grant-management")
	if !strings.Contains(f.Message, "kms:CreateGrant") || !strings.Contains(f.Remedy, `Add the documented statement "Allow Policy to create grants"`) {
		t.Errorf("CreateGrant finding %v, want the action and a remedy", f)
	}
	if err := r.Err(); !errors.Is(err, kmscheck.ErrAccessDenied) || err.Error() == "" ||
		!strings.Contains(err.Error(), "Access denied for the specified KMS key. Verify the key policy grants the required permissions.") {
		t.Errorf("Err() = %v, want ErrAccessDenied with the documented text", err)
	}

	// The default key policy alone delegates to IAM: warnings for the
	// caller, failures for the service principal.
	plain := e.key(t, nil)
	r, err = kmscheck.Check(ctx, e.c, *plain.Arn, beTarget)
	if err != nil {
		t.Fatal(err)
	}
	got = statuses(r)
	if got["policy.caller-decrypt"] != kmscheck.StatusWarn || got["policy.service-decrypt"] != kmscheck.StatusFail {
		t.Errorf("default policy: %v", got)
	}
}

func TestUnreadablePolicyIsUnknown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	// The caller may describe the key but not read its policy, and the
	// account root is not named, so nothing delegates to IAM.
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + caller + `"},"Action":["kms:DescribeKey","kms:GenerateDataKey"],"Resource":"*"}]}`
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(pol)})
	r, err := kmscheck.Check(ctx, e.c, *md.Arn, beTarget)
	if err != nil {
		t.Fatal(err)
	}
	read := finding(t, r, kmscheck.IDPolicyRead)
	if read.Status != kmscheck.StatusUnknown || !strings.Contains(read.Message, "GetKeyPolicy") || read.Remedy == "" {
		t.Errorf("policy.read = %v, want unknown with the reason", read)
	}
	for _, f := range r.Findings {
		if strings.HasPrefix(f.ID, kmscheck.IDPolicyPrefix) && f.Status != kmscheck.StatusUnknown {
			t.Errorf("%v, want unknown", f)
		}
	}
	if got := finding(t, r, kmscheck.IDDryRunGenerateDataKey).Status; got != kmscheck.StatusPass {
		t.Errorf("dry run = %s, want pass (the statement allows GenerateDataKey)", got)
	}
	if !r.Incomplete() || r.Complete() || r.OK() || r.Passed() || r.Failed() {
		t.Errorf("outcome %v, Complete %v, OK %v; want incomplete, not OK", r.Outcome(), r.Complete(), r.OK())
	}
	if err := r.Err(); !errors.Is(err, kmscheck.ErrIncomplete) {
		t.Errorf("Err() = %v, want ErrIncomplete", err)
	}
}

func TestDryRunDenied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Root delegation off: the caller's IAM policy does not help.
	e2 := newEnv(t, func(o *kmstest.Options) { o.RootDelegation = false })
	md := e2.key(t, &kms.CreateKeyInput{Policy: aws.String(e2.policy(t, keypolicy.FeatureBatchEvaluation, keypolicy.SidBatchCallerCryptoOps))})
	r, err := kmscheck.Check(ctx, e2.c, *md.Arn, beTarget)
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, r, kmscheck.IDDryRunGenerateDataKey)
	if f.Status != kmscheck.StatusFail || !strings.Contains(f.Remedy, keypolicy.SidBatchCallerCryptoOps) {
		t.Errorf("dry run = %v, want fail naming %s", f, keypolicy.SidBatchCallerCryptoOps)
	}
	var ae smithy.APIError
	if !errors.As(f.Err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !errors.Is(f.Err, kmscheck.ErrAccessDenied) {
		t.Errorf("dry-run error %v, want ErrAccessDenied wrapping the SDK's AccessDeniedException", f.Err)
	}
	// Only DescribeKey and GetKeyPolicy were allowed (the root statement is
	// not honoured and the caller statement that grants reads is
	// AllowCallerAccess, DescribeKey only), so the policy read is unknown.
	if got := finding(t, r, kmscheck.IDPolicyRead).Status; got != kmscheck.StatusUnknown {
		t.Errorf("policy.read = %s, want unknown", got)
	}
	if n := e2.k.CallCount("GenerateDataKey"); n != 1 {
		t.Errorf("GenerateDataKey called %d times, want 1 (a dry run)", n)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("throttling is absorbed by the SDK retryer", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, keypolicy.FeatureBatchEvaluation))})
		e.k.ThrottleNext(2)
		r, err := kmscheck.Check(ctx, e.c, *md.Arn, beTarget)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() || !r.Complete() {
			t.Errorf("statuses %v, want all pass", statuses(r))
		}
		throttled := 0
		for _, c := range e.k.Calls() {
			if errorCode(c.Err) == "ThrottlingException" {
				throttled++
			}
		}
		if throttled != 2 {
			t.Errorf("%d throttled calls, want 2", throttled)
		}
	})
	t.Run("persistent 500s make findings unknown, never pass", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, keypolicy.FeatureBatchEvaluation))})
		e.k.FailNext(1000)
		r, err := kmscheck.Check(ctx, e.c, *md.Arn, beTarget)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Findings {
			if f.Status != kmscheck.StatusUnknown {
				t.Errorf("%v, want unknown", f)
			}
		}
		var ie *types.KMSInternalException
		if f := finding(t, r, kmscheck.IDKeyExists); !errors.As(f.Err, &ie) {
			t.Errorf("key.exists error %v, want the KMSInternalException", f.Err)
		}
		if r.Complete() {
			t.Error("Complete() = true with failed calls")
		}
		// Check does not retry on its own: three attempts per call from the SDK.
		if n := e.k.CallCount("DescribeKey"); n != 3 {
			t.Errorf("DescribeKey attempted %d times, want the SDK's 3", n)
		}
	})
	t.Run("a cancelled context returns context.Canceled", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(o *kmstest.Options) { o.Latency = time.Minute })
		md := e.key(t, nil)
		cctx, cancel := context.WithCancel(ctx)
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		r, err := kmscheck.Check(cctx, e.c, *md.Arn, beTarget)
		if !errors.Is(err, context.Canceled) || r != nil {
			t.Errorf("Check = %v, %v; want nil, context.Canceled", r, err)
		}
		done, cancel2 := context.WithCancel(ctx)
		cancel2()
		if _, err := kmscheck.Check(done, e.c, *md.Arn, peTarget); !errors.Is(err, context.Canceled) {
			t.Errorf("Check with a done context = %v, want context.Canceled", err)
		}
	})
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	var pe *keypolicy.InputError
	tests := []struct {
		name   string
		keyID  string
		target kmscheck.Target
		wantAs any
	}{
		{name: "empty key id", keyID: "", target: peTarget},
		{name: "not a KMS ARN", keyID: "arn:aws:s3:::bucket", target: peTarget},
		{name: "a key ARN without a key", keyID: "arn:aws:kms:us-east-1:111122223333:key/", target: peTarget},
		{name: "spaces", keyID: " alias/x", target: peTarget},
		{name: "no target", keyID: "alias/x"},
		{name: "both targets", keyID: "alias/x", target: kmscheck.Target{PolicyEngine: peTarget.PolicyEngine, BatchEvaluation: beTarget.BatchEvaluation}},
		{name: "bad account", keyID: "alias/x", target: kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{Account: "1", Region: region}), wantAs: &pe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := kmscheck.Check(ctx, e.c, tt.keyID, tt.target)
			var ie *kmscheck.InputError
			if r != nil || !errors.Is(err, kmscheck.ErrInvalidInput) || !errors.As(err, &ie) {
				t.Fatalf("Check = %v, %v; want an *InputError", r, err)
			}
			if tt.wantAs != nil && !errors.As(err, tt.wantAs) {
				t.Errorf("error %v does not wrap %T", err, tt.wantAs)
			}
		})
	}
	if n := len(e.k.Calls()); n != 0 {
		t.Errorf("bad input made %d KMS calls", n)
	}
}

// fakeKMS uses the DescribeKeyFunc adapter for a one-line fake.
type fakeKMS struct {
	kmscheck.DescribeKeyFunc
	*kmstest.Client
}

func (f fakeKMS) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return f.DescribeKeyFunc(ctx, in, optFns...)
}

func TestDescribeKeyFunc(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := kmstest.New()
	md := k.CreateTestKey(t, nil)
	var asked string
	fake := fakeKMS{
		DescribeKeyFunc: func(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
			asked = aws.ToString(in.KeyId)
			m := *md
			m.KeySpec = types.KeySpecEccNistP256
			return &kms.DescribeKeyOutput{KeyMetadata: &m}, nil
		},
		Client: k.Client(),
	}
	r, err := kmscheck.Check(ctx, fake, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	if asked != *md.Arn || finding(t, r, kmscheck.IDKeySpec).Status != kmscheck.StatusFail {
		t.Errorf("asked %q, key.spec %v", asked, finding(t, r, kmscheck.IDKeySpec))
	}
}

func TestStatusText(t *testing.T) {
	t.Parallel()
	for _, s := range []kmscheck.Status{kmscheck.StatusPass, kmscheck.StatusWarn, kmscheck.StatusFail, kmscheck.StatusUnknown} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back kmscheck.Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%s round-trips to %s, %v", b, back, err)
		}
	}
	var s kmscheck.Status
	if err := s.UnmarshalText([]byte("maybe")); err == nil {
		t.Error("UnmarshalText(maybe) succeeded")
	}
}

func TestSentinelTexts(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]string{
		kmscheck.ErrAccessDenied: "Access denied for the specified KMS key. Verify the key policy grants the required permissions.",
		kmscheck.ErrKeyNotUsable: "The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.",
	} {
		if err.Error() != want {
			t.Errorf("got %q, want the documented %q", err.Error(), want)
		}
	}
}

func TestFindingJSON(t *testing.T) {
	t.Parallel()
	f := kmscheck.Finding{ID: "key.state", Status: kmscheck.StatusFail, Message: "The key is Disabled.", Remedy: "Enable it.",
		Err: &kmscheck.FindingError{ID: "key.state", Message: "The key is Disabled.", Kinds: []error{kmscheck.ErrKeyNotUsable}}}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"key.state","status":"fail","message":"The key is Disabled.","remedy":"Enable it.","error":"kmscheck: key.state: The key is Disabled: The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion."}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	b, _ = json.Marshal(kmscheck.Finding{ID: "key.spec", Status: kmscheck.StatusPass, Message: "ok"})
	if diff := cmp.Diff(`{"id":"key.spec","status":"pass","message":"ok"}`, string(b)); diff != "" {
		t.Errorf("JSON of a pass (-want +got):\n%s", diff)
	}
}

// TestNilReport: a nil report must not read as a passed check.
func TestNilReport(t *testing.T) {
	t.Parallel()
	var r *kmscheck.Report
	if r.OK() || r.Complete() {
		t.Errorf("nil Report: OK() = %v, Complete() = %v; want false, false", r.OK(), r.Complete())
	}
	var ie *kmscheck.InputError
	if err := r.Err(); !errors.As(err, &ie) || !errors.Is(err, kmscheck.ErrInvalidInput) {
		t.Errorf("nil Report: Err() = %v; want an *InputError wrapping ErrInvalidInput", err)
	}
}

// A Deny statement whose condition operator keypolicy cannot evaluate may
// deny the required requests; the findings it could change must be unknown,
// never pass.
func TestUnsupportedOperatorInDenyIsUnknown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	doc, err := keypolicy.Parse([]byte(e.policy(t, keypolicy.FeaturePolicyEngine)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Statement = append(doc.Statement, keypolicy.Statement{
		Sid: "DenyOutsideOrg", Effect: keypolicy.EffectDeny, Principal: &keypolicy.Principal{Wildcard: true},
		Action: keypolicy.One("kms:Decrypt"), Resource: keypolicy.One("*"),
		Condition: keypolicy.Condition{{Operator: "StringNotEqualsFutureOperator", Keys: []keypolicy.ConditionKey{
			{Key: "aws:PrincipalOrgID", Values: keypolicy.One("o-example")},
		}}},
	})
	pol, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(string(pol))})
	r, err := kmscheck.Check(ctx, e.c, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, r, "policy.decrypt")
	if f.Status != kmscheck.StatusUnknown || !strings.Contains(f.Message, "StringNotEqualsFutureOperator") || !strings.Contains(f.Message, "DenyOutsideOrg") {
		t.Errorf("policy.decrypt = %v, want unknown naming the operator and the Deny statement", f)
	}
	// Requirements the Deny cannot touch still pass.
	if f := finding(t, r, "policy.describe-key"); f.Status != kmscheck.StatusPass {
		t.Errorf("policy.describe-key = %v, want pass", f)
	}
	if r.Complete() {
		t.Error("Complete() = true with an unknown finding")
	}
}

// When DescribeKey is denied but the key policy can be read, the requests
// are still evaluated for the key ARN the check was given, so statements
// whose Resource is that ARN apply.
func TestPolicyWithKeyARNResourceWithoutDescribeKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	md := e.key(t, nil)
	doc, err := keypolicy.Parse([]byte(e.policy(t, keypolicy.FeaturePolicyEngine)))
	if err != nil {
		t.Fatal(err)
	}
	// The checker may read the policy, not describe the key; every
	// statement names the key by its ARN.
	doc.Statement[0].Principal = keypolicy.AWSPrincipal(caller)
	doc.Statement[0].Action = keypolicy.One("kms:GetKeyPolicy")
	for i := range doc.Statement {
		doc.Statement[i].Resource = keypolicy.One(*md.Arn)
	}
	pol, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.k.SetKeyPolicy(*md.KeyId, string(pol)); err != nil {
		t.Fatal(err)
	}
	r, err := kmscheck.Check(ctx, e.c, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(t, r, kmscheck.IDKeyExists); f.Status != kmscheck.StatusUnknown {
		t.Errorf("key.exists = %v, want unknown (DescribeKey is denied)", f)
	}
	for _, id := range peIDs[len(keyIDs):] {
		if f := finding(t, r, id); f.Status != kmscheck.StatusPass {
			t.Errorf("%s = %v, want pass", id, f)
		}
	}
}

// A nil *kms.Client in the interface is bad input too: calling it would
// panic in one of Check's goroutines, which no caller can recover.
func TestTypedNilClient(t *testing.T) {
	t.Parallel()
	for _, c := range []kmscheck.KMS{(*kms.Client)(nil), (*kmstest.Client)(nil)} {
		r, err := kmscheck.Check(context.Background(), c, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", peTarget)
		var ie *kmscheck.InputError
		if r != nil || !errors.As(err, &ie) || ie.Field != "client" {
			t.Errorf("Check(%T nil) = %v, %v; want an *InputError for the client", c, r, err)
		}
	}
}
