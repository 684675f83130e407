package kmstest

import (
	"context"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// create keys.
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
	usage := params.KeyUsage
	meta := types.KeyMetadata{KeySpec: spec, CustomerMasterKeySpec: types.CustomerMasterKeySpec(spec)}
	var err error
	switch {
	case spec == types.KeySpecSymmetricDefault:
		if usage == "" {
			usage = types.KeyUsageTypeEncryptDecrypt
		}
		if usage != types.KeyUsageTypeEncryptDecrypt {
			err = validationError("KeyUsage " + string(usage) + " is not compatible with KeySpec " + string(spec))
		}
		meta.EncryptionAlgorithms = []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSymmetricDefault}
	case strings.HasPrefix(string(spec), "HMAC_"):
		if usage == "" {
			usage = types.KeyUsageTypeGenerateVerifyMac
		}
		if usage != types.KeyUsageTypeGenerateVerifyMac {
			err = validationError("KeyUsage " + string(usage) + " is not compatible with KeySpec " + string(spec))
		}
		meta.MacAlgorithms = []types.MacAlgorithmSpec{types.MacAlgorithmSpec(strings.Replace(string(spec), "HMAC_", "HMAC_SHA_", 1))}
	case strings.HasPrefix(string(spec), "RSA_"):
		switch usage {
		case types.KeyUsageTypeEncryptDecrypt:
			meta.EncryptionAlgorithms = []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecRsaesOaepSha1, types.EncryptionAlgorithmSpecRsaesOaepSha256}
		case types.KeyUsageTypeSignVerify:
			meta.SigningAlgorithms = []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256}
		default:
			err = validationError("KeyUsage must be ENCRYPT_DECRYPT or SIGN_VERIFY for KeySpec " + string(spec))
		}
	case slices.Contains(types.KeySpec("").Values(), spec):
		if usage == "" {
			usage = types.KeyUsageTypeSignVerify
		}
	default:
		err = validationError("1 validation error detected: Value '" + string(spec) + "' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set")
	}
	origin := params.Origin
	if origin == "" {
		origin = types.OriginTypeAwsKms
	}
	if err == nil && !slices.Contains(types.OriginType("").Values(), origin) {
		err = validationError("1 validation error detected: Value '" + string(origin) + "' at 'origin' failed to satisfy constraint: Member must satisfy enum value set")
	}
	policy := k.DefaultKeyPolicy()
	if params.Policy != nil {
		policy = *params.Policy
	}
	doc, perr := keypolicy.Parse([]byte(policy))
	if err == nil && perr != nil {
		err = &types.MalformedPolicyDocumentException{Message: aws.String("The new key policy will not allow you to update the key policy in the future: " + perr.Error())}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		c.recordLocked("CreateKey", "", err)
		return nil, err
	}
	id := newID()
	if aws.ToBool(params.MultiRegion) {
		id = "mrk-" + strings.ReplaceAll(id, "-", "")
	}
	now := k.opts.Now()
	state := types.KeyStateEnabled
	if origin == types.OriginTypeExternal {
		state = types.KeyStatePendingImport
	}
	meta.KeyId = aws.String(id)
	meta.Arn = aws.String(k.KeyARN(id))
	meta.AWSAccountId = aws.String(k.opts.Account)
	meta.CreationDate = aws.Time(now)
	meta.Description = aws.String(aws.ToString(params.Description))
	meta.KeyUsage = usage
	meta.KeyState = state
	meta.Enabled = state == types.KeyStateEnabled
	meta.Origin = origin
	meta.KeyManager = types.KeyManagerTypeCustomer
	meta.MultiRegion = aws.Bool(aws.ToBool(params.MultiRegion))
	meta.CustomKeyStoreId = params.CustomKeyStoreId
	if origin == types.OriginTypeExternal {
		meta.ExpirationModel = types.ExpirationModelTypeKeyMaterialDoesNotExpire
	}
	if meta.MultiRegion != nil && *meta.MultiRegion {
		meta.MultiRegionConfiguration = &types.MultiRegionConfiguration{
			MultiRegionKeyType: types.MultiRegionKeyTypePrimary,
			PrimaryKey:         &types.MultiRegionKey{Arn: meta.Arn, Region: aws.String(k.opts.Region)},
		}
	}
	material := make([]byte, 32)
	if _, err := rand.Read(material); err != nil {
		return nil, err
	}
	kk := &key{meta: meta, policy: policy, doc: doc, material: material}
	k.keys[id] = kk
	k.order = append(k.order, id)
	c.recordLocked("CreateKey", "", nil)
	return &kms.CreateKeyOutput{KeyMetadata: copyMeta(kk.meta)}, nil
}

// DescribeKey returns a key's metadata; KeyId may be a key id, key ARN,
// alias name or alias ARN. It works in every key state.
func (c *Client) DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if params == nil {
		params = &kms.DescribeKeyInput{}
	}
	var out *kms.DescribeKeyOutput
	err := c.keyOp(ctx, "DescribeKey", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:DescribeKey", grantOp: types.GrantOperationDescribeKey}); err != nil {
			return err
		}
		out = &kms.DescribeKeyOutput{KeyMetadata: copyMeta(kk.meta)}
		return nil
	})
	return out, err
}

// EnableKey enables a Disabled key. A key pending deletion or import fails
// with KMSInvalidStateException.
func (c *Client) EnableKey(ctx context.Context, params *kms.EnableKeyInput, optFns ...func(*kms.Options)) (*kms.EnableKeyOutput, error) {
	if params == nil {
		params = &kms.EnableKeyInput{}
	}
	err := c.keyOp(ctx, "EnableKey", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:EnableKey"}); err != nil {
			return err
		}
		switch kk.meta.KeyState {
		case types.KeyStateEnabled, types.KeyStateDisabled:
			kk.meta.KeyState, kk.meta.Enabled = types.KeyStateEnabled, true
			return nil
		}
		return usable(kk)
	})
	if err != nil {
		return nil, err
	}
	return &kms.EnableKeyOutput{}, nil
}

// DisableKey disables an Enabled key.
func (c *Client) DisableKey(ctx context.Context, params *kms.DisableKeyInput, optFns ...func(*kms.Options)) (*kms.DisableKeyOutput, error) {
	if params == nil {
		params = &kms.DisableKeyInput{}
	}
	err := c.keyOp(ctx, "DisableKey", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:DisableKey"}); err != nil {
			return err
		}
		switch kk.meta.KeyState {
		case types.KeyStateEnabled, types.KeyStateDisabled:
			kk.meta.KeyState, kk.meta.Enabled = types.KeyStateDisabled, false
			return nil
		}
		return usable(kk)
	})
	if err != nil {
		return nil, err
	}
	return &kms.DisableKeyOutput{}, nil
}

// ScheduleKeyDeletion puts a key in PendingDeletion with a DeletionDate
// PendingWindowInDays (7 to 30, default 30) from now. Keys are never
// actually deleted.
func (c *Client) ScheduleKeyDeletion(ctx context.Context, params *kms.ScheduleKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.ScheduleKeyDeletionOutput, error) {
	if params == nil {
		params = &kms.ScheduleKeyDeletionInput{}
	}
	var out *kms.ScheduleKeyDeletionOutput
	err := c.keyOp(ctx, "ScheduleKeyDeletion", aws.ToString(params.KeyId), func(kk *key) error {
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
		if err := notDeleting(kk); err != nil {
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

// CancelKeyDeletion cancels a scheduled deletion; the key becomes Disabled,
// as in KMS.
func (c *Client) CancelKeyDeletion(ctx context.Context, params *kms.CancelKeyDeletionInput, optFns ...func(*kms.Options)) (*kms.CancelKeyDeletionOutput, error) {
	if params == nil {
		params = &kms.CancelKeyDeletionInput{}
	}
	var out *kms.CancelKeyDeletionOutput
	err := c.keyOp(ctx, "CancelKeyDeletion", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:CancelKeyDeletion"}); err != nil {
			return err
		}
		if kk.meta.KeyState != types.KeyStatePendingDeletion {
			return &types.KMSInvalidStateException{Message: aws.String(*kk.meta.Arn + " is not pending deletion.")}
		}
		kk.meta.KeyState, kk.meta.Enabled = types.KeyStateDisabled, false
		kk.meta.DeletionDate, kk.meta.PendingDeletionWindowInDays = nil, nil
		out = &kms.CancelKeyDeletionOutput{KeyId: kk.meta.Arn}
		return nil
	})
	return out, err
}
