package kmstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const (
	account = "111122223333"
	role    = "arn:aws:iam::111122223333:role/ExampleRole"
	other   = "arn:aws:iam::111122223333:role/Other"
	via     = "bedrock-agentcore.us-east-1.amazonaws.com"
	engine  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-1"
)

// setup starts a server and returns the emulator and an SDK client signed
// with access key "AKIDEXAMPLE", mapped to role.
func setup(t *testing.T, optFns ...func(*kmstest.Options)) (*kmstest.KMS, *kms.Client) {
	t.Helper()
	k := kmstest.New(optFns...)
	srv := k.NewServer()
	t.Cleanup(srv.Close)
	k.MapAccessKey("AKIDEXAMPLE", role)
	return k, kmstest.NewSDKClient(srv.URL, "AKIDEXAMPLE")
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestKeyLifecycleOverTheWire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	created, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("test")})
	if err != nil {
		t.Fatal(err)
	}
	m := created.KeyMetadata
	id := aws.ToString(m.KeyId)
	wantARN := "arn:aws:kms:us-east-1:111122223333:key/" + id
	if aws.ToString(m.Arn) != wantARN || m.KeySpec != types.KeySpecSymmetricDefault || m.KeyUsage != types.KeyUsageTypeEncryptDecrypt ||
		m.KeyState != types.KeyStateEnabled || !m.Enabled || m.KeyManager != types.KeyManagerTypeCustomer || m.Origin != types.OriginTypeAwsKms {
		t.Fatalf("CreateKey metadata = %+v", m)
	}
	if m.CreationDate == nil || time.Since(*m.CreationDate) > time.Minute {
		t.Errorf("CreationDate = %v, want about now", m.CreationDate)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: &id}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{id, wantARN, "alias/app", "arn:aws:kms:us-east-1:111122223333:alias/app"} {
		out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
		if err != nil {
			t.Fatalf("DescribeKey(%s): %v", ref, err)
		}
		if got := aws.ToString(out.KeyMetadata.Arn); got != wantARN {
			t.Errorf("DescribeKey(%s).Arn = %s, want %s", ref, got, wantARN)
		}
	}
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/missing")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeKey(alias/missing) = %v, want NotFoundException", err)
	}
	pol, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(pol.Policy) != k.DefaultKeyPolicy() {
		t.Errorf("new key policy = %s, want the default key policy", aws.ToString(pol.Policy))
	}
	aliases, err := c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if len(aliases.Aliases) != 1 || aws.ToString(aliases.Aliases[0].AliasName) != "alias/app" || aliases.Aliases[0].CreationDate == nil {
		t.Errorf("ListAliases = %+v", aliases.Aliases)
	}

	// Disable, enable, schedule and cancel deletion.
	if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
	var dis *types.DisabledException
	if !errors.As(err, &dis) {
		t.Errorf("Encrypt on a disabled key = %v, want DisabledException", err)
	}
	if _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &id}); err != nil {
		t.Fatal(err)
	}
	sched, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(7)})
	if err != nil {
		t.Fatal(err)
	}
	if sched.KeyState != types.KeyStatePendingDeletion || sched.DeletionDate == nil ||
		time.Until(*sched.DeletionDate) < 6*24*time.Hour || time.Until(*sched.DeletionDate) > 8*24*time.Hour {
		t.Errorf("ScheduleKeyDeletion = state %s date %v, want PendingDeletion in 7 days", sched.KeyState, sched.DeletionDate)
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256})
	var inv *types.KMSInvalidStateException
	if !errors.As(err, &inv) {
		t.Errorf("GenerateDataKey on a key pending deletion = %v, want KMSInvalidStateException", err)
	}
	if _, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &id}); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if desc.KeyMetadata.KeyState != types.KeyStateDisabled || desc.KeyMetadata.DeletionDate != nil {
		t.Errorf("after CancelKeyDeletion: state %s, deletion date %v; want Disabled and none", desc.KeyMetadata.KeyState, desc.KeyMetadata.DeletionDate)
	}
}

func TestCreateKeySpecs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c := setup(t)
	tests := []struct {
		name      string
		in        kms.CreateKeyInput
		wantSpec  types.KeySpec
		wantUsage types.KeyUsageType
		wantState types.KeyState
		wantCode  string
	}{
		{name: "default is symmetric", wantSpec: types.KeySpecSymmetricDefault, wantUsage: types.KeyUsageTypeEncryptDecrypt, wantState: types.KeyStateEnabled},
		{name: "RSA encryption", in: kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt}, wantSpec: types.KeySpecRsa2048, wantUsage: types.KeyUsageTypeEncryptDecrypt, wantState: types.KeyStateEnabled},
		{name: "HMAC with MAC usage", in: kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac}, wantSpec: types.KeySpecHmac256, wantUsage: types.KeyUsageTypeGenerateVerifyMac, wantState: types.KeyStateEnabled},
		{name: "HMAC without KeyUsage: required for every key but symmetric encryption", in: kms.CreateKeyInput{KeySpec: types.KeySpecHmac256}, wantCode: "ValidationException"},
		{name: "external origin awaits import", in: kms.CreateKeyInput{Origin: types.OriginTypeExternal}, wantSpec: types.KeySpecSymmetricDefault, wantUsage: types.KeyUsageTypeEncryptDecrypt, wantState: types.KeyStatePendingImport},
		{name: "HMAC cannot encrypt", in: kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeEncryptDecrypt}, wantCode: "ValidationException"},
		{name: "unknown spec", in: kms.CreateKeyInput{KeySpec: "AES_999"}, wantCode: "ValidationException"},
		{name: "malformed policy", in: kms.CreateKeyInput{Policy: aws.String("{")}, wantCode: "MalformedPolicyDocumentException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.CreateKey(ctx, &tt.in)
			if tt.wantCode != "" {
				if apiCode(err) != tt.wantCode {
					t.Fatalf("CreateKey error = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := out.KeyMetadata
			if m.KeySpec != tt.wantSpec || m.KeyUsage != tt.wantUsage || m.KeyState != tt.wantState {
				t.Errorf("got spec %s usage %s state %s, want %s %s %s", m.KeySpec, m.KeyUsage, m.KeyState, tt.wantSpec, tt.wantUsage, tt.wantState)
			}
		})
	}
	mrk, err := c.CreateKey(ctx, &kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if id := aws.ToString(mrk.KeyMetadata.KeyId); len(id) < 4 || id[:4] != "mrk-" || !aws.ToBool(mrk.KeyMetadata.MultiRegion) {
		t.Errorf("multi-Region key id %q, MultiRegion %v", id, mrk.KeyMetadata.MultiRegion)
	}
}

func TestCryptoOverTheWire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	dest := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	ec := map[string]string{keypolicy.PolicyEngineContextKey: engine}

	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("secret"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if string(dec.Plaintext) != "secret" || aws.ToString(dec.KeyId) != k.KeyARN(id) {
		t.Errorf("Decrypt = %q under %s", dec.Plaintext, aws.ToString(dec.KeyId))
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{keypolicy.PolicyEngineContextKey: engine + "x"}})
	var ic *types.InvalidCiphertextException
	if !errors.As(err, &ic) {
		t.Errorf("Decrypt with a wrong context = %v, want InvalidCiphertextException", err)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: &dest})
	var ik *types.IncorrectKeyException
	if !errors.As(err, &ik) {
		t.Errorf("Decrypt naming another key = %v, want IncorrectKeyException", err)
	}

	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if len(dk.Plaintext) != 32 {
		t.Errorf("data key is %d bytes, want 32", len(dk.Plaintext))
	}
	re, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: dk.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: &dest})
	if err != nil {
		t.Fatal(err)
	}
	back, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dk.Plaintext, back.Plaintext); diff != "" || aws.ToString(back.KeyId) != k.KeyARN(dest) {
		t.Errorf("re-encrypted data key differs (-want +got):\n%s", diff)
	}
	wp, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &id, NumberOfBytes: aws.Int32(16)})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wp.CiphertextBlob}); err != nil || len(d.Plaintext) != 16 {
		t.Errorf("Decrypt of GenerateDataKeyWithoutPlaintext = %d bytes, %v; want 16", len(d.Plaintext), err)
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id})
	if apiCode(err) != "ValidationException" {
		t.Errorf("GenerateDataKey without a size = %v, want ValidationException", err)
	}
	hmac := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac}).KeyId)
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &hmac, KeySpec: types.DataKeySpecAes256})
	var iu *types.InvalidKeyUsageException
	if !errors.As(err, &iu) {
		t.Errorf("GenerateDataKey with an HMAC key = %v, want InvalidKeyUsageException", err)
	}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256, DryRun: aws.Bool(true)})
	var dr *types.DryRunOperationException
	if !errors.As(err, &dr) {
		t.Fatalf("GenerateDataKey with DryRun = %v, want DryRunOperationException", err)
	}
	_, err = c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationDecrypt}, DryRun: aws.Bool(true)})
	if !errors.As(err, &dr) {
		t.Fatalf("CreateGrant with DryRun = %v, want DryRunOperationException", err)
	}
	if g, _ := k.Grants(id); len(g) != 0 {
		t.Errorf("a dry run created %d grants", len(g))
	}
	// A caller the policy does not allow is denied, dry run or not.
	if err := k.SetKeyPolicy(id, policyFor(other, "kms:*")); err != nil {
		t.Fatal(err)
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256, DryRun: aws.Bool(true)})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("dry run by a caller the policy does not name = %v, want AccessDeniedException", err)
	}
}

func policyFor(principal, action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"` + action + `","Resource":"*"}]}`
}

func TestKeyPolicyEnforcement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(pol))}).KeyId)
	ec := map[string]string{keypolicy.PolicyEngineContextKey: engine}

	// Directly, the caller may not use the key: every statement needs kms:ViaService.
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("direct DescribeKey = %v, want AccessDeniedException", err)
	}
	// Through AgentCore, it may.
	svc := k.As(kmstest.Caller{Principal: "arn:aws:sts::111122223333:assumed-role/ExampleRole/session", ViaService: via})
	if _, err := svc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		t.Errorf("DescribeKey via AgentCore: %v", err)
	}
	if _, err := svc.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec}); err != nil {
		t.Errorf("GenerateDataKey via AgentCore: %v", err)
	}
	_, err = svc.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("GenerateDataKey via AgentCore without the context = %v, want AccessDeniedException", err)
	}
	// The two grants AgentCore creates are allowed; a wider one is not.
	grantIn := func(ops ...types.GrantOperation) *kms.CreateGrantInput {
		return &kms.CreateGrantInput{
			KeyId: &id, GranteePrincipal: aws.String(keypolicy.ServicePrincipalName), RetiringPrincipal: aws.String(keypolicy.ServicePrincipalName),
			Operations: ops, Constraints: &types.GrantConstraints{EncryptionContextSubset: ec},
		}
	}
	mgmt, err := svc.CreateGrant(ctx, grantIn(types.GrantOperationEncrypt, types.GrantOperationDecrypt, types.GrantOperationGenerateDataKey))
	if err != nil {
		t.Fatalf("CreateGrant via AgentCore: %v", err)
	}
	_, err = svc.CreateGrant(ctx, grantIn(types.GrantOperationDecrypt, types.GrantOperationRetireGrant))
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("CreateGrant with RetireGrant = %v, want AccessDeniedException", err)
	}
	// The grantee may now use the key within the grant's constraint.
	agent := k.As(kmstest.Caller{Service: keypolicy.ServicePrincipalName})
	enc, err := agent.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("policy"), EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Encrypt through the grant: %v", err)
	}
	if _, err := agent.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); err != nil {
		t.Errorf("Decrypt through the grant: %v", err)
	}
	_, err = agent.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), EncryptionContext: map[string]string{keypolicy.PolicyEngineContextKey: engine + "-other"}})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("Encrypt outside the grant's constraint = %v, want AccessDeniedException", err)
	}
	_, err = agent.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: &id, DestinationEncryptionContext: ec})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("ReEncrypt without a ReEncrypt grant = %v, want AccessDeniedException", err)
	}
	// The retiring principal retires it; then the grantee is denied.
	if _, err := agent.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: mgmt.GrantToken}); err != nil {
		t.Fatalf("RetireGrant: %v", err)
	}
	_, err = agent.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), EncryptionContext: ec})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("Encrypt after retiring the grant = %v, want AccessDeniedException", err)
	}
}

func TestRootDelegation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		root     bool
		wantCode string
	}{
		{name: "delegation allowed: IAM is assumed to allow", root: true},
		{name: "delegation denied: the default policy alone allows nothing", root: false, wantCode: "AccessDeniedException"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, c := setup(t, func(o *kmstest.Options) { o.RootDelegation = tt.root })
			id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
			_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
			if apiCode(err) != tt.wantCode && !(tt.wantCode == "" && err == nil) {
				t.Errorf("DescribeKey = %v, want %q", err, tt.wantCode)
			}
		})
	}
}

func TestGrantsListRetireRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	var ids []string
	for range 5 {
		g, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), RetiringPrincipal: aws.String(role), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(g.GrantId))
	}
	var listed []string
	pages := kms.NewListGrantsPaginator(c, &kms.ListGrantsInput{KeyId: &id, Limit: aws.Int32(2)})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, g := range page.Grants {
			listed = append(listed, aws.ToString(g.GrantId))
			if g.CreationDate == nil || aws.ToString(g.GranteePrincipal) != other {
				t.Errorf("grant entry %+v", g)
			}
		}
	}
	if diff := cmp.Diff(ids, listed); diff != "" || n != 3 {
		t.Errorf("ListGrants in %d pages, ids (-want +got):\n%s", n, diff)
	}
	if _, err := c.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id, GrantId: &ids[0]}); err != nil {
		t.Errorf("RetireGrant by the retiring principal: %v", err)
	}
	otherC := k.As(kmstest.Caller{Principal: other})
	if err := k.SetKeyPolicy(id, policyFor(role, "kms:*")); err != nil {
		t.Fatal(err)
	}
	_, err := otherC.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id, GrantId: &ids[1]})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("RetireGrant by a grantee without RetireGrant = %v, want AccessDeniedException", err)
	}
	if _, err := c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &id, GrantId: &ids[1]}); err != nil {
		t.Errorf("RevokeGrant: %v", err)
	}
	_, err = c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &id, GrantId: &ids[1]})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("RevokeGrant twice = %v, want NotFoundException", err)
	}
	left, _ := k.Grants(id)
	if len(left) != 3 {
		t.Errorf("%d grants left, want 3", len(left))
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)

	k.ThrottleNext(2)
	if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		t.Errorf("two throttles should be absorbed by the retryer: %v", err)
	}
	if got := k.CallCount("DescribeKey"); got != 3 {
		t.Errorf("DescribeKey served %d times, want 3 (two throttled)", got)
	}
	k.FailNext(100)
	_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
	var ie *types.KMSInternalException
	if !errors.As(err, &ie) {
		t.Errorf("persistent 500s = %v, want KMSInternalException", err)
	}
	k.FailNext(0)

	slow := kmstest.New(func(o *kmstest.Options) { o.Latency = 50 * time.Millisecond })
	sid := aws.ToString(slow.CreateTestKey(t, nil).KeyId)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	_, err = slow.Client().DescribeKey(cctx, &kms.DescribeKeyInput{KeyId: &sid})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("DescribeKey past its deadline = %v, want context.DeadlineExceeded", err)
	}
}

func TestAccessKeyMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDOTHER", other)
	id := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(policyFor(other, "kms:DescribeKey"))}).KeyId)
	if _, err := kmstest.NewSDKClient(srv.URL, "AKIDOTHER").DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		t.Errorf("mapped caller: %v", err)
	}
	_, err := kmstest.NewSDKClient(srv.URL, "AKIDUNKNOWN").DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
	if apiCode(err) != "UnrecognizedClientException" {
		t.Errorf("unmapped access key = %v, want UnrecognizedClientException", err)
	}
	if p, ok := k.PrincipalForAccessKey("AKIDOTHER"); !ok || p != other {
		t.Errorf("PrincipalForAccessKey = %q, %v", p, ok)
	}
	if p, ok := k.PrincipalForAccessKey("nope"); ok || p != "" {
		t.Errorf("PrincipalForAccessKey(unknown) = %q, %v; want none", p, ok)
	}
	calls := k.Requests()
	if len(calls) != 2 || calls[0].Caller.Principal != other || calls[1].Caller.Principal != "" || apiCode(calls[1].Err) != "UnrecognizedClientException" {
		t.Errorf("Requests = %+v", calls)
	}

	// Options.DefaultCaller stands for every unmapped access key.
	lenient := kmstest.New(func(o *kmstest.Options) { o.DefaultCaller = &kmstest.Caller{Principal: other} })
	lsrv := lenient.NewServer()
	defer lsrv.Close()
	lid := aws.ToString(lenient.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(policyFor(other, "kms:DescribeKey"))}).KeyId)
	if _, err := kmstest.NewSDKClient(lsrv.URL, "AKIDUNKNOWN").DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &lid}); err != nil {
		t.Errorf("unmapped access key with a DefaultCaller: %v", err)
	}
	if p, ok := lenient.PrincipalForAccessKey("nope"); ok || p != other {
		t.Errorf("PrincipalForAccessKey(unknown) with a DefaultCaller = %q, %v; want %q, false", p, ok, other)
	}
}

func TestImportedMaterialExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	k := kmstest.New(func(o *kmstest.Options) { o.Now = func() time.Time { return now } })
	md := k.CreateTestKey(t, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	validTo := now.Add(time.Hour)
	if err := k.UpdateKey(*md.KeyId, func(m *types.KeyMetadata) {
		m.KeyState, m.ExpirationModel, m.ValidTo = types.KeyStateEnabled, types.ExpirationModelTypeKeyMaterialExpires, &validTo
	}); err != nil {
		t.Fatal(err)
	}
	c := k.Client()
	if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")}); err != nil {
		t.Fatalf("Encrypt before ValidTo: %v", err)
	}
	now = now.Add(2 * time.Hour)
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	if out.KeyMetadata.KeyState != types.KeyStatePendingImport {
		t.Errorf("after ValidTo the key is %s, want PendingImport", out.KeyMetadata.KeyState)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
	var inv *types.KMSInvalidStateException
	if !errors.As(err, &inv) {
		t.Errorf("Encrypt after ValidTo = %v, want KMSInvalidStateException", err)
	}
	k.ResetCalls()
	if n := len(k.Calls()); n != 0 {
		t.Errorf("%d calls after ResetCalls", n)
	}
}

// In a grant constraint KMS matches the encryption-context keys ignoring
// case and the values respecting it (GrantConstraints in the KMS API
// reference).
func TestGrantConstraintKeysIgnoreCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	grantee := k.As(kmstest.Caller{Principal: other})
	if err := k.SetKeyPolicy(id, policyFor(role, "kms:*")); err != nil {
		t.Fatal(err)
	}
	for _, cons := range []types.GrantConstraints{
		{EncryptionContextSubset: map[string]string{"Department": "IT"}},
		{EncryptionContextEquals: map[string]string{"Department": "IT"}},
	} {
		_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other),
			Operations: []types.GrantOperation{types.GrantOperationEncrypt}, Constraints: &cons})
		if err != nil {
			t.Fatal(err)
		}
		_, err = grantee.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), EncryptionContext: map[string]string{"department": "IT"}})
		if err != nil {
			t.Errorf("%+v: Encrypt with the key in another case = %v, want allowed", cons, err)
		}
		_, err = grantee.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), EncryptionContext: map[string]string{"Department": "it"}})
		if apiCode(err) != "AccessDeniedException" {
			t.Errorf("%+v: Encrypt with the value in another case = %v, want AccessDeniedException", cons, err)
		}
		left, _ := k.Grants(id)
		for _, g := range left {
			if _, err := c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &id, GrantId: g.GrantId}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A CreateGrant retried with the same name returns the same grant only if
// every parameter is the same; otherwise KMS creates a new grant.
func TestCreateGrantSameNameOtherConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	in := func(engineARN, retiring string) *kms.CreateGrantInput {
		return &kms.CreateGrantInput{KeyId: &id, Name: aws.String("agentcore"), GranteePrincipal: aws.String(other),
			RetiringPrincipal: aws.String(retiring), Operations: []types.GrantOperation{types.GrantOperationDecrypt},
			Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{keypolicy.PolicyEngineContextKey: engineARN}}}
	}
	first, err := c.CreateGrant(ctx, in(engine, role))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateGrant(ctx, in(engine, role))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.GrantId) != aws.ToString(first.GrantId) {
		t.Errorf("identical retry got grant %s, want %s", aws.ToString(again.GrantId), aws.ToString(first.GrantId))
	}
	for _, tt := range []*kms.CreateGrantInput{in(engine+"-2", role), in(engine, other)} {
		g, err := c.CreateGrant(ctx, tt)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(g.GrantId) == aws.ToString(first.GrantId) {
			t.Errorf("CreateGrant with other constraints or retiring principal returned the existing grant")
		}
	}
	if left, _ := k.Grants(id); len(left) != 3 {
		t.Errorf("%d grants, want 3", len(left))
	}
}

// kms:RetireGrant is not effective in a key policy: a principal the grant
// does not name cannot retire it because the key policy allows it
// kms:RetireGrant (or kms:*). The account's IAM delegation still works.
func TestRetireGrantKeyPolicyNotEffective(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	g, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(role),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	if err != nil {
		t.Fatal(err)
	}
	// Other is named by the key policy only.
	if err := k.SetKeyPolicy(id, policyFor(other, "kms:RetireGrant")); err != nil {
		t.Fatal(err)
	}
	otherC := k.As(kmstest.Caller{Principal: other})
	_, err = otherC.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id, GrantId: g.GrantId})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("RetireGrant allowed only by the key policy = %v, want AccessDeniedException", err)
	}
	// With the default key policy, the account's IAM policies decide, and
	// kmstest takes them to allow (RootDelegation).
	if err := k.SetKeyPolicy(id, k.DefaultKeyPolicy()); err != nil {
		t.Fatal(err)
	}
	if _, err := otherC.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id, GrantId: g.GrantId}); err != nil {
		t.Errorf("RetireGrant delegated to IAM: %v", err)
	}
}

// KMS applies encryption-context grant constraints only to cryptographic
// operations: a grant for DescribeKey with such a constraint allows
// DescribeKey, which has no encryption context (GrantConstraints in the KMS
// API reference).
func TestGrantConstraintNotAppliedToDescribeKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other),
		Operations:  []types.GrantOperation{types.GrantOperationDescribeKey, types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"Department": "IT"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SetKeyPolicy(id, policyFor(role, "kms:*")); err != nil {
		t.Fatal(err)
	}
	grantee := k.As(kmstest.Caller{Principal: other})
	if _, err := grantee.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		t.Errorf("DescribeKey through a grant with an encryption-context constraint: %v", err)
	}
	// The constraint still applies to cryptographic operations.
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("Decrypt without the constraint's context = %v, want AccessDeniedException", err)
	}
}

// A grant with a SourceArn constraint allows its operations only for
// requests made on behalf of that resource (aws:SourceArn).
func TestGrantSourceArnConstraint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteeServicePrincipal: aws.String(keypolicy.ServicePrincipalName),
		Operations:  []types.GrantOperation{types.GrantOperationEncrypt},
		Constraints: &types.GrantConstraints{SourceArn: aws.String(engine)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.SetKeyPolicy(id, policyFor(role, "kms:*")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		source   string
		wantCode string
	}{
		{engine, ""},
		{engine + "-other", "AccessDeniedException"},
		{"", "AccessDeniedException"},
	} {
		caller := kmstest.Caller{Service: keypolicy.ServicePrincipalName}
		if tt.source != "" {
			caller.Context = map[string][]string{"aws:SourceArn": {tt.source}}
		}
		_, err := k.As(caller).Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
		if apiCode(err) != tt.wantCode || (tt.wantCode == "" && err != nil) {
			t.Errorf("Encrypt on behalf of %q = %v, want %q", tt.source, err, tt.wantCode)
		}
	}
}

// A grant whose grantee is an account lets that account's IAM policies
// decide which of its principals use it; kmstest takes them to allow when
// RootDelegation is set.
func TestGrantToAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		root     bool
		wantCode string
	}{{true, ""}, {false, "AccessDeniedException"}} {
		k, c := setup(t, func(o *kmstest.Options) { o.RootDelegation = tt.root })
		id := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(policyFor(role, "kms:*"))}).KeyId)
		_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String("arn:aws:iam::" + account + ":root"),
			Operations: []types.GrantOperation{types.GrantOperationEncrypt}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.As(kmstest.Caller{Principal: other}).Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
		if apiCode(err) != tt.wantCode || (tt.wantCode == "" && err != nil) {
			t.Errorf("RootDelegation %v: Encrypt through a grant to the account = %v, want %q", tt.root, err, tt.wantCode)
		}
		// Another account's principal is not covered.
		_, err = k.As(kmstest.Caller{Principal: "arn:aws:iam::444455556666:role/Other"}).Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
		if apiCode(err) != "AccessDeniedException" {
			t.Errorf("RootDelegation %v: Encrypt by another account = %v, want AccessDeniedException", tt.root, err)
		}
	}
}
