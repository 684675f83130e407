package kmstest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// keySpecRule is what KMS allows for one key spec: the key usages it takes
// (the first is used when KeyUsage is omitted only for SYMMETRIC_DEFAULT,
// the one spec for which KeyUsage is optional) and, per usage, the
// algorithms KeyMetadata lists (CreateKey, KeySpec and KeyUsage; "Key spec
// reference" in the KMS Developer Guide).
type keySpecRule struct {
	usages     []types.KeyUsageType
	encryption []types.EncryptionAlgorithmSpec
	signing    []types.SigningAlgorithmSpec
	mac        []types.MacAlgorithmSpec
	agreement  []types.KeyAgreementAlgorithmSpec
}

var (
	rsaSigning = []types.SigningAlgorithmSpec{
		types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPssSha384, types.SigningAlgorithmSpecRsassaPssSha512,
		types.SigningAlgorithmSpecRsassaPkcs1V15Sha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha384, types.SigningAlgorithmSpecRsassaPkcs1V15Sha512,
	}
	rsaEncryption = []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecRsaesOaepSha1, types.EncryptionAlgorithmSpecRsaesOaepSha256}
	ecdh          = []types.KeyAgreementAlgorithmSpec{types.KeyAgreementAlgorithmSpecEcdh}
	mlDSA         = keySpecRule{usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify}, signing: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecMlDsaShake256}}
	mlKEM         = keySpecRule{usages: []types.KeyUsageType{types.KeyUsageTypeEncapsulateDecapsulate}}
	nistECC       = func(alg types.SigningAlgorithmSpec) keySpecRule {
		return keySpecRule{usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement}, signing: []types.SigningAlgorithmSpec{alg}, agreement: ecdh}
	}
	hmac = func(alg types.MacAlgorithmSpec) keySpecRule {
		return keySpecRule{usages: []types.KeyUsageType{types.KeyUsageTypeGenerateVerifyMac}, mac: []types.MacAlgorithmSpec{alg}}
	}
)

// keySpecs is the KeySpec/KeyUsage table. SM2 is valid only in the China
// Regions; kmstest, which does not model Regions' features, accepts it in
// every Region.
var keySpecs = map[types.KeySpec]keySpecRule{
	types.KeySpecSymmetricDefault: {usages: []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt}, encryption: []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSymmetricDefault}},
	types.KeySpecRsa2048:          {usages: []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify}, encryption: rsaEncryption, signing: rsaSigning},
	types.KeySpecRsa3072:          {usages: []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify}, encryption: rsaEncryption, signing: rsaSigning},
	types.KeySpecRsa4096:          {usages: []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify}, encryption: rsaEncryption, signing: rsaSigning},
	types.KeySpecEccNistP256:      nistECC(types.SigningAlgorithmSpecEcdsaSha256),
	types.KeySpecEccNistP384:      nistECC(types.SigningAlgorithmSpecEcdsaSha384),
	types.KeySpecEccNistP521:      nistECC(types.SigningAlgorithmSpecEcdsaSha512),
	types.KeySpecEccSecgP256k1:    {usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify}, signing: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEcdsaSha256}},
	types.KeySpecEccNistEdwards25519: {usages: []types.KeyUsageType{types.KeyUsageTypeSignVerify},
		signing: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEd25519Sha512, types.SigningAlgorithmSpecEd25519PhSha512}},
	types.KeySpecSm2: {usages: []types.KeyUsageType{types.KeyUsageTypeEncryptDecrypt, types.KeyUsageTypeSignVerify, types.KeyUsageTypeKeyAgreement},
		encryption: []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSm2pke}, signing: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecSm2dsa}, agreement: ecdh},
	types.KeySpecHmac224:   hmac(types.MacAlgorithmSpecHmacSha224),
	types.KeySpecHmac256:   hmac(types.MacAlgorithmSpecHmacSha256),
	types.KeySpecHmac384:   hmac(types.MacAlgorithmSpecHmacSha384),
	types.KeySpecHmac512:   hmac(types.MacAlgorithmSpecHmacSha512),
	types.KeySpecMlDsa44:   mlDSA,
	types.KeySpecMlDsa65:   mlDSA,
	types.KeySpecMlDsa87:   mlDSA,
	types.KeySpecMlKem512:  mlKEM,
	types.KeySpecMlKem768:  mlKEM,
	types.KeySpecMlKem1024: mlKEM,
}

// applyKeySpec checks usage against spec (usage "" is the documented
// default, ENCRYPT_DECRYPT) and fills in meta's spec, usage and algorithms.
func applyKeySpec(meta *types.KeyMetadata, spec types.KeySpec, usage types.KeyUsageType) error {
	rule, ok := keySpecs[spec]
	if !ok {
		return validationError("1 validation error detected: Value '" + string(spec) + "' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set")
	}
	if usage == "" {
		usage = types.KeyUsageTypeEncryptDecrypt
	}
	if !slices.Contains(rule.usages, usage) {
		if !slices.Contains(types.KeyUsageType("").Values(), usage) {
			return validationError("1 validation error detected: Value '" + string(usage) + "' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set")
		}
		return validationError("KeyUsage " + string(usage) + " is not compatible with KeySpec " + string(spec) + "; it takes " + joinUsages(rule.usages))
	}
	//lint:ignore SA1019 KMS still returns the deprecated member, and older clients read it.
	meta.CustomerMasterKeySpec = types.CustomerMasterKeySpec(spec)
	meta.KeySpec, meta.KeyUsage = spec, usage
	switch usage {
	case types.KeyUsageTypeEncryptDecrypt:
		meta.EncryptionAlgorithms = slices.Clone(rule.encryption)
	case types.KeyUsageTypeSignVerify:
		meta.SigningAlgorithms = slices.Clone(rule.signing)
	case types.KeyUsageTypeGenerateVerifyMac:
		meta.MacAlgorithms = slices.Clone(rule.mac)
	case types.KeyUsageTypeKeyAgreement:
		meta.KeyAgreementAlgorithms = slices.Clone(rule.agreement)
	}
	return nil
}

func joinUsages(us []types.KeyUsageType) string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = string(u)
	}
	return strings.Join(s, " or ")
}

// checkDescription refuses a description over agentcore.MaxKeyDescriptionChars.
func checkDescription(d *string) error {
	if d != nil && utf8.RuneCountInString(*d) > agentcore.MaxKeyDescriptionChars {
		return lengthError("description", 0, agentcore.MaxKeyDescriptionChars)
	}
	return nil
}

// CreateKey creates a key, as the KMS API reference describes it:
//
//   - KeySpec (default SYMMETRIC_DEFAULT) and KeyUsage follow the KeySpec
//     table: KeyUsage is optional only for symmetric encryption keys (its
//     default is ENCRYPT_DECRYPT, so an ECC or HMAC key without KeyUsage
//     fails with ValidationException), and KeyMetadata lists the
//     encryption, signing, MAC or key-agreement algorithms of the key spec.
//   - A key without Policy gets the default key policy. A Policy over
//     agentcore.MaxKeyPolicyBytes is LimitExceededException; one that does
//     not parse, or that fails the lockout safety check, is
//     MalformedPolicyDocumentException (see [Client.PutKeyPolicy]).
//   - A Description over agentcore.MaxKeyDescriptionChars is
//     ValidationException. Tags are kept (see [Client.TagResource]).
//   - Origin EXTERNAL leaves the key PendingImport. Symmetric encryption keys
//     get a CurrentKeyMaterialId. CustomKeyStoreId is recorded as given
//     (custom key stores are not modelled; see [KMS.UpdateKey] to make such
//     a key Unavailable).
//
// Creating a key is authorized by IAM, which kmstest does not model: every
// caller may create keys.
func (c *Client) CreateKey(ctx context.Context, params *kms.CreateKeyInput, optFns ...func(*kms.Options)) (*kms.CreateKeyOutput, error) {
	if params == nil {
		params = &kms.CreateKeyInput{}
	}
	if err := c.begin(ctx, "CreateKey", ""); err != nil {
		return nil, err
	}
	k := c.kms
	spec := params.KeySpec
	if spec == "" {
		//lint:ignore SA1019 older clients still send the deprecated member, which KMS accepts.
		spec = types.KeySpec(params.CustomerMasterKeySpec)
	}
	if spec == "" {
		spec = types.KeySpecSymmetricDefault
	}
	id := newID()
	if aws.ToBool(params.MultiRegion) {
		id = "mrk-" + strings.ReplaceAll(id, "-", "")
	}
	arn := k.KeyARN(id)
	var meta types.KeyMetadata
	var doc *keypolicy.Document
	var tags map[string]string
	policy := k.DefaultKeyPolicy()
	if params.Policy != nil {
		policy = *params.Policy
	}
	origin := params.Origin
	if origin == "" {
		origin = types.OriginTypeAwsKms
	}
	err := func() error {
		if err := applyKeySpec(&meta, spec, params.KeyUsage); err != nil {
			return err
		}
		if !slices.Contains(types.OriginType("").Values(), origin) {
			return validationError("1 validation error detected: Value '" + string(origin) + "' at 'origin' failed to satisfy constraint: Member must satisfy enum value set")
		}
		if err := checkDescription(params.Description); err != nil {
			return err
		}
		var err error
		if tags, err = applyTags(nil, params.Tags); err != nil {
			return err
		}
		doc, err = c.checkPolicy(policy, arn, params.BypassPolicyLockoutSafetyCheck)
		return err
	}()
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		c.recordLocked("CreateKey", "", err)
		return nil, err
	}
	now := k.opts.Now()
	state := types.KeyStateEnabled
	if origin == types.OriginTypeExternal {
		state = types.KeyStatePendingImport
	}
	meta.KeyId = aws.String(id)
	meta.Arn = aws.String(arn)
	meta.AWSAccountId = aws.String(k.opts.Account)
	meta.CreationDate = aws.Time(now)
	meta.Description = aws.String(aws.ToString(params.Description))
	meta.KeyState = state
	meta.Enabled = state == types.KeyStateEnabled
	meta.Origin = origin
	meta.KeyManager = types.KeyManagerTypeCustomer
	meta.MultiRegion = aws.Bool(aws.ToBool(params.MultiRegion))
	meta.CustomKeyStoreId = params.CustomKeyStoreId
	if origin == types.OriginTypeExternal {
		meta.ExpirationModel = types.ExpirationModelTypeKeyMaterialDoesNotExpire
	}
	if spec == types.KeySpecSymmetricDefault && (origin == types.OriginTypeAwsKms || origin == types.OriginTypeExternal) {
		// KeyMetadata: "present for symmetric encryption keys with AWS_KMS
		// or EXTERNAL origin".
		meta.CurrentKeyMaterialId = aws.String(keyMaterialID())
	}
	if *meta.MultiRegion {
		meta.MultiRegionConfiguration = &types.MultiRegionConfiguration{
			MultiRegionKeyType: types.MultiRegionKeyTypePrimary,
			PrimaryKey:         &types.MultiRegionKey{Arn: meta.Arn, Region: aws.String(k.opts.Region)},
		}
	}
	material := make([]byte, 32)
	if _, err := rand.Read(material); err != nil {
		return nil, err
	}
	kk := &key{meta: meta, policy: policy, doc: doc, material: material, tags: tags}
	k.keys[id] = kk
	k.order = append(k.order, id)
	c.recordLocked("CreateKey", "", nil)
	return &kms.CreateKeyOutput{KeyMetadata: copyMeta(kk.meta)}, nil
}

// keyMaterialID returns a new key material id: 64 hex digits, as KMS
// shows them.
func keyMaterialID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	sum := sha256.Sum256(b[:])
	return hex.EncodeToString(sum[:])
}

// DescribeKey returns a key's metadata; KeyId may be a key id, key ARN,
// alias name or alias ARN. It works in every key state.
func (c *Client) DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if params == nil {
		params = &kms.DescribeKeyInput{}
	}
	var out *kms.DescribeKeyOutput
	err := c.keyOp(ctx, "DescribeKey", aws.ToString(params.KeyId), refAny, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:DescribeKey", grantOp: types.GrantOperationDescribeKey}); err != nil {
			return err
		}
		out = &kms.DescribeKeyOutput{KeyMetadata: copyMeta(kk.meta)}
		return nil
	})
	return out, err
}

// ListKeys lists every key in the account and Region, in creation order,
// with Limit (1 to 1000, default 100) and Marker pagination
// (kms.NewListKeysPaginator works). Listing is authorized by IAM, which
// kmstest does not model.
func (c *Client) ListKeys(ctx context.Context, params *kms.ListKeysInput, optFns ...func(*kms.Options)) (*kms.ListKeysOutput, error) {
	if params == nil {
		params = &kms.ListKeysInput{}
	}
	var out *kms.ListKeysOutput
	err := c.locked(ctx, "ListKeys", "", func(k *KMS) error {
		ids, next, err := paginate(k.order, params.Limit, params.Marker, 100, 1000)
		if err != nil {
			return err
		}
		entries := make([]types.KeyListEntry, len(ids))
		for i, id := range ids {
			entries[i] = types.KeyListEntry{KeyId: aws.String(id), KeyArn: aws.String(k.KeyARN(id))}
		}
		out = &kms.ListKeysOutput{Keys: entries, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}

// UpdateKeyDescription replaces a key's description (KeyId: key id or key
// ARN). Over agentcore.MaxKeyDescriptionChars is ValidationException; a key
// pending deletion is KMSInvalidStateException.
func (c *Client) UpdateKeyDescription(ctx context.Context, params *kms.UpdateKeyDescriptionInput, optFns ...func(*kms.Options)) (*kms.UpdateKeyDescriptionOutput, error) {
	if params == nil {
		params = &kms.UpdateKeyDescriptionInput{}
	}
	err := c.keyOp(ctx, "UpdateKeyDescription", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if params.Description == nil {
			return validationError("1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null")
		}
		if err := checkDescription(params.Description); err != nil {
			return err
		}
		if err := c.authorize(kk, request{action: "kms:UpdateKeyDescription"}); err != nil {
			return err
		}
		if err := stateError(stateNotDeleting, kk); err != nil {
			return err
		}
		kk.meta.Description = aws.String(*params.Description)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.UpdateKeyDescriptionOutput{}, nil
}

// EnableKey enables a key (KeyId: key id or key ARN). A key pending
// deletion or import fails with KMSInvalidStateException; a key in an
// Unavailable custom key store stays Unavailable (KMS applies the change
// when the key store is connected again, which kmstest does not model).
func (c *Client) EnableKey(ctx context.Context, params *kms.EnableKeyInput, optFns ...func(*kms.Options)) (*kms.EnableKeyOutput, error) {
	if params == nil {
		params = &kms.EnableKeyInput{}
	}
	err := c.keyOp(ctx, "EnableKey", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		return c.setEnabled(kk, "kms:EnableKey", types.KeyStateEnabled)
	})
	if err != nil {
		return nil, err
	}
	return &kms.EnableKeyOutput{}, nil
}

// DisableKey disables a key (KeyId: key id or key ARN), with the key-state
// rules of [Client.EnableKey].
func (c *Client) DisableKey(ctx context.Context, params *kms.DisableKeyInput, optFns ...func(*kms.Options)) (*kms.DisableKeyOutput, error) {
	if params == nil {
		params = &kms.DisableKeyInput{}
	}
	err := c.keyOp(ctx, "DisableKey", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		return c.setEnabled(kk, "kms:DisableKey", types.KeyStateDisabled)
	})
	if err != nil {
		return nil, err
	}
	return &kms.DisableKeyOutput{}, nil
}

func (c *Client) setEnabled(kk *key, action string, to types.KeyState) error {
	if err := c.authorize(kk, request{action: action}); err != nil {
		return err
	}
	if err := stateError(stateEnableDisable, kk); err != nil {
		return err
	}
	if kk.meta.KeyState != types.KeyStateUnavailable {
		kk.meta.KeyState, kk.meta.Enabled = to, to == types.KeyStateEnabled
	}
	return nil
}

// ScheduleKeyDeletion puts a key (KeyId: key id or key ARN) in
// PendingDeletion with a DeletionDate PendingWindowInDays (7 to 30, default
// 30) from now. Keys are never actually deleted.
func (c *Client) ScheduleKeyDeletion(ctx context.Context, params *kms.ScheduleKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	if params == nil {
		params = &kms.ScheduleKeyDeletionInput{}
	}
	var out *kms.ScheduleKeyDeletionOutput
	err := c.keyOp(ctx, "ScheduleKeyDeletion", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:ScheduleKeyDeletion"}); err != nil {
			return err
		}
		days := aws.ToInt32(params.PendingWindowInDays)
		if params.PendingWindowInDays == nil {
			days = 30
		}
		if days < 7 || days > 30 {
			return validationError("1 validation error detected: Value '" + strconv.Itoa(int(days)) + "' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30")
		}
		if err := stateError(stateNotDeleting, kk); err != nil {
			return err
		}
		kk.meta.KeyState, kk.meta.Enabled = types.KeyStatePendingDeletion, false
		kk.meta.DeletionDate = aws.Time(c.kms.opts.Now().AddDate(0, 0, int(days)))
		kk.meta.PendingDeletionWindowInDays = aws.Int32(days)
		out = &kms.ScheduleKeyDeletionOutput{KeyId: kk.meta.Arn, DeletionDate: kk.meta.DeletionDate, KeyState: kk.meta.KeyState, PendingWindowInDays: aws.Int32(days)}
		return nil
	})
	return out, err
}

// CancelKeyDeletion cancels a scheduled deletion (KeyId: key id or key
// ARN); the key becomes Disabled, as in KMS.
func (c *Client) CancelKeyDeletion(ctx context.Context, params *kms.CancelKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error) {
	if params == nil {
		params = &kms.CancelKeyDeletionInput{}
	}
	var out *kms.CancelKeyDeletionOutput
	err := c.keyOp(ctx, "CancelKeyDeletion", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:CancelKeyDeletion"}); err != nil {
			return err
		}
		if err := stateError(stateDeleting, kk); err != nil {
			return err
		}
		kk.meta.KeyState, kk.meta.Enabled = types.KeyStateDisabled, false
		kk.meta.DeletionDate, kk.meta.PendingDeletionWindowInDays = nil, nil
		out = &kms.CancelKeyDeletionOutput{KeyId: kk.meta.Arn}
		return nil
	})
	return out, err
}

// Rotation periods EnableKeyRotation takes (RotationPeriodInDays: 90 to
// 2560, default 365).
const (
	minRotationDays     = 90
	maxRotationDays     = 2560
	defaultRotationDays = 365
)

// rotatable returns the UnsupportedOperationException KMS gives for
// automatic rotation of a key that cannot rotate: "supported only on
// symmetric encryption KMS keys", not on asymmetric or HMAC keys, keys with
// imported key material or keys in a custom key store.
func rotatable(kk *key) error {
	m := kk.meta
	if m.KeySpec != types.KeySpecSymmetricDefault || m.Origin != types.OriginTypeAwsKms || m.CustomKeyStoreId != nil {
		return &types.UnsupportedOperationException{Message: aws.String(*m.Arn + " does not support automatic key rotation (key spec " + string(m.KeySpec) + ", origin " + string(m.Origin) + ").")}
	}
	return nil
}

// EnableKeyRotation turns on automatic rotation of a symmetric encryption
// key (KeyId: key id or key ARN) every RotationPeriodInDays (90 to 2560,
// default 365). Other keys fail with UnsupportedOperationException; key
// states follow the key-state table.
func (c *Client) EnableKeyRotation(ctx context.Context, params *kms.EnableKeyRotationInput, optFns ...func(*kms.Options)) (*kms.EnableKeyRotationOutput, error) {
	if params == nil {
		params = &kms.EnableKeyRotationInput{}
	}
	err := c.keyOp(ctx, "EnableKeyRotation", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		days := int32(defaultRotationDays)
		if params.RotationPeriodInDays != nil {
			days = *params.RotationPeriodInDays
		}
		if days < minRotationDays || days > maxRotationDays {
			return validationError("1 validation error detected: Value '" + strconv.Itoa(int(days)) + "' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between 90 and 2560")
		}
		extra := map[string][]string{"kms:RotationPeriodInDays": {strconv.Itoa(int(days))}}
		if err := c.authorize(kk, request{action: "kms:EnableKeyRotation", extra: extra}); err != nil {
			return err
		}
		if err := rotatable(kk); err != nil {
			return err
		}
		if err := stateError(stateRotation, kk); err != nil {
			return err
		}
		kk.rotation = &rotation{periodDays: days, next: c.kms.opts.Now().Add(time.Duration(days) * 24 * time.Hour)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.EnableKeyRotationOutput{}, nil
}

// DisableKeyRotation turns off automatic rotation, with the rules of
// [Client.EnableKeyRotation].
func (c *Client) DisableKeyRotation(ctx context.Context, params *kms.DisableKeyRotationInput, optFns ...func(*kms.Options)) (*kms.DisableKeyRotationOutput, error) {
	if params == nil {
		params = &kms.DisableKeyRotationInput{}
	}
	err := c.keyOp(ctx, "DisableKeyRotation", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:DisableKeyRotation"}); err != nil {
			return err
		}
		if err := rotatable(kk); err != nil {
			return err
		}
		if err := stateError(stateRotation, kk); err != nil {
			return err
		}
		kk.rotation = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.DisableKeyRotationOutput{}, nil
}

// GetKeyRotationStatus reports whether automatic rotation is on, with its
// period and next rotation date (KeyId: key id or key ARN).
func (c *Client) GetKeyRotationStatus(ctx context.Context, params *kms.GetKeyRotationStatusInput, optFns ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error) {
	if params == nil {
		params = &kms.GetKeyRotationStatusInput{}
	}
	var out *kms.GetKeyRotationStatusOutput
	err := c.keyOp(ctx, "GetKeyRotationStatus", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:GetKeyRotationStatus"}); err != nil {
			return err
		}
		if err := rotatable(kk); err != nil {
			return err
		}
		if err := stateError(stateRotationStatus, kk); err != nil {
			return err
		}
		out = &kms.GetKeyRotationStatusOutput{KeyId: kk.meta.Arn}
		if r := kk.rotation; r != nil {
			out.KeyRotationEnabled = true
			out.RotationPeriodInDays = aws.Int32(r.periodDays)
			out.NextRotationDate = aws.Time(r.next)
		}
		return nil
	})
	return out, err
}
