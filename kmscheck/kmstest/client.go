package kmstest

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
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
func (c *Client) Caller() Caller {
	if c == nil {
		return Caller{}
	}
	return c.caller
}

func validationError(msg string) error {
	return &smithy.GenericAPIError{Code: agentcore.CodeValidation, Message: msg, Fault: smithy.FaultClient}
}

// lengthError is the ValidationException KMS gives for a member outside
// its length constraint.
func lengthError(member string, lo, hi int) error {
	return validationError("1 validation error detected: Value at '" + member + "' failed to satisfy constraint: Member must have length between " +
		strconv.Itoa(lo) + " and " + strconv.Itoa(hi))
}

func dryRun(in *bool) error {
	if aws.ToBool(in) {
		return &types.DryRunOperationException{Message: aws.String("The request would have succeeded, but the DryRun option is set.")}
	}
	return nil
}

// begin applies latency and injected faults; it runs before the lock is taken.
func (c *Client) begin(ctx context.Context, op, keyRef string) error {
	if c == nil || c.kms == nil {
		return ErrNilKMS
	}
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
	if !ok && !k.quotas.Load().Allow(k.opts.Account, k.opts.Region, op) {
		f, ok = quotaFault(), true
	}
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

// locked runs operation op about keyRef (a key reference, or what the
// call is about; "" for none): latency and injected faults first, then fn
// with the emulator's lock held, then the record of the call with fn's
// error, which it returns.
func (c *Client) locked(ctx context.Context, op, keyRef string, fn func(k *KMS) error) error {
	if err := c.begin(ctx, op, keyRef); err != nil {
		return err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	err := fn(k)
	c.recordLocked(op, keyRef, err)
	return err
}

// keyOp runs fn with the lock held on the key keyRef names (in a form mode
// allows), after latency and faults, and records the call.
func (c *Client) keyOp(ctx context.Context, op, keyRef string, mode refMode, fn func(kk *key) error) error {
	return c.locked(ctx, op, keyRef, func(k *KMS) error {
		kk, err := k.lookupLocked(keyRef, mode)
		if err != nil {
			return err
		}
		return fn(kk)
	})
}

func (c *Client) authorize(kk *key, req request) error {
	if c.admin {
		return nil
	}
	return c.kms.authorizeLocked(c.caller, kk, req)
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

// checkLimit returns the page size a request's Limit asks for (def when it
// is nil), or the ValidationException KMS gives for a Limit outside 1..hi.
func checkLimit(limit *int32, def, hi int) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 1 || int(*limit) > hi {
		return 0, validationError("1 validation error detected: Value '" + strconv.Itoa(int(*limit)) +
			"' at 'limit' failed to satisfy constraint: Member must have value between 1 and " + strconv.Itoa(hi))
	}
	return int(*limit), nil
}

func invalidMarker() error {
	return &types.InvalidMarkerException{Message: aws.String("The marker is invalid.")}
}

// paginate returns one page of items, of at most limit (1 to hi; def when
// nil), from an opaque numeric marker.
func paginate[T any](items []T, limit *int32, marker *string, def, hi int) ([]T, *string, error) {
	n, err := checkLimit(limit, def, hi)
	if err != nil {
		return nil, nil, err
	}
	start := 0
	if marker != nil {
		b, err := base64.RawURLEncoding.DecodeString(*marker)
		if err == nil {
			start, err = strconv.Atoi(string(b))
		}
		if err != nil || start < 0 || start > len(items) {
			return nil, nil, invalidMarker()
		}
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		next = aws.String(base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))))
	}
	return items[start:end], next, nil
}
