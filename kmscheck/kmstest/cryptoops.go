package kmstest

import (
	"context"
	"crypto/rand"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// cryptoOpCheck returns the error KMS gives for a symmetric cryptographic
// operation on kk: its key state (the key-state table), then its key spec
// and usage.
func cryptoOpCheck(kk *key) error {
	if err := stateError(stateCrypto, kk); err != nil {
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
	err := c.keyOp(ctx, "Encrypt", aws.ToString(params.KeyId), refAny, func(kk *key) error {
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
		want, err := k.lookupLocked(keyRef, refAny)
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
	err := c.keyOp(ctx, op, keyRef, refAny, func(k *key) error {
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
	var out *kms.ReEncryptOutput
	err := c.locked(ctx, "ReEncrypt", ref, func(k *KMS) error {
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
		dst, err := k.lookupLocked(ref, refAny)
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
	})
	return out, err
}

// CreateGrant creates a grant. The key policy sees kms:GrantOperations,
// kms:GrantConstraintType, kms:GranteePrincipal, kms:RetiringPrincipal and,
