package kmstest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

func TestKeySpecTable(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	type algs struct {
		Encryption []types.EncryptionAlgorithmSpec
		Signing    []types.SigningAlgorithmSpec
		MAC        []types.MacAlgorithmSpec
		Agreement  []types.KeyAgreementAlgorithmSpec
	}
	tests := []struct {
		name     string
		spec     types.KeySpec
		usage    types.KeyUsageType
		want     algs
		wantCode string
	}{
		{name: "symmetric default", spec: types.KeySpecSymmetricDefault, want: algs{Encryption: []types.EncryptionAlgorithmSpec{"SYMMETRIC_DEFAULT"}}},
		{name: "ECC without KeyUsage: the default ENCRYPT_DECRYPT does not fit", spec: types.KeySpecEccNistP256, wantCode: "ValidationException"},
		{name: "ECC cannot encrypt", spec: types.KeySpecEccNistP256, usage: types.KeyUsageTypeEncryptDecrypt, wantCode: "ValidationException"},
		{name: "ECC P-256 signs with ECDSA SHA-256", spec: types.KeySpecEccNistP256, usage: types.KeyUsageTypeSignVerify, want: algs{Signing: []types.SigningAlgorithmSpec{"ECDSA_SHA_256"}}},
		{name: "ECC P-384 signs with ECDSA SHA-384", spec: types.KeySpecEccNistP384, usage: types.KeyUsageTypeSignVerify, want: algs{Signing: []types.SigningAlgorithmSpec{"ECDSA_SHA_384"}}},
		{name: "ECC P-521 signs with ECDSA SHA-512", spec: types.KeySpecEccNistP521, usage: types.KeyUsageTypeSignVerify, want: algs{Signing: []types.SigningAlgorithmSpec{"ECDSA_SHA_512"}}},
		{name: "ECC P-256 agrees keys with ECDH", spec: types.KeySpecEccNistP256, usage: types.KeyUsageTypeKeyAgreement, want: algs{Agreement: []types.KeyAgreementAlgorithmSpec{"ECDH"}}},
		{name: "secp256k1 signs only", spec: types.KeySpecEccSecgP256k1, usage: types.KeyUsageTypeKeyAgreement, wantCode: "ValidationException"},
		{name: "RSA encrypts with OAEP", spec: types.KeySpecRsa3072, usage: types.KeyUsageTypeEncryptDecrypt, want: algs{Encryption: []types.EncryptionAlgorithmSpec{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}}},
		{name: "RSA signs with PSS and PKCS1", spec: types.KeySpecRsa2048, usage: types.KeyUsageTypeSignVerify, want: algs{Signing: []types.SigningAlgorithmSpec{
			"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"}}},
		{name: "RSA cannot agree keys", spec: types.KeySpecRsa2048, usage: types.KeyUsageTypeKeyAgreement, wantCode: "ValidationException"},
		{name: "HMAC 384", spec: types.KeySpecHmac384, usage: types.KeyUsageTypeGenerateVerifyMac, want: algs{MAC: []types.MacAlgorithmSpec{"HMAC_SHA_384"}}},
		{name: "ML-DSA signs", spec: types.KeySpecMlDsa65, usage: types.KeyUsageTypeSignVerify, want: algs{Signing: []types.SigningAlgorithmSpec{"ML_DSA_SHAKE_256"}}},
		{name: "symmetric cannot sign", spec: types.KeySpecSymmetricDefault, usage: types.KeyUsageTypeSignVerify, wantCode: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{KeySpec: tt.spec, KeyUsage: tt.usage})
			if tt.wantCode != "" {
				if apiCode(err) != tt.wantCode {
					t.Fatalf("CreateKey(%s, %q) = %v, want %s", tt.spec, tt.usage, err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := out.KeyMetadata
			got := algs{Encryption: m.EncryptionAlgorithms, Signing: m.SigningAlgorithms, MAC: m.MacAlgorithms, Agreement: m.KeyAgreementAlgorithms}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("algorithms of %s (-want +got):\n%s", tt.spec, d)
			}
		})
	}
}

func TestCurrentKeyMaterialID(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	sym, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if id := aws.ToString(sym.KeyMetadata.CurrentKeyMaterialId); len(id) != 64 {
		t.Errorf("symmetric key's CurrentKeyMaterialId = %q, want 64 hex digits", id)
	}
	desc, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: sym.KeyMetadata.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.KeyMetadata.CurrentKeyMaterialId) != aws.ToString(sym.KeyMetadata.CurrentKeyMaterialId) {
		t.Errorf("DescribeKey's CurrentKeyMaterialId = %q, want CreateKey's", aws.ToString(desc.KeyMetadata.CurrentKeyMaterialId))
	}
	rsa, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	if rsa.KeyMetadata.CurrentKeyMaterialId != nil {
		t.Errorf("RSA key's CurrentKeyMaterialId = %q, want none", *rsa.KeyMetadata.CurrentKeyMaterialId)
	}
}

func TestDescriptionLimit(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	atLimit := strings.Repeat("é", agentcore.MaxKeyDescriptionChars) // characters, not bytes
	over := atLimit + "x"
	if _, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{Description: aws.String(over)}); apiCode(err) != "ValidationException" {
		t.Errorf("CreateKey with a %d-character description = %v, want ValidationException", agentcore.MaxKeyDescriptionChars+1, err)
	}
	if _, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{Description: aws.String(atLimit)}); err != nil {
		t.Errorf("CreateKey with a %d-character description = %v, want nil", agentcore.MaxKeyDescriptionChars, err)
	}
	if _, err := c.UpdateKeyDescription(t.Context(), &kms.UpdateKeyDescriptionInput{KeyId: &id, Description: aws.String(over)}); apiCode(err) != "ValidationException" {
		t.Errorf("UpdateKeyDescription over the limit = %v, want ValidationException", err)
	}
	if _, err := c.UpdateKeyDescription(t.Context(), &kms.UpdateKeyDescriptionInput{KeyId: &id, Description: aws.String("new")}); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(desc.KeyMetadata.Description); got != "new" {
		t.Errorf("description after UpdateKeyDescription = %q, want %q", got, "new")
	}
}

func TestListKeysPaginator(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	var want []string
	for range 7 {
		want = append(want, aws.ToString(k.CreateTestKey(t, nil).KeyId))
	}
	var got []string
	pages := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(3)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Keys {
			if aws.ToString(e.KeyArn) != k.KeyARN(aws.ToString(e.KeyId)) {
				t.Errorf("KeyArn %s does not match KeyId %s", aws.ToString(e.KeyArn), aws.ToString(e.KeyId))
			}
			got = append(got, aws.ToString(e.KeyId))
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ListKeys (-want +got):\n%s", d)
	}
	if _, err := c.ListKeys(t.Context(), &kms.ListKeysInput{Limit: aws.Int32(1001)}); apiCode(err) != "ValidationException" {
		t.Errorf("ListKeys with Limit 1001 = %v, want ValidationException", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	k, c := setup(t, func(o *kmstest.Options) { o.Now = func() time.Time { return now } })
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	st, err := c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if st.KeyRotationEnabled {
		t.Error("a new key rotates")
	}
	if _, err := c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: &id, RotationPeriodInDays: aws.Int32(89)}); apiCode(err) != "ValidationException" {
		t.Errorf("EnableKeyRotation every 89 days = %v, want ValidationException", err)
	}
	if _, err := c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: &id, RotationPeriodInDays: aws.Int32(180)}); err != nil {
		t.Fatal(err)
	}
	st, err = c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 180 || !aws.ToTime(st.NextRotationDate).Equal(now.AddDate(0, 0, 180)) {
		t.Errorf("rotation status = enabled %v, period %d, next %v; want true, 180, %v", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays), aws.ToTime(st.NextRotationDate), now.AddDate(0, 0, 180))
	}
	if _, err := c.DisableKeyRotation(t.Context(), &kms.DisableKeyRotationInput{KeyId: &id}); err != nil {
		t.Fatal(err)
	}
	if st, err := c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: &id}); err != nil || st.KeyRotationEnabled {
		t.Errorf("after DisableKeyRotation: %+v, %v", st, err)
	}
	rsa := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify}).KeyId)
	var uo *types.UnsupportedOperationException
	if _, err := c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: &rsa}); !errors.As(err, &uo) {
		t.Errorf("EnableKeyRotation on an RSA key = %v, want UnsupportedOperationException", err)
	}
	imported := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{Origin: types.OriginTypeExternal}).KeyId)
	if _, err := c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: &imported}); !errors.As(err, &uo) {
		t.Errorf("GetKeyRotationStatus on an imported key = %v, want UnsupportedOperationException", err)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	out, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.KeyMetadata.KeyId)
	if _, err := c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{
		{TagKey: aws.String("team"), TagValue: aws.String("b")}, {TagKey: aws.String("env"), TagValue: aws.String("test")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(t.Context(), &kms.UntagResourceInput{KeyId: &id, TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	pages := kms.NewListResourceTagsPaginator(c, &kms.ListResourceTagsInput{KeyId: &id})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range page.Tags {
			got = append(got, aws.ToString(tag.TagKey)+"="+aws.ToString(tag.TagValue))
		}
	}
	if d := cmp.Diff([]string{"team=b"}, got); d != "" {
		t.Errorf("tags (-want +got):\n%s", d)
	}
	var te *types.TagException
	if _, err := c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("v")}}}); !errors.As(err, &te) {
		t.Errorf("TagResource with an aws: key = %v, want TagException", err)
	}
	if _, err := c.ListResourceTags(t.Context(), &kms.ListResourceTagsInput{KeyId: &id, Limit: aws.Int32(51)}); apiCode(err) != "ValidationException" {
		t.Errorf("ListResourceTags with Limit 51 = %v, want ValidationException", err)
	}
	if err := k.SetKeyState(id, types.KeyStatePendingDeletion); err != nil {
		t.Fatal(err)
	}
	var inv *types.KMSInvalidStateException
	if _, err := c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}}); !errors.As(err, &inv) {
		t.Errorf("TagResource on a key pending deletion = %v, want KMSInvalidStateException", err)
	}
}
