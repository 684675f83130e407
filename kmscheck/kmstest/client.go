package kmstest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Client makes KMS requests to a [KMS] as one [Caller]. Its methods have the
// signatures of [kms.Client]'s and return the same typed errors
// (*types.NotFoundException, *types.DisabledException, ...; an access
// denial is a smithy.APIError with code "AccessDeniedException", as the SDK
// decodes it). The kms.Options functions are ignored. It is safe for
// concurrent use.
type Client struct {
	kms    *KMS
	caller Caller
	admin  bool
}

var _ kmscheck.KMS = (*Client)(nil)

// Caller returns the caller c's requests come from.
func (c *Client) Caller() Caller { return c.caller }

func validationError(msg string) error {
	return &smithy.GenericAPIError{Code: "ValidationException", Message: msg, Fault: smithy.FaultClient}
}

func dryRun(in *bool) error {
	if aws.ToBool(in) {
		return &types.DryRunOperationException{Message: aws.String("The request would have succeeded, but the DryRun option is set.")}
	}
	return nil
}

// begin applies latency and injected faults; it runs before the lock is taken.
func (c *Client) begin(ctx context.Context, op, keyRef string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.admin {
		return nil
	}
	k := c.kms
	if err := k.latency.Wait(ctx); err != nil {
		return err
	}
	f, ok := k.faults.Next(op)
	if !ok {
		return nil
	}
	err := f.Err()
	k.mu.Lock()
	c.recordLocked(op, keyRef, err)
	k.mu.Unlock()
	return err
}

// recordLocked logs a served call; callers hold k.mu.
func (c *Client) recordLocked(op, keyRef string, err error) {
	if c.admin {
		return
	}
	c.kms.counts[op]++
	c.kms.recorder.Record(Call{Operation: op, Caller: c.caller, KeyID: keyRef, Err: err})
}

// keyOp runs fn with the lock held on the key keyRef names, after latency and
// faults, and records the call.
func (c *Client) keyOp(ctx context.Context, op, keyRef string, fn func(kk *key) error) error {
	if err := c.begin(ctx, op, keyRef); err != nil {
		return err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	kk, err := k.lookupLocked(keyRef, false)
	if err == nil {
		err = fn(kk)
	}
	c.recordLocked(op, keyRef, err)
	return err
}

func (c *Client) authorize(kk *key, req request) error {
	if c.admin {
		return nil
	}
	return c.kms.authorizeLocked(c.caller, kk, req)
}

// usable returns the error KMS gives for a cryptographic operation on a key
// that is not enabled.
func usable(kk *key) error {
	arn := *kk.meta.Arn
	switch kk.meta.KeyState {
	case types.KeyStateEnabled:
		return nil
	case types.KeyStateDisabled:
		return &types.DisabledException{Message: aws.String(arn + " is disabled.")}
	case types.KeyStatePendingDeletion:
		return &types.KMSInvalidStateException{Message: aws.String(arn + " is pending deletion.")}
	case types.KeyStatePendingImport:
		return &types.KMSInvalidStateException{Message: aws.String(arn + " is pending import.")}
	case types.KeyStateUnavailable:
		return &types.KeyUnavailableException{Message: aws.String(arn + " is unavailable.")}
	default:
		return &types.KMSInvalidStateException{Message: aws.String(arn + " is " + string(kk.meta.KeyState) + ".")}
	}
}

func notDeleting(kk *key) error {
	if kk.meta.KeyState == types.KeyStatePendingDeletion {
		return &types.KMSInvalidStateException{Message: aws.String(*kk.meta.Arn + " is pending deletion.")}
	}
	return nil
}

func symmetric(kk *key) error {
	if kk.meta.KeySpec != types.KeySpecSymmetricDefault || kk.meta.KeyUsage != types.KeyUsageTypeEncryptDecrypt {
		return &types.InvalidKeyUsageException{Message: aws.String(*kk.meta.Arn + " key usage is " + string(kk.meta.KeyUsage) + " with key spec " + string(kk.meta.KeySpec) + ", which is not valid for this operation.")}
	}
	return nil
}

func copyMeta(m types.KeyMetadata) *types.KeyMetadata {
	m.EncryptionAlgorithms = slices.Clone(m.EncryptionAlgorithms)
	m.SigningAlgorithms = slices.Clone(m.SigningAlgorithms)
	m.MacAlgorithms = slices.Clone(m.MacAlgorithms)
	m.KeyAgreementAlgorithms = slices.Clone(m.KeyAgreementAlgorithms)
	return &m
}

// CreateKey creates a key. KeySpec defaults to SYMMETRIC_DEFAULT and KeyUsage
// to ENCRYPT_DECRYPT (GENERATE_VERIFY_MAC for HMAC keys); Origin EXTERNAL
// leaves the key PendingImport; a key without Policy gets the default key
// policy. CustomKeyStoreId is recorded as given (custom key stores are not
// modelled; see [KMS.UpdateKey] to make such a key Unavailable). Creating a
// key is authorized by IAM, which kmstest does not model: every caller may
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

// GetKeyPolicy returns a key's policy. PolicyName, if set, must be "default".
func (c *Client) GetKeyPolicy(ctx context.Context, params *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if params == nil {
		params = &kms.GetKeyPolicyInput{}
	}
	var out *kms.GetKeyPolicyOutput
	err := c.keyOp(ctx, "GetKeyPolicy", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:GetKeyPolicy"}); err != nil {
			return err
		}
		if n := aws.ToString(params.PolicyName); n != "" && n != "default" {
			return &types.NotFoundException{Message: aws.String("No such policy exists")}
		}
		out = &kms.GetKeyPolicyOutput{Policy: aws.String(kk.policy), PolicyName: aws.String("default")}
		return nil
	})
	return out, err
}

// PutKeyPolicy replaces a key's policy. A policy that does not parse fails
// with MalformedPolicyDocumentException. The lockout safety check is not
// modelled.
func (c *Client) PutKeyPolicy(ctx context.Context, params *kms.PutKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	if params == nil {
		params = &kms.PutKeyPolicyInput{}
	}
	err := c.keyOp(ctx, "PutKeyPolicy", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:PutKeyPolicy"}); err != nil {
			return err
		}
		if n := aws.ToString(params.PolicyName); n != "" && n != "default" {
			return validationError("PolicyName must be \"default\"")
		}
		if params.Policy == nil {
			return validationError("1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null")
		}
		doc, err := keypolicy.Parse([]byte(*params.Policy))
		if err != nil {
			return &types.MalformedPolicyDocumentException{Message: aws.String(err.Error())}
		}
		kk.policy, kk.doc = *params.Policy, doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.PutKeyPolicyOutput{}, nil
}

var aliasNameRE = regexp.MustCompile(`^alias/[a-zA-Z0-9:/_-]{1,250}$`)

// CreateAlias creates an alias for a key. Names must match alias/[a-zA-Z0-9:/_-]+
// and may not start with alias/aws/ (see [KMS.SetAlias] for AWS managed
// aliases).
func (c *Client) CreateAlias(ctx context.Context, params *kms.CreateAliasInput, optFns ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	if params == nil {
		params = &kms.CreateAliasInput{}
	}
	name := aws.ToString(params.AliasName)
	target := aws.ToString(params.TargetKeyId)
	if err := c.begin(ctx, "CreateAlias", target); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	err := func() error {
		if !aliasNameRE.MatchString(name) {
			return &types.InvalidAliasNameException{Message: aws.String("Alias name " + name + " is not valid: it must begin with alias/ and contain only alphanumeric characters, /, _, - and :.")}
		}
		if strings.HasPrefix(name, "alias/aws/") {
			return &types.InvalidAliasNameException{Message: aws.String("Alias name " + name + " begins with alias/aws/, which is reserved for AWS managed keys.")}
		}
		kk, err := k.lookupLocked(target, true)
		if err != nil {
			return err
		}
		if err := c.authorize(kk, request{action: "kms:CreateAlias"}); err != nil {
			return err
		}
		if err := notDeleting(kk); err != nil {
			return err
		}
		if _, ok := k.aliases[name]; ok {
			return &types.AlreadyExistsException{Message: aws.String("An alias with the name " + k.AliasARN(name) + " already exists")}
		}
		now := k.opts.Now()
		k.aliases[name] = &alias{name: name, target: *kk.meta.KeyId, created: now, updated: now}
		return nil
	}()
	c.recordLocked("CreateAlias", target, err)
	if err != nil {
		return nil, err
	}
	return &kms.CreateAliasOutput{}, nil
}

// DeleteAlias deletes an alias.
func (c *Client) DeleteAlias(ctx context.Context, params *kms.DeleteAliasInput, optFns ...func(*kms.Options)) (*kms.DeleteAliasOutput, error) {
	if params == nil {
		params = &kms.DeleteAliasInput{}
	}
	name := aws.ToString(params.AliasName)
	if err := c.begin(ctx, "DeleteAlias", name); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	err := func() error {
		a, ok := k.aliases[name]
		if !ok {
			return &types.NotFoundException{Message: aws.String("Alias " + k.AliasARN(name) + " is not found.")}
		}
		if err := c.authorize(k.keys[a.target], request{action: "kms:DeleteAlias"}); err != nil {
			return err
		}
		delete(k.aliases, name)
		return nil
	}()
	c.recordLocked("DeleteAlias", name, err)
	if err != nil {
		return nil, err
	}
	return &kms.DeleteAliasOutput{}, nil
}

// ListAliases lists aliases, all or those of KeyId, by name, with
// Limit/Marker pagination (kms.NewListAliasesPaginator works). Listing is
// authorized by IAM, which kmstest does not model.
func (c *Client) ListAliases(ctx context.Context, params *kms.ListAliasesInput, optFns ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	if params == nil {
		params = &kms.ListAliasesInput{}
	}
	if err := c.begin(ctx, "ListAliases", aws.ToString(params.KeyId)); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	var out *kms.ListAliasesOutput
	err := func() error {
		keyID := ""
		if params.KeyId != nil {
			kk, err := k.lookupLocked(*params.KeyId, true)
			if err != nil {
				return err
			}
			keyID = *kk.meta.KeyId
		}
		all := k.aliasesForKeyLocked(keyID)
		entries := make([]types.AliasListEntry, len(all))
		for i, a := range all {
			entries[i] = types.AliasListEntry{
				AliasName: aws.String(a.name), AliasArn: aws.String(k.AliasARN(a.name)),
				TargetKeyId: aws.String(a.target), CreationDate: aws.Time(a.created), LastUpdatedDate: aws.Time(a.updated),
			}
		}
		page, next, err := paginate(entries, params.Limit, params.Marker)
		if err != nil {
			return err
		}
		out = &kms.ListAliasesOutput{Aliases: page, NextMarker: next, Truncated: next != nil}
		return nil
	}()
	c.recordLocked("ListAliases", aws.ToString(params.KeyId), err)
	return out, err
}

// paginate returns one page of items from an opaque numeric marker.
func paginate[T any](items []T, limit *int32, marker *string) ([]T, *string, error) {
	n := 50
	if limit != nil {
		if *limit < 1 || *limit > 1000 {
			return nil, nil, validationError("1 validation error detected: Value '" + strconv.Itoa(int(*limit)) + "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000")
		}
		n = int(*limit)
	}
	start := 0
	if marker != nil {
		b, err := base64.RawURLEncoding.DecodeString(*marker)
		if err == nil {
			start, err = strconv.Atoi(string(b))
		}
		if err != nil || start < 0 || start > len(items) {
			return nil, nil, &types.InvalidMarkerException{Message: aws.String("The marker is invalid.")}
		}
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		next = aws.String(base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))))
	}
	return items[start:end], next, nil
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

func cryptoOpCheck(kk *key) error {
	if err := usable(kk); err != nil {
		return err
	}
	return symmetric(kk)
}

// Encrypt encrypts up to 4096 bytes with AES-256-GCM under a symmetric key,
// binding EncryptionContext as additional authenticated data.
func (c *Client) Encrypt(ctx context.Context, params *kms.EncryptInput, optFns ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	if params == nil {
		params = &kms.EncryptInput{}
	}
	var out *kms.EncryptOutput
	err := c.keyOp(ctx, "Encrypt", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:Encrypt", grantOp: types.GrantOperationEncrypt, ec: params.EncryptionContext}); err != nil {
			return err
		}
		if len(params.Plaintext) < 1 || len(params.Plaintext) > 4096 {
			return validationError("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096")
		}
		if err := checkAlgorithm(params.EncryptionAlgorithm); err != nil {
			return err
		}
		if err := cryptoOpCheck(kk); err != nil {
			return err
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		blob, err := seal(kk, params.Plaintext, params.EncryptionContext)
		if err != nil {
			return err
		}
		out = &kms.EncryptOutput{CiphertextBlob: blob, KeyId: kk.meta.Arn, EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault}
		return nil
	})
	return out, err
}

func checkAlgorithm(a types.EncryptionAlgorithmSpec) error {
	if a != "" && a != types.EncryptionAlgorithmSpecSymmetricDefault {
		return &types.InvalidKeyUsageException{Message: aws.String("Encryption algorithm " + string(a) + " is not supported by this key.")}
	}
	return nil
}

// decryptLocked resolves the key of blob (checking keyRef if given),
// authorizes action/grantOp and opens it.
func (c *Client) decryptLocked(blob []byte, keyRef string, ec map[string]string, action string, op types.GrantOperation, dry *bool) (*key, []byte, error) {
	k := c.kms
	id, ok := blobKeyID(blob)
	if !ok {
		return nil, nil, &types.InvalidCiphertextException{Message: aws.String("The ciphertext is invalid.")}
	}
	kk, ok := k.keys[id]
	if !ok {
		return nil, nil, &types.InvalidCiphertextException{Message: aws.String("The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")}
	}
	if keyRef != "" {
		want, err := k.lookupLocked(keyRef, false)
		if err != nil {
			return nil, nil, err
		}
		if want != kk {
			return nil, nil, &types.IncorrectKeyException{Message: aws.String("The key ID in the request does not identify a KMS key that can perform this operation.")}
		}
	}
	if err := c.authorize(kk, request{action: action, grantOp: op, ec: ec}); err != nil {
		return nil, nil, err
	}
	if err := cryptoOpCheck(kk); err != nil {
		return nil, nil, err
	}
	if err := dryRun(dry); err != nil {
		return nil, nil, err
	}
	pt, err := open(kk, blob, ec)
	return kk, pt, err
}

// Decrypt decrypts a blob from Encrypt, GenerateDataKey,
// GenerateDataKeyWithoutPlaintext or ReEncrypt. KeyId is optional; a wrong
// EncryptionContext fails with InvalidCiphertextException.
func (c *Client) Decrypt(ctx context.Context, params *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if params == nil {
		params = &kms.DecryptInput{}
	}
	ref := aws.ToString(params.KeyId)
	if err := c.begin(ctx, "Decrypt", ref); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	var out *kms.DecryptOutput
	err := checkAlgorithm(params.EncryptionAlgorithm)
	if err == nil {
		var kk *key
		var pt []byte
		kk, pt, err = c.decryptLocked(params.CiphertextBlob, ref, params.EncryptionContext, "kms:Decrypt", types.GrantOperationDecrypt, params.DryRun)
		if err == nil {
			out = &kms.DecryptOutput{KeyId: kk.meta.Arn, Plaintext: pt, EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault}
		}
	}
	c.recordLocked("Decrypt", ref, err)
	return out, err
}

func dataKeyLength(spec types.DataKeySpec, n *int32) (int, error) {
	switch {
	case spec != "" && n != nil:
		return 0, validationError("Please specify either number of bytes or key spec.")
	case spec == types.DataKeySpecAes256:
		return 32, nil
	case spec == types.DataKeySpecAes128:
		return 16, nil
	case spec != "":
		return 0, validationError("1 validation error detected: Value '" + string(spec) + "' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]")
	case n == nil:
		return 0, validationError("Please specify either number of bytes or key spec.")
	case *n < 1 || *n > 1024:
		return 0, validationError("1 validation error detected: Value '" + strconv.Itoa(int(*n)) + "' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024")
	}
	return int(*n), nil
}

func (c *Client) generate(ctx context.Context, op string, keyRef string, spec types.DataKeySpec, n *int32, ec map[string]string, dry *bool) (*key, []byte, []byte, error) {
	var kk *key
	var pt, blob []byte
	grantOp := types.GrantOperation(op)
	err := c.keyOp(ctx, op, keyRef, func(k *key) error {
		if err := c.authorize(k, request{action: "kms:" + op, grantOp: grantOp, ec: ec}); err != nil {
			return err
		}
		size, err := dataKeyLength(spec, n)
		if err != nil {
			return err
		}
		if err := cryptoOpCheck(k); err != nil {
			return err
		}
		if err := dryRun(dry); err != nil {
			return err
		}
		pt = make([]byte, size)
		if _, err := rand.Read(pt); err != nil {
			return err
		}
		blob, err = seal(k, pt, ec)
		kk = k
		return err
	})
	return kk, pt, blob, err
}

// GenerateDataKey returns a random data key in plaintext and encrypted under
// a symmetric key. Set KeySpec or NumberOfBytes.
func (c *Client) GenerateDataKey(ctx context.Context, params *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if params == nil {
		params = &kms.GenerateDataKeyInput{}
	}
	kk, pt, blob, err := c.generate(ctx, "GenerateDataKey", aws.ToString(params.KeyId), params.KeySpec, params.NumberOfBytes, params.EncryptionContext, params.DryRun)
	if err != nil {
		return nil, err
	}
	return &kms.GenerateDataKeyOutput{KeyId: kk.meta.Arn, Plaintext: pt, CiphertextBlob: blob}, nil
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey without the plaintext.
func (c *Client) GenerateDataKeyWithoutPlaintext(ctx context.Context, params *kms.GenerateDataKeyWithoutPlaintextInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error) {
	if params == nil {
		params = &kms.GenerateDataKeyWithoutPlaintextInput{}
	}
	kk, _, blob, err := c.generate(ctx, "GenerateDataKeyWithoutPlaintext", aws.ToString(params.KeyId), params.KeySpec, params.NumberOfBytes, params.EncryptionContext, params.DryRun)
	if err != nil {
		return nil, err
	}
	return &kms.GenerateDataKeyWithoutPlaintextOutput{KeyId: kk.meta.Arn, CiphertextBlob: blob}, nil
}

// ReEncrypt decrypts a blob (kms:ReEncryptFrom on the source key) and
// encrypts its plaintext under DestinationKeyId (kms:ReEncryptTo).
func (c *Client) ReEncrypt(ctx context.Context, params *kms.ReEncryptInput, optFns ...func(*kms.Options)) (*kms.ReEncryptOutput, error) {
	if params == nil {
		params = &kms.ReEncryptInput{}
	}
	ref := aws.ToString(params.DestinationKeyId)
	if err := c.begin(ctx, "ReEncrypt", ref); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	var out *kms.ReEncryptOutput
	err := func() error {
		if err := checkAlgorithm(params.SourceEncryptionAlgorithm); err != nil {
			return err
		}
		if err := checkAlgorithm(params.DestinationEncryptionAlgorithm); err != nil {
			return err
		}
		src, pt, err := c.decryptLocked(params.CiphertextBlob, aws.ToString(params.SourceKeyId), params.SourceEncryptionContext, "kms:ReEncryptFrom", types.GrantOperationReEncryptFrom, nil)
		if err != nil {
			return err
		}
		dst, err := k.lookupLocked(ref, false)
		if err != nil {
			return err
		}
		if err := c.authorize(dst, request{action: "kms:ReEncryptTo", grantOp: types.GrantOperationReEncryptTo, ec: params.DestinationEncryptionContext}); err != nil {
			return err
		}
		if err := cryptoOpCheck(dst); err != nil {
			return err
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		blob, err := seal(dst, pt, params.DestinationEncryptionContext)
		if err != nil {
			return err
		}
		out = &kms.ReEncryptOutput{
			CiphertextBlob: blob, KeyId: dst.meta.Arn, SourceKeyId: src.meta.Arn,
			SourceEncryptionAlgorithm:      types.EncryptionAlgorithmSpecSymmetricDefault,
			DestinationEncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault,
		}
		return nil
	}()
	c.recordLocked("ReEncrypt", ref, err)
	return out, err
}

// CreateGrant creates a grant. The key policy sees kms:GrantOperations,
// kms:GrantConstraintType, kms:GranteePrincipal, kms:RetiringPrincipal and,
// for each pair of the grant's encryption-context constraint,
// kms:EncryptionContext:KEY.
func (c *Client) CreateGrant(ctx context.Context, params *kms.CreateGrantInput, optFns ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	if params == nil {
		params = &kms.CreateGrantInput{}
	}
	var out *kms.CreateGrantOutput
	err := c.keyOp(ctx, "CreateGrant", aws.ToString(params.KeyId), func(kk *key) error {
		if params.GranteePrincipal == nil && params.GranteeServicePrincipal == nil {
			return validationError("1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null")
		}
		if len(params.Operations) == 0 {
			return validationError("1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null")
		}
		ops := make([]string, len(params.Operations))
		for i, op := range params.Operations {
			if !slices.Contains(types.GrantOperation("").Values(), op) {
				return validationError("1 validation error detected: Value '" + string(op) + "' at 'operations' failed to satisfy constraint: Member must satisfy enum value set")
			}
			ops[i] = string(op)
		}
		extra := map[string][]string{"kms:GrantOperations": ops}
		var ec map[string]string
		if cons := params.Constraints; cons != nil {
			switch {
			case cons.EncryptionContextEquals != nil && cons.EncryptionContextSubset != nil:
				return validationError("Grant constraints may contain EncryptionContextEquals or EncryptionContextSubset, not both.")
			case cons.EncryptionContextEquals != nil:
				extra["kms:GrantConstraintType"] = []string{"EncryptionContextEquals"}
				ec = cons.EncryptionContextEquals
			case cons.EncryptionContextSubset != nil:
				extra["kms:GrantConstraintType"] = []string{"EncryptionContextSubset"}
				ec = cons.EncryptionContextSubset
			}
		}
		if p := aws.ToString(params.GranteePrincipal); p != "" {
			extra["kms:GranteePrincipal"] = []string{p}
		}
		if p := aws.ToString(params.RetiringPrincipal); p != "" {
			extra["kms:RetiringPrincipal"] = []string{p}
		}
		if err := c.authorize(kk, request{action: "kms:CreateGrant", grantOp: types.GrantOperationCreateGrant, ec: ec, extra: extra}); err != nil {
			return err
		}
		if err := notDeleting(kk); err != nil {
			return err
		}
		if kk.meta.KeyState == types.KeyStatePendingImport || kk.meta.KeyState == types.KeyStateUnavailable {
			return usable(kk)
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		// A grant with the same name and the same parameters (grantee,
		// retiring principal, operations, constraints) is returned again, as
		// KMS does for idempotent retries; any difference makes a new grant.
		if n := aws.ToString(params.Name); n != "" {
			for _, g := range kk.grants {
				if aws.ToString(g.entry.Name) == n && sameGrant(g.entry, params) {
					out = &kms.CreateGrantOutput{GrantId: g.entry.GrantId, GrantToken: aws.String(g.token)}
					return nil
				}
			}
		}
		issuer := c.kms.opts.Account
		id := randomHex(32)
		g := &grant{
			token: base64.RawURLEncoding.EncodeToString([]byte(id + ":" + randomHex(16))),
			entry: types.GrantListEntry{
				GrantId: aws.String(id), KeyId: kk.meta.Arn, Name: params.Name,
				CreationDate: aws.Time(c.kms.opts.Now()), IssuingAccount: aws.String("arn:" + c.kms.partition.ID + ":iam::" + issuer + ":root"),
				GranteePrincipal: params.GranteePrincipal, GranteeServicePrincipal: params.GranteeServicePrincipal,
				RetiringPrincipal: params.RetiringPrincipal, RetiringServicePrincipal: params.RetiringServicePrincipal,
				Operations: slices.Clone(params.Operations), Constraints: cloneConstraints(params.Constraints),
			},
		}
		kk.grants = append(kk.grants, g)
		out = &kms.CreateGrantOutput{GrantId: aws.String(id), GrantToken: aws.String(g.token)}
		return nil
	})
	return out, err
}

// sameGrant reports whether CreateGrant input in asks for grant e again.
func sameGrant(e types.GrantListEntry, in *kms.CreateGrantInput) bool {
	if aws.ToString(e.GranteePrincipal) != aws.ToString(in.GranteePrincipal) ||
		aws.ToString(e.GranteeServicePrincipal) != aws.ToString(in.GranteeServicePrincipal) ||
		aws.ToString(e.RetiringPrincipal) != aws.ToString(in.RetiringPrincipal) ||
		aws.ToString(e.RetiringServicePrincipal) != aws.ToString(in.RetiringServicePrincipal) ||
		!slices.Equal(e.Operations, in.Operations) {
		return false
	}
	a, b := e.Constraints, in.Constraints
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return maps.Equal(a.EncryptionContextEquals, b.EncryptionContextEquals) &&
		maps.Equal(a.EncryptionContextSubset, b.EncryptionContextSubset) &&
		aws.ToString(a.SourceArn) == aws.ToString(b.SourceArn)
}

func cloneConstraints(c *types.GrantConstraints) *types.GrantConstraints {
	if c == nil {
		return nil
	}
	cc := *c
	if c.EncryptionContextEquals != nil {
		cc.EncryptionContextEquals = make(map[string]string, len(c.EncryptionContextEquals))
		for k, v := range c.EncryptionContextEquals {
			cc.EncryptionContextEquals[k] = v
		}
	}
	if c.EncryptionContextSubset != nil {
		cc.EncryptionContextSubset = make(map[string]string, len(c.EncryptionContextSubset))
		for k, v := range c.EncryptionContextSubset {
			cc.EncryptionContextSubset[k] = v
		}
	}
	return &cc
}

// ListGrants lists a key's grants, oldest first, optionally only GrantId or
// those of GranteePrincipal, with Limit/Marker pagination
// (kms.NewListGrantsPaginator works).
func (c *Client) ListGrants(ctx context.Context, params *kms.ListGrantsInput, optFns ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	if params == nil {
		params = &kms.ListGrantsInput{}
	}
	var out *kms.ListGrantsOutput
	err := c.keyOp(ctx, "ListGrants", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:ListGrants"}); err != nil {
			return err
		}
		var entries []types.GrantListEntry
		for _, g := range kk.grants {
			if params.GrantId != nil && aws.ToString(g.entry.GrantId) != *params.GrantId {
				continue
			}
			if params.GranteePrincipal != nil && aws.ToString(g.entry.GranteePrincipal) != *params.GranteePrincipal {
				continue
			}
			if params.GranteeServicePrincipal != nil && aws.ToString(g.entry.GranteeServicePrincipal) != *params.GranteeServicePrincipal {
				continue
			}
			e := g.entry
			e.Operations = slices.Clone(e.Operations)
			e.Constraints = cloneConstraints(e.Constraints)
			entries = append(entries, e)
		}
		page, next, err := paginate(entries, params.Limit, params.Marker)
		if err != nil {
			return err
		}
		out = &kms.ListGrantsOutput{Grants: page, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}

// RetireGrant deletes a grant named by GrantToken, or by KeyId and GrantId.
// The grant's retiring principal may retire it, so may its grantee if the
// grant allows RetireGrant, and so may the account: its root user, or a
// principal of it when the key policy delegates kms:RetireGrant to the
// account root and Options.RootDelegation is set (standing for its IAM
// policies). As in KMS, kms:RetireGrant is not effective in a key policy
// statement that names the caller.
func (c *Client) RetireGrant(ctx context.Context, params *kms.RetireGrantInput, optFns ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	if params == nil {
		params = &kms.RetireGrantInput{}
	}
	ref := aws.ToString(params.KeyId)
	if err := c.begin(ctx, "RetireGrant", ref); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	err := func() error {
		var kk *key
		var idx = -1
		switch {
		case params.GrantToken != nil:
			for _, cand := range k.keys {
				for i, g := range cand.grants {
					if g.token == *params.GrantToken {
						kk, idx = cand, i
					}
				}
			}
			if idx < 0 {
				return &types.InvalidGrantTokenException{Message: aws.String("Grant token is invalid or has been retired.")}
			}
		case params.KeyId != nil && params.GrantId != nil:
			var err error
			if kk, err = k.lookupLocked(*params.KeyId, false); err != nil {
				return err
			}
			for i, g := range kk.grants {
				if aws.ToString(g.entry.GrantId) == *params.GrantId {
					idx = i
				}
			}
			if idx < 0 {
				return &types.NotFoundException{Message: aws.String("Grant ID " + *params.GrantId + " not found")}
			}
		default:
			return validationError("Either GrantToken, or GrantId and KeyId, must be specified.")
		}
		g := kk.grants[idx].entry
		allowed := c.admin || retirerMatches(g, c.caller) ||
			(granteeMatches(g, c.caller) && slices.Contains(g.Operations, types.GrantOperationRetireGrant))
		if !allowed {
			if err := c.kms.authorizeRetireLocked(c.caller, kk); err != nil {
				return err
			}
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		kk.grants = slices.Delete(kk.grants, idx, idx+1)
		return nil
	}()
	c.recordLocked("RetireGrant", ref, err)
	if err != nil {
		return nil, err
	}
	return &kms.RetireGrantOutput{}, nil
}

// RevokeGrant deletes a grant of KeyId; the key policy must allow
// kms:RevokeGrant.
func (c *Client) RevokeGrant(ctx context.Context, params *kms.RevokeGrantInput, optFns ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	if params == nil {
		params = &kms.RevokeGrantInput{}
	}
	err := c.keyOp(ctx, "RevokeGrant", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:RevokeGrant"}); err != nil {
			return err
		}
		id := aws.ToString(params.GrantId)
		for i, g := range kk.grants {
			if aws.ToString(g.entry.GrantId) == id {
				if err := dryRun(params.DryRun); err != nil {
					return err
				}
				kk.grants = slices.Delete(kk.grants, i, i+1)
				return nil
			}
		}
		return &types.NotFoundException{Message: aws.String(fmt.Sprintf("Grant ID %s not found", id))}
	})
	if err != nil {
		return nil, err
	}
	return &kms.RevokeGrantOutput{}, nil
}
