package kmstest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestDryRunEveryOperation: each operation KMS accepts DryRun on answers
// DryRunOperationException over the wire, returns nothing and changes
// nothing; and the same call without DryRun then succeeds, so the dry run
// answered for a request that would have worked.
func TestDryRunEveryOperation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	ec := map[string]string{"purpose": "dry-run"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("secret"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	grant := func(t *testing.T) *kms.CreateGrantOutput {
		t.Helper()
		g, err := c.CreateGrant(ctx, &kms.CreateGrantInput{
			KeyId: &id, GranteePrincipal: aws.String(other), RetiringPrincipal: aws.String(role),
			Operations: []types.GrantOperation{types.GrantOperationDecrypt},
		})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	tests := []struct {
		name string
		// call makes the request with DryRun as given and returns its
		// non-error output, which must be nil on a dry run.
		call func(t *testing.T, dry bool) (any, error)
	}{
		{"Encrypt", func(t *testing.T, dry bool) (any, error) {
			out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), DryRun: aws.Bool(dry)})
			return out, err
		}},
		{"Decrypt", func(t *testing.T, dry bool) (any, error) {
			out, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, DryRun: aws.Bool(dry)})
			return out, err
		}},
		{"GenerateDataKey", func(t *testing.T, dry bool) (any, error) {
			out, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256, DryRun: aws.Bool(dry)})
			return out, err
		}},
		{"GenerateDataKeyWithoutPlaintext", func(t *testing.T, dry bool) (any, error) {
			out, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &id, NumberOfBytes: aws.Int32(32), DryRun: aws.Bool(dry)})
			return out, err
		}},
		{"ReEncrypt", func(t *testing.T, dry bool) (any, error) {
			out, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: &id, DryRun: aws.Bool(dry)})
			return out, err
		}},
		{"CreateGrant", func(t *testing.T, dry bool) (any, error) {
			out, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationEncrypt}, DryRun: aws.Bool(dry)})
			return out, err
		}},
		{"RetireGrant", func(t *testing.T, dry bool) (any, error) {
			g := grant(t)
			out, err := c.RetireGrant(ctx, &kms.RetireGrantInput{KeyId: &id, GrantId: g.GrantId, DryRun: aws.Bool(dry)})
			return out, err
		}},
		{"RevokeGrant", func(t *testing.T, dry bool) (any, error) {
			g := grant(t)
			out, err := c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: &id, GrantId: g.GrantId, DryRun: aws.Bool(dry)})
			return out, err
		}},
	}
	// Sequential: the grant counts below are for the whole key.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := k.Grants(id)
			if err != nil {
				t.Fatal(err)
			}
			out, err := tt.call(t, true)
			var dr *types.DryRunOperationException
			if !errors.As(err, &dr) {
				t.Fatalf("with DryRun = %v, want DryRunOperationException", err)
			}
			if apiCode(err) != "DryRunOperationException" {
				t.Errorf("error code %q, want DryRunOperationException", apiCode(err))
			}
			if out != nil && !isNilOutput(out) {
				t.Errorf("a dry run returned output %+v", out)
			}
			after, err := k.Grants(id)
			if err != nil {
				t.Fatal(err)
			}
			// RetireGrant and RevokeGrant create one grant before the dry
			// run; the dry run must leave it in place.
			wantAfter := len(before)
			if tt.name == "RetireGrant" || tt.name == "RevokeGrant" {
				wantAfter++
			}
			if len(after) != wantAfter {
				t.Errorf("%d grants after the dry run, want %d: a dry run changed the key", len(after), wantAfter)
			}
			if _, err := tt.call(t, false); err != nil {
				t.Errorf("the same call without DryRun = %v, want success", err)
			}
		})
	}
}

// isNilOutput reports whether out is a typed nil output pointer.
func isNilOutput(out any) bool {
	switch o := out.(type) {
	case *kms.EncryptOutput:
		return o == nil
	case *kms.DecryptOutput:
		return o == nil
	case *kms.GenerateDataKeyOutput:
		return o == nil
	case *kms.GenerateDataKeyWithoutPlaintextOutput:
		return o == nil
	case *kms.ReEncryptOutput:
		return o == nil
	case *kms.CreateGrantOutput:
		return o == nil
	case *kms.RetireGrantOutput:
		return o == nil
	case *kms.RevokeGrantOutput:
		return o == nil
	}
	return false
}
