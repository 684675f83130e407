package keyapply_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keyapply"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const (
	account = "111122223333"
	region  = "us-east-1"
	admin   = "arn:aws:iam::111122223333:role/KeyAdmin"
	caller  = "arn:aws:iam::111122223333:role/ExampleRole"
)

// env is the agentcoretest sandbox's in-memory KMS and a real SDK client
// that calls it as admin.
type env struct {
	k      *kmstest.KMS
	client *kms.Client
}

func newEnv(t *testing.T) env {
	t.Helper()
	sb, err := agentcoretest.Start(admin, func(o *agentcoretest.Options) { o.Region, o.Account = region, account })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return env{k: sb.Emulators.KMS, client: sb.KMS}
}

// key creates a key with policy (the AWS default key policy if empty) and
// returns its ARN.
func (e env) key(t *testing.T, policy string) string {
	t.Helper()
	in := &kms.CreateKeyInput{}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	return aws.ToString(e.k.CreateTestKey(t, in).Arn)
}

// policy returns the key's current policy, read in process as admin.
func (e env) policy(t *testing.T, keyARN string) string {
	t.Helper()
	out, err := e.k.As(kmstest.Caller{Principal: admin}).GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: &keyARN})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Policy)
}

func policyEngine(t *testing.T) *keypolicy.Document {
	t.Helper()
	doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: region, Principal: caller})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func withAdmin(o *keyapply.Options) { o.Admin = admin }

func dryRun(o *keyapply.Options) { o.Admin, o.DryRun = admin, true }

// recorder wraps a client and records what was sent, in order; before, if
// set, runs before each call is passed on (n counts the calls of op from 1).
type recorder struct {
	keyapply.KMS
	mu     sync.Mutex
	ops    []string
	puts   []*kms.PutKeyPolicyInput
	before func(op string, n int)
	// afterPut, if set, replaces the answer of GetKeyPolicy calls after a
	// PutKeyPolicy, as an eventually consistent read can.
	afterPut *kms.GetKeyPolicyOutput
}

func (r *recorder) record(op string) int {
	r.mu.Lock()
	r.ops = append(r.ops, op)
	n := 0
	for _, o := range r.ops {
		if o == op {
			n++
		}
	}
	r.mu.Unlock()
	if r.before != nil {
		r.before(op, n)
	}
	return n
}

func (r *recorder) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	r.record("DescribeKey")
	return r.KMS.DescribeKey(ctx, in, optFns...)
}

func (r *recorder) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	r.record("GetKeyPolicy")
	if r.afterPut != nil && len(r.puts) > 0 {
		return r.afterPut, nil
	}
	return r.KMS.GetKeyPolicy(ctx, in, optFns...)
}

func (r *recorder) PutKeyPolicy(ctx context.Context, in *kms.PutKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	r.record("PutKeyPolicy")
	r.mu.Lock()
	r.puts = append(r.puts, in)
	r.mu.Unlock()
	return r.KMS.PutKeyPolicy(ctx, in, optFns...)
}

var fullSequence = []string{"DescribeKey", "GetKeyPolicy", "GetKeyPolicy", "PutKeyPolicy", "GetKeyPolicy"}

// TestApplyToDefaultKeyPolicy applies the policy-engine statements to a key
// with the AWS default key policy, and checks every call and the result.
func TestApplyToDefaultKeyPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	before := e.policy(t, keyARN)
	r := &recorder{KMS: e.client}
	res, err := keyapply.Apply(t.Context(), r, keyARN, policyEngine(t), withAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fullSequence, r.ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if len(r.puts) != 1 || r.puts[0].BypassPolicyLockoutSafetyCheck || aws.ToString(r.puts[0].PolicyName) != "default" ||
		aws.ToString(r.puts[0].KeyId) != keyARN {
		t.Fatalf("PutKeyPolicy sent %+v", r.puts)
	}
	// What was written is the merge, byte for byte, and it is on the key.
	base, err := keypolicy.Parse([]byte(before))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := keypolicy.Merge(base, policyEngine(t))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := merged.JSON()
	if diff := cmp.Diff(string(want), aws.ToString(r.puts[0].Policy)); diff != "" {
		t.Errorf("written policy (-want +got):\n%s", diff)
	}
	if got := e.policy(t, keyARN); got != string(want) {
		t.Errorf("the key's policy is not the written one:\n%s", got)
	}
	wantRes := &keyapply.Result{
		KeyARN: keyARN, Written: true, Before: before, After: string(want),
		Added: []string{keypolicy.SidPolicyCreateGrants, keypolicy.SidPolicyKMSOperations, keypolicy.SidPolicyKMSValidation},
	}
	if diff := cmp.Diff(wantRes, res, cmp.FilterPath(func(p cmp.Path) bool {
		f := p.String()
		return f == "Diff" || f == "Lockout"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	if !res.Lockout.Safe() || !slicesContains(res.Lockout.Statements, keypolicy.SidDefaultIAMUserPermissions) {
		t.Errorf("Lockout = %+v, want safe by %q", res.Lockout, keypolicy.SidDefaultIAMUserPermissions)
	}
	for _, want := range []string{"--- current key policy\n+++ new key policy\n", `+      "Sid": "` + keypolicy.SidPolicyCreateGrants + `",`} {
		if !strings.Contains(res.Diff, want) {
			t.Errorf("Diff lacks %q:\n%s", want, res.Diff)
		}
	}
	if strings.Contains(res.Diff, "\n-") {
		t.Errorf("Diff removes lines:\n%s", res.Diff)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestApplyKeepsUnknownFieldsAndID applies to a policy with an Id, unknown
// fields at both levels and AWS's own spacing: every byte of meaning stays.
func TestApplyKeepsUnknownFieldsAndID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const current = `{
  "Version" : "2012-10-17",
  "Id" : "team-policy-7",
  "Comment" : {"owner": "platform", "tags": [1, true, null]},
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : { "AWS" : "arn:aws:iam::111122223333:root" },
    "Action" : "kms:*",
    "Resource" : "*",
    "Note" : "keep me"
  } ]
}`
	keyARN := e.key(t, current)
	res, err := keyapply.Apply(t.Context(), e.client, keyARN, policyEngine(t), withAdmin)
	if err != nil {
		t.Fatal(err)
	}
	got, err := keypolicy.Parse([]byte(e.policy(t, keyARN)))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := keypolicy.Parse([]byte(current))
	if got.ID != "team-policy-7" || len(got.Extra) != 1 || string(got.Extra[0].Value) != `{"owner":"platform","tags":[1,true,null]}` {
		t.Errorf("Id or unknown field lost: Id %q, Extra %+v", got.ID, got.Extra)
	}
	if a, b := got.Statement[0].MarshalJSON, base.Statement[0].MarshalJSON; !bytesEqual(a, b) {
		t.Error("the existing statement changed")
	}
	if len(got.Statement) != 4 || len(res.Added) != 3 {
		t.Errorf("%d statements, %d added; want 4 and 3", len(got.Statement), len(res.Added))
	}
}

func bytesEqual(a, b func() ([]byte, error)) bool {
	x, err1 := a()
	y, err2 := b()
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// TestApplyTwice checks that a second Apply says up to date and writes
// nothing.
func TestApplyTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	if _, err := keyapply.Apply(t.Context(), e.client, keyARN, policyEngine(t), withAdmin); err != nil {
		t.Fatal(err)
	}
	written := e.policy(t, keyARN)
	r := &recorder{KMS: e.client}
	res, err := keyapply.Apply(t.Context(), r, keyARN, policyEngine(t), withAdmin)
	if err != nil {
		t.Fatal(err)
	}
	want := &keyapply.Result{KeyARN: keyARN, UpToDate: true, Before: written, After: written}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"DescribeKey", "GetKeyPolicy"}, r.ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestApplyDryRun checks that a dry run reads twice, writes nothing and
// returns the diff.
func TestApplyDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	before := e.policy(t, keyARN)
	r := &recorder{KMS: e.client}
	res, err := keyapply.Apply(t.Context(), r, keyARN, policyEngine(t), dryRun)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"DescribeKey", "GetKeyPolicy", "GetKeyPolicy"}, r.ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if !res.DryRun || res.Written || res.UpToDate || res.Diff == "" || len(res.Added) != 3 {
		t.Errorf("Result = %+v", res)
	}
	if e.policy(t, keyARN) != before {
		t.Error("a dry run changed the key policy")
	}
}

// TestApplyAlias checks that an alias is resolved and the key ARN returned.
func TestApplyAlias(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	if err := e.k.SetAlias("alias/agentcore", keyARN); err != nil {
		t.Fatal(err)
	}
	r := &recorder{KMS: e.client}
	res, err := keyapply.Apply(t.Context(), r, "alias/agentcore", policyEngine(t), withAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if res.KeyARN != keyARN || aws.ToString(r.puts[0].KeyId) != keyARN {
		t.Errorf("KeyARN %q, written to %q; want %q", res.KeyARN, aws.ToString(r.puts[0].KeyId), keyARN)
	}
}

// TestApplyRefuses checks each refusal: typed, and nothing written.
func TestApplyRefuses(t *testing.T) {
	t.Parallel()
	// A policy that lets the admin read the key but not change its policy,
	// and does not delegate to IAM: adding statements would lock the admin
	// out.
	readOnly := `{"Version":"2012-10-17","Statement":[{"Sid":"AdminRead","Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":["kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}]}`
	// A policy just under the size limit: the default statement and a
	// long Id.
	big := `{"Version":"2012-10-17","Id":"` + strings.Repeat("x", keypolicy.MaxPolicyBytes-400) + `","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	conflicting := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"` + keypolicy.SidPolicyCreateGrants + `","Effect":"Deny","Principal":"*","Action":"kms:CreateGrant","Resource":"*"}]}`
	denyAdmin := &keypolicy.Document{Version: keypolicy.Version2012, Statement: []keypolicy.Statement{{
		Sid: "NoMorePolicyChanges", Effect: keypolicy.EffectDeny, Principal: keypolicy.AWSPrincipal(admin),
		Action: keypolicy.One("kms:PutKeyPolicy"), Resource: keypolicy.One("*"),
	}}}
	tests := []struct {
		name       string
		policy     string // "" for the default key policy
		add        *keypolicy.Document
		setup      func(t *testing.T, e env, keyARN string)
		wantReason error
		wantCalls  []string
		// kmsRefuses is the error code with which KMS itself (the
		// emulator) refuses the merged policy, when it does: the offline
		// decision agrees with it.
		kmsRefuses string
	}{
		{
			name: "conflicting Sid", policy: conflicting, wantReason: keypolicy.ErrConflict,
			wantCalls: []string{"DescribeKey", "GetKeyPolicy"},
		},
		{
			name: "the admin would be locked out", policy: readOnly, wantReason: keyapply.ErrLockout,
			wantCalls: []string{"DescribeKey", "GetKeyPolicy"}, kmsRefuses: "AccessDeniedException",
		},
		{
			name: "a Deny of the admin's PutKeyPolicy", add: denyAdmin, wantReason: keyapply.ErrLockout,
			wantCalls: []string{"DescribeKey", "GetKeyPolicy"}, kmsRefuses: "MalformedPolicyDocumentException",
		},
		{
			name: "over the size limit", policy: big, wantReason: keypolicy.ErrPolicyTooLarge,
			wantCalls: []string{"DescribeKey", "GetKeyPolicy"}, kmsRefuses: "LimitExceededException",
		},
		{
			name: "AWS managed key", wantReason: keyapply.ErrAWSManaged,
			setup: func(t *testing.T, e env, keyARN string) {
				if err := e.k.UpdateKey(keyARN, func(m *types.KeyMetadata) { m.KeyManager = types.KeyManagerTypeAws }); err != nil {
					t.Fatal(err)
				}
			},
			wantCalls: []string{"DescribeKey"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			keyARN := e.key(t, tt.policy)
			if tt.setup != nil {
				tt.setup(t, e, keyARN)
			}
			before := e.policy(t, keyARN)
			add := tt.add
			if add == nil {
				add = policyEngine(t)
			}
			r := &recorder{KMS: e.client}
			res, err := keyapply.Apply(t.Context(), r, keyARN, add, withAdmin)
			var re *keyapply.RefusedError
			if !errors.As(err, &re) || !errors.Is(err, keyapply.ErrRefused) || !errors.Is(err, tt.wantReason) || res != nil {
				t.Fatalf("Apply = %v, %v (%T); want a *RefusedError for %v", res, err, err, tt.wantReason)
			}
			if re.KeyARN != keyARN || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: key %q", err, re.KeyARN)
			}
			if diff := cmp.Diff(tt.wantCalls, r.ops); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if e.policy(t, keyARN) != before {
				t.Error("the key policy changed")
			}
			if tt.kmsRefuses != "" {
				base, err := keypolicy.Parse([]byte(before))
				if err != nil {
					t.Fatal(err)
				}
				merged, err := keypolicy.Merge(base, add)
				if err != nil {
					t.Fatal(err)
				}
				_, err = e.client.PutKeyPolicy(t.Context(), &kms.PutKeyPolicyInput{KeyId: &keyARN, Policy: aws.String(string(merged.Compact()))})
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tt.kmsRefuses {
					t.Errorf("KMS answers the policy Apply refused with %v; want %s", err, tt.kmsRefuses)
				}
			}
		})
	}
}

// TestApplyLockoutError checks what a lockout refusal says.
func TestApplyLockoutError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, `{"Version":"2012-10-17","Statement":[{"Sid":"AdminRead","Effect":"Allow","Principal":{"AWS":"`+admin+`"},"Action":["kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}]}`)
	_, err := keyapply.Apply(t.Context(), e.client, keyARN, policyEngine(t), withAdmin)
	var le *keyapply.LockoutError
	if !errors.As(err, &le) {
		t.Fatalf("Apply = %v; want a *LockoutError", err)
	}
	if le.Admin != admin || le.Check.Safe() || le.Check.Decision.Verdict != keypolicy.ImplicitDeny {
		t.Errorf("LockoutError = %+v", le)
	}
	want := "keyapply: refused to write the key policy of " + keyARN + ": the new key policy would not allow " + admin +
		" to call kms:PutKeyPolicy (the key policy does not allow it), so AWS's lockout safety check refuses it"
	if err.Error() != want {
		t.Errorf("error\n %q\nwant\n %q", err, want)
	}
}

// TestApplyConcurrentWriter injects another writer between the first and
// the second read: Apply refuses, and the other writer's policy stays.
func TestApplyConcurrentWriter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	other := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"AddedByAColleague","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Colleague"},"Action":"kms:Decrypt","Resource":"*"}]}`
	r := &recorder{KMS: e.client}
	r.before = func(op string, n int) {
		if op == "GetKeyPolicy" && n == 2 {
			if err := e.k.SetKeyPolicy(keyARN, other); err != nil {
				t.Error(err)
			}
		}
	}
	res, err := keyapply.Apply(t.Context(), r, keyARN, policyEngine(t), withAdmin)
	if !errors.Is(err, keyapply.ErrChanged) || !errors.Is(err, keyapply.ErrRefused) || res != nil {
		t.Fatalf("Apply = %v, %v; want ErrChanged", res, err)
	}
	if len(r.puts) != 0 {
		t.Error("PutKeyPolicy was called")
	}
	if e.policy(t, keyARN) != other {
		t.Error("the other writer's policy was lost")
	}
	// Run again: it merges into the colleague's policy and keeps it.
	res, err = keyapply.Apply(t.Context(), e.client, keyARN, policyEngine(t), withAdmin)
	if err != nil || !res.Written {
		t.Fatalf("second Apply = %+v, %v", res, err)
	}
	if !strings.Contains(e.policy(t, keyARN), "AddedByAColleague") {
		t.Error("the colleague's statement was dropped")
	}
}

// TestApplyNoAnswer checks that answers without what Apply needs stop it
// before any write.
func TestApplyNoAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	// Over the wire, an empty KeyManager is left out of the JSON answer.
	if err := e.k.UpdateKey(keyARN, func(m *types.KeyMetadata) { m.KeyManager = "" }); err != nil {
		t.Fatal(err)
	}
	r := &recorder{KMS: e.client}
	res, err := keyapply.Apply(t.Context(), r, keyARN, policyEngine(t), withAdmin)
	if !errors.Is(err, keyapply.ErrNoAnswer) || errors.Is(err, keyapply.ErrRefused) || res != nil {
		t.Fatalf("Apply = %v, %v; want ErrNoAnswer", res, err)
	}
	if diff := cmp.Diff([]string{"DescribeKey"}, r.ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestApplyNotVerified checks a write that does not read back: an
// eventually consistent read returns the old policy.
func TestApplyNotVerified(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	old := e.policy(t, keyARN)
	r := &recorder{KMS: e.client, afterPut: &kms.GetKeyPolicyOutput{Policy: aws.String(old), PolicyName: aws.String("default")}}
	res, err := keyapply.Apply(t.Context(), r, keyARN, policyEngine(t), withAdmin)
	if !errors.Is(err, keyapply.ErrNotVerified) || res == nil || res.Written {
		t.Fatalf("Apply = %+v, %v; want ErrNotVerified with a Result", res, err)
	}
	if diff := cmp.Diff(fullSequence, r.ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestApplyKMSError checks that a KMS error comes back wrapped, with the
// SDK's type.
func TestApplyKMSError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := keyapply.Apply(t.Context(), e.client, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", policyEngine(t), withAdmin)
	var nf *types.NotFoundException
	if !errors.As(err, &nf) || !strings.HasPrefix(err.Error(), "keyapply: describing key ") {
		t.Fatalf("Apply = %v; want a wrapped NotFoundException", err)
	}
}

// TestApplyInput checks the arguments Apply refuses before any call.
func TestApplyInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	keyARN := e.key(t, "")
	var nilClient *kms.Client
	t.Cleanup(func() { // after the parallel subtests
		if n := e.k.CallCount("DescribeKey"); n != 0 {
			t.Errorf("%d DescribeKey calls for bad input", n)
		}
	})
	tests := []struct {
		name      string
		client    keyapply.KMS
		keyID     string
		add       *keypolicy.Document
		admin     string
		wantField string
	}{
		{name: "nil client", client: nil, keyID: keyARN, add: policyEngine(t), admin: admin, wantField: "client"},
		{name: "typed nil client", client: nilClient, keyID: keyARN, add: policyEngine(t), admin: admin, wantField: "client"},
		{name: "no key", client: e.client, keyID: "", add: policyEngine(t), admin: admin, wantField: "keyID"},
		{name: "not a key reference", client: e.client, keyID: "key/x", add: policyEngine(t), admin: admin, wantField: "keyID"},
		{name: "no statements", client: e.client, keyID: keyARN, add: &keypolicy.Document{}, admin: admin, wantField: "statements"},
		{name: "nil statements", client: e.client, keyID: keyARN, add: nil, admin: admin, wantField: "statements"},
		{name: "no admin", client: e.client, keyID: keyARN, add: policyEngine(t), wantField: "Options.Admin"},
		{name: "admin not an ARN", client: e.client, keyID: keyARN, add: policyEngine(t), admin: "KeyAdmin", wantField: "Options.Admin"},
		{name: "admin not a principal", client: e.client, keyID: keyARN, add: policyEngine(t), admin: keyARN, wantField: "Options.Admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := keyapply.Apply(t.Context(), tt.client, tt.keyID, tt.add, func(o *keyapply.Options) { o.Admin = tt.admin })
			var ie *keyapply.InputError
			if !errors.As(err, &ie) || !errors.Is(err, keyapply.ErrInvalidInput) || res != nil {
				t.Fatalf("Apply = %v, %v; want an *InputError", res, err)
			}
			if ie.Field != tt.wantField {
				t.Errorf("Field = %q, want %q", ie.Field, tt.wantField)
			}
		})
	}
}

// TestErrorsNilSafe checks Error on nil typed errors.
func TestErrorsNilSafe(t *testing.T) {
	t.Parallel()
	var re *keyapply.RefusedError
	var le *keyapply.LockoutError
	if re.Error() == "" || le.Error() == "" || !errors.Is(re, keyapply.ErrRefused) {
		t.Error("nil errors")
	}
}

// TestApplyCompactWhenIndentedTooLarge checks that a new policy whose
// indented JSON is over KMS's limit but whose compact JSON fits is written
// compact.
func TestApplyCompactWhenIndentedTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	b.WriteString(`{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}`)
	for i := 0; b.Len() < 24000; i++ {
		fmt.Fprintf(&b, `,{"Sid":"s%d","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:role/r%d"]},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":["*"]}`, i, i)
	}
	b.WriteString(`]}`)
	keyARN := e.key(t, b.String())
	base, err := keypolicy.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := keypolicy.Merge(base, policyEngine(t))
	if err != nil {
		t.Fatal(err)
	}
	indented, _ := merged.JSON()
	if len(indented) <= keypolicy.MaxPolicyBytes || len(merged.Compact()) > keypolicy.MaxPolicyBytes {
		t.Fatalf("test policy: indented %d, compact %d bytes; want over and under the limit", len(indented), len(merged.Compact()))
	}
	res, err := keyapply.Apply(t.Context(), e.client, keyARN, policyEngine(t), withAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if res.After != string(merged.Compact()) || e.policy(t, keyARN) != res.After {
		t.Errorf("written %d bytes, want the compact %d", len(res.After), len(merged.Compact()))
	}
}

// BenchmarkApply applies the policy-engine statements through the real SDK
// client and the loopback emulator: five round trips. Each iteration uses
// a new key with the AWS default key policy.
func BenchmarkApply(b *testing.B) {
	sb, err := agentcoretest.Start(admin)
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	k, client := sb.Emulators.KMS, sb.KMS
	add, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: region, Principal: caller})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		keyARN := aws.ToString(k.CreateTestKey(b, nil).Arn)
		b.StartTimer()
		if _, err := keyapply.Apply(b.Context(), client, keyARN, add, withAdmin); err != nil {
			b.Fatal(err)
		}
	}
}
