package kmstest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestKeyStateTable drives every operation kmstest serves on a key in each
// key state through the SDK, and checks the answer against the KMS
// key-state table ("Key states of AWS KMS keys"): "" is success.
func TestKeyStateTable(t *testing.T) {
	t.Parallel()
	const (
		ok        = ""
		disabled  = "DisabledException"
		invalid   = "KMSInvalidStateException"
		unsupport = "UnsupportedOperationException"
	)
	states := []types.KeyState{types.KeyStateEnabled, types.KeyStateDisabled, types.KeyStatePendingDeletion, types.KeyStatePendingImport, types.KeyStateUnavailable}
	type row struct {
		op   string
		call func(ctx context.Context, c *kms.Client, id string, blob []byte) error
		want [5]string // by states
	}
	rows := []row{
		{"DescribeKey", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, ok, ok, ok}},
		{"Encrypt", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
			return err
		}, [5]string{ok, disabled, invalid, invalid, invalid}},
		{"Decrypt", func(ctx context.Context, c *kms.Client, _ string, blob []byte) error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
			return err
		}, [5]string{ok, disabled, invalid, invalid, invalid}},
		{"GenerateDataKey", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256})
			return err
		}, [5]string{ok, disabled, invalid, invalid, invalid}},
		{"GenerateDataKeyWithoutPlaintext", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: &id, KeySpec: types.DataKeySpecAes256})
			return err
		}, [5]string{ok, disabled, invalid, invalid, invalid}},
		{"ReEncrypt", func(ctx context.Context, c *kms.Client, id string, blob []byte) error {
			_, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: &id})
			return err
		}, [5]string{ok, disabled, invalid, invalid, invalid}},
		{"CreateGrant", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
			return err
		}, [5]string{ok, disabled, invalid, invalid, ok}},
		{"ListGrants", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, ok, ok, ok}},
		{"GetKeyPolicy", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, ok, ok, ok}},
		{"PutKeyPolicy", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &id, Policy: aws.String(policyFor(role, "kms:*"))})
			return err
		}, [5]string{ok, ok, ok, ok, ok}},
		{"ListKeyPolicies", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, ok, ok, ok}},
		{"EnableKey", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, invalid, invalid, ok}},
		{"DisableKey", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, invalid, invalid, ok}},
		{"ScheduleKeyDeletion", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, invalid, ok, ok}},
		{"CancelKeyDeletion", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &id})
			return err
		}, [5]string{invalid, invalid, ok, invalid, invalid}},
		{"CreateAlias", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: &id})
			return err
		}, [5]string{ok, ok, invalid, ok, ok}},
		{"TagResource", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
			return err
		}, [5]string{ok, ok, invalid, ok, ok}},
		{"UntagResource", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: &id, TagKeys: []string{"k"}})
			return err
		}, [5]string{ok, ok, invalid, ok, ok}},
		{"ListResourceTags", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, ok, ok, ok}},
		{"UpdateKeyDescription", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: &id, Description: aws.String("d")})
			return err
		}, [5]string{ok, ok, invalid, ok, ok}},
		{"EnableKeyRotation", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: &id})
			return err
		}, [5]string{ok, disabled, invalid, unsupport, unsupport}},
		{"DisableKeyRotation", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: &id})
			return err
		}, [5]string{ok, disabled, invalid, unsupport, unsupport}},
		{"GetKeyRotationStatus", func(ctx context.Context, c *kms.Client, id string, _ []byte) error {
			_, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &id})
			return err
		}, [5]string{ok, ok, ok, unsupport, unsupport}},
	}
	for _, r := range rows {
		for i, st := range states {
			t.Run(r.op+"/"+string(st), func(t *testing.T) {
				t.Parallel()
				k, c := setup(t)
				id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
				enc, err := k.Client().Encrypt(t.Context(), &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x")})
				if err != nil {
					t.Fatal(err)
				}
				if err := k.SetKeyState(id, st); err != nil {
					t.Fatal(err)
				}
				if got := apiCode(r.call(t.Context(), c, id, enc.CiphertextBlob)); got != r.want[i] {
					t.Errorf("%s on a %s key: code %q, want %q", r.op, st, got, r.want[i])
				}
			})
		}
	}
}
