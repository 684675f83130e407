package kmstest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// stateRule is one row of the KMS key-state table ("Key states of AWS KMS
// keys", Key state table): what an operation answers on a key in each
// state. Rules name the operations that share a row.
type stateRule int

const (
	// stateAny: every state (DescribeKey, GetKeyPolicy, PutKeyPolicy,
	// ListGrants, ListKeyPolicies, ListResourceTags, RetireGrant,
	// RevokeGrant, DeleteAlias, ListAliases).
	stateAny stateRule = iota
	// stateCrypto: the cryptographic operations (Encrypt, Decrypt,
	// GenerateDataKey*, ReEncrypt, Sign, Verify, GetPublicKey): Enabled
	// only. Disabled is DisabledException; PendingImport, PendingDeletion
	// and Unavailable are KMSInvalidStateException (table notes 1, 3, 5,
	// 11).
	stateCrypto
	// stateGrant: CreateGrant: as stateCrypto, except that a key in an
	// Unavailable custom key store still takes grants.
	stateGrant
	// stateEnableDisable: EnableKey, DisableKey: Enabled, Disabled and
	// Unavailable (the change takes effect when the key is available
	// again, note 12); PendingImport and PendingDeletion are
	// KMSInvalidStateException.
	stateEnableDisable
	// stateNotDeleting: CreateAlias, UpdateAlias (of its new key),
	// ScheduleKeyDeletion, TagResource, UntagResource,
	// UpdateKeyDescription: every state but PendingDeletion, which is
	// KMSInvalidStateException.
	stateNotDeleting
	// stateDeleting: CancelKeyDeletion: PendingDeletion only; any other
	// state is KMSInvalidStateException "is not pending deletion" (note 4).
	stateDeleting
	// stateRotation: EnableKeyRotation, DisableKeyRotation: Enabled;
	// Disabled is DisabledException, PendingDeletion
	// KMSInvalidStateException, PendingImport and Unavailable
	// UnsupportedOperationException (notes 1, 3, 6, 7). Keys that cannot
	// rotate are refused before the state is looked at (see rotatable).
	stateRotation
	// stateRotationStatus: GetKeyRotationStatus: every state but
	// PendingImport and Unavailable, which are UnsupportedOperationException.
	stateRotationStatus
)

// stateError returns the error the key-state table gives for an operation
// of rule r on kk, or nil if the operation may proceed.
func stateError(r stateRule, kk *key) error {
	arn := *kk.meta.Arn
	st := kk.meta.KeyState
	invalid := func(what string) error {
		return &types.KMSInvalidStateException{Message: aws.String(arn + " is " + what + ".")}
	}
	unsupported := func() error {
		return &types.UnsupportedOperationException{Message: aws.String(arn + " is " + string(st) + ", which is not valid for this operation.")}
	}
	disabled := func() error { return &types.DisabledException{Message: aws.String(arn + " is disabled.")} }
	switch r {
	case stateAny:
		return nil
	case stateCrypto, stateGrant:
		switch st {
		case types.KeyStateEnabled:
			return nil
		case types.KeyStateDisabled:
			return disabled()
		case types.KeyStatePendingDeletion:
			return invalid("pending deletion")
		case types.KeyStatePendingImport:
			return invalid("pending import")
		case types.KeyStateUnavailable:
			if r == stateGrant {
				return nil
			}
			return invalid("unavailable")
		}
	case stateEnableDisable:
		switch st {
		case types.KeyStateEnabled, types.KeyStateDisabled, types.KeyStateUnavailable:
			return nil
		case types.KeyStatePendingDeletion:
			return invalid("pending deletion")
		case types.KeyStatePendingImport:
			return invalid("pending import")
		}
	case stateNotDeleting:
		if st == types.KeyStatePendingDeletion {
			return invalid("pending deletion")
		}
		return nil
	case stateDeleting:
		if st == types.KeyStatePendingDeletion {
			return nil
		}
		return invalid("not pending deletion")
	case stateRotation:
		switch st {
		case types.KeyStateEnabled:
			return nil
		case types.KeyStateDisabled:
			return disabled()
		case types.KeyStatePendingDeletion:
			return invalid("pending deletion")
		case types.KeyStatePendingImport, types.KeyStateUnavailable:
			return unsupported()
		}
	case stateRotationStatus:
		switch st {
		case types.KeyStatePendingImport, types.KeyStateUnavailable:
			return unsupported()
		}
		return nil
	}
	// A state the table does not list (Creating, Updating, PendingReplicaDeletion...).
	return invalid(string(st))
}
