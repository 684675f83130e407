package kmstest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// TestErrorsOverTheWire checks that each kind of bad request comes back
// through the real SDK as the error code KMS uses.
func TestErrorsOverTheWire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	other := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	if err := k.SetAlias("alias/aws/s3", other); err != nil {
		t.Fatal(err)
	}
	if err := k.UpdateKey(other, func(m *types.KeyMetadata) { m.KeyManager = types.KeyManagerTypeAws }); err != nil {
		t.Fatal(err)
	}
	deleting := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	if err := k.SetKeyState(deleting, types.KeyStatePendingDeletion); err != nil {
		t.Fatal(err)
	}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		call     func() error
		wantCode string
	}{
		{"unknown key id", func() error {
			_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("00000000-0000-0000-0000-000000000000")})
			return err
		}, "NotFoundException"},
		{"another account's key ARN", func() error {
			_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:us-east-1:444455556666:key/" + id)})
			return err
		}, "NotFoundException"},
		{"a malformed ARN", func() error {
			_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms")})
			return err
		}, "NotFoundException"},
		{"alias name with a space", func() error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/a b"), TargetKeyId: &id})
			return err
		}, "ValidationException"},
		{"reserved alias prefix", func() error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/mine"), TargetKeyId: &id})
			return err
		}, "InvalidAliasNameException"},
		{"alias already exists", func() error {
			if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/dup"), TargetKeyId: &id}); err != nil {
				return err
			}
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/dup"), TargetKeyId: &other})
			return err
		}, "AlreadyExistsException"},
		{"alias targets an alias: TargetKeyId takes a key id or key ARN", func() error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("alias/aws/s3")})
			return err
		}, "NotFoundException"},
		{"alias on a key pending deletion", func() error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/late"), TargetKeyId: &deleting})
			return err
		}, "KMSInvalidStateException"},
		{"delete a missing alias", func() error {
			_, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/none")})
			return err
		}, "NotFoundException"},
		{"deletion window too short", func() error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(3)})
			return err
		}, "ValidationException"},
		{"schedule deletion twice", func() error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &deleting})
			return err
		}, "KMSInvalidStateException"},
		{"enable a key pending deletion", func() error {
			_, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &deleting})
			return err
		}, "KMSInvalidStateException"},
		{"cancel deletion of an enabled key", func() error {
			_, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &id})
			return err
		}, "KMSInvalidStateException"},
		{"malformed key policy", func() error {
			_, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &id, Policy: aws.String(`{"Statement":`)})
			return err
		}, "MalformedPolicyDocumentException"},
		{"another policy name", func() error {
			_, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &id, PolicyName: aws.String("other")})
			return err
		}, "NotFoundException"},
		{"RSA algorithm on a symmetric key", func() error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
			return err
		}, "InvalidKeyUsageException"},
		{"data key spec and length", func() error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes128, NumberOfBytes: aws.Int32(16)})
			return err
		}, "ValidationException"},
		{"data key too long", func() error {
			_, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &id, NumberOfBytes: aws.Int32(2000)})
			return err
		}, "ValidationException"},
		{"garbage ciphertext", func() error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("not a blob")})
			return err
		}, "InvalidCiphertextException"},
		{"truncated ciphertext", func() error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob[:len(enc.CiphertextBlob)-4]})
			return err
		}, "InvalidCiphertextException"},
		{"both grant constraints", func() error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(role), Operations: []types.GrantOperation{"Decrypt"},
				Constraints: &types.GrantConstraints{EncryptionContextEquals: map[string]string{"a": "b"}, EncryptionContextSubset: map[string]string{"a": "b"}}})
			return err
		}, "ValidationException"},
		{"unknown grant operation", func() error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(role), Operations: []types.GrantOperation{"Teleport"}})
			return err
		}, "ValidationException"},
		{"grant on a key pending deletion", func() error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &deleting, GranteePrincipal: aws.String(role), Operations: []types.GrantOperation{"Decrypt"}})
			return err
		}, "KMSInvalidStateException"},
		{"bad grant marker", func() error {
			_, err := c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: &id, Marker: aws.String("!!")})
			return err
		}, "InvalidMarkerException"},
		{"bad alias limit", func() error {
			_, err := c.ListAliases(ctx, &kms.ListAliasesInput{Limit: aws.Int32(5000)})
			return err
		}, "ValidationException"},
		{"unknown grant token", func() error {
			_, err := c.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: aws.String("nope")})
			return err
		}, "InvalidGrantTokenException"},
		{"retire without a grant", func() error {
			_, err := c.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id})
			return err
		}, "ValidationException"},
		{"retire an unknown grant id", func() error {
			_, err := c.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id, GrantId: aws.String("0000")})
			return err
		}, "NotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apiCode(tt.call()); got != tt.wantCode {
				t.Errorf("error code %q, want %q", got, tt.wantCode)
			}
		})
	}
}

func TestAliasesAndGrantsEdgeCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t, func(o *kmstest.Options) { o.PredefinedAliases = []string{} })
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	for _, name := range []string{"alias/b", "alias/a", "alias/c"} {
		if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: &id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/b")}); err != nil {
		t.Fatal(err)
	}
	var names []string
	pages := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{Limit: aws.Int32(1)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Aliases {
			names = append(names, aws.ToString(a.AliasName))
		}
	}
	if strings.Join(names, ",") != "alias/a,alias/c" {
		t.Errorf("aliases %v, want alias/a and alias/c in order", names)
	}

	// An EncryptionContextEquals grant allows exactly its context.
	grantee := k.As(kmstest.Caller{Principal: "arn:aws:sts::111122223333:assumed-role/Reader/s1"})
	if err := k.SetKeyPolicy(id, policyFor(role, "kms:*")); err != nil {
		t.Fatal(err)
	}
	ec := map[string]string{"tenant": "a"}
	g, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String("arn:aws:iam::111122223333:role/team/Reader"),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationRetireGrant}, Name: aws.String("reader"),
		Constraints: &types.GrantConstraints{EncryptionContextEquals: ec}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grantee.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), EncryptionContext: ec}); err != nil {
		t.Errorf("Encrypt with the exact context, as a session of the grantee role: %v", err)
	}
	_, err = grantee.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), EncryptionContext: map[string]string{"tenant": "a", "more": "b"}})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("Encrypt with a superset of an Equals constraint = %v, want AccessDeniedException", err)
	}
	// The same grant again is the same grant (an idempotent retry).
	again, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String("arn:aws:iam::111122223333:role/team/Reader"),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationRetireGrant}, Name: aws.String("reader"),
		Constraints: &types.GrantConstraints{EncryptionContextEquals: ec}})
	if err != nil || aws.ToString(again.GrantId) != aws.ToString(g.GrantId) {
		t.Errorf("repeated CreateGrant = %v, %v; want grant %s again", again, err, aws.ToString(g.GrantId))
	}
	// A grantee whose grant allows RetireGrant may retire it.
	if _, err := grantee.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id, GrantId: g.GrantId}); err != nil {
		t.Errorf("RetireGrant by the grantee: %v", err)
	}
	if gs, _ := k.Grants(id); len(gs) != 0 {
		t.Errorf("%d grants left", len(gs))
	}
	if ids := k.KeyIDs(); len(ids) != 1 || ids[0] != id {
		t.Errorf("KeyIDs = %v", ids)
	}
	if got := k.As(kmstest.Caller{Principal: role, ViaService: "s.amazonaws.com"}).Caller().String(); got != role+" via s.amazonaws.com" {
		t.Errorf("Caller.String = %q", got)
	}
}

func TestServerRejectsOtherRequests(t *testing.T) {
	t.Parallel()
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	for _, tt := range []struct{ method, target string }{
		{http.MethodGet, "TrentService.DescribeKey"},
		{http.MethodPost, "TrentService.Sign"},
		{http.MethodPost, "Other.DescribeKey"},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL, strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", tt.target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s %s = %d, want 400", tt.method, tt.target, resp.StatusCode)
		}
	}
}
