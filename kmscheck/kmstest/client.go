package kmstest

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

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
