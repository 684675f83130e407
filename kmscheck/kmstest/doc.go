// Package kmstest is an in-memory AWS KMS for tests, in two forms over one
// state: [Client] has the methods of *kms.Client (and satisfies
// kmscheck.KMS), and [KMS.NewServer] serves the KMS JSON 1.1 protocol on
// loopback so the real *kms.Client works against it through BaseEndpoint.
//
// It is the offline default of its users' tests, so it refuses what KMS
// refuses: anything it allows and AWS refuses would pass a test and fail in
// production.
//
// # Operations
//
// Keys: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
// ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription,
// EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus. Policies:
// GetKeyPolicy, PutKeyPolicy, ListKeyPolicies. Aliases: CreateAlias,
// UpdateAlias, DeleteAlias, ListAliases (with the predefined AWS managed
// aliases of Options.PredefinedAliases). Grants: CreateGrant, ListGrants,
// ListRetirableGrants, RetireGrant (by token, or by key and grant id),
// RevokeGrant. Tags: TagResource, UntagResource, ListResourceTags.
// Cryptography: Encrypt, Decrypt, GenerateDataKey,
// GenerateDataKeyWithoutPlaintext and ReEncrypt, with real AES-256-GCM and
// the encryption context as additional authenticated data, so a wrong
// context fails with InvalidCiphertextException as in KMS. DryRun is
// honoured where KMS supports it. The SDK's paginators work.
//
// # What it refuses, as KMS does
//
//   - A key policy that would not let the caller make a later PutKeyPolicy
//     request (the lockout safety check, decided by keypolicy.CheckLockout):
//     MalformedPolicyDocumentException with [MessageLockout], unless
//     BypassPolicyLockoutSafetyCheck is set. AgentCore's documented role-only
//     key policies are such policies. The account root passes, as in AWS.
//   - A key policy over agentcore.MaxKeyPolicyBytes (LimitExceededException)
//     and a description over agentcore.MaxKeyDescriptionChars
//     (ValidationException).
//   - An alias where an operation's KeyId takes only a key id or key ARN
//     (every operation but DescribeKey and the cryptographic ones):
//     NotFoundException.
//   - An operation on a key in a state the KMS key-state table refuses
//     (DisabledException, KMSInvalidStateException,
//     UnsupportedOperationException).
//   - A KeyUsage the KeySpec does not take (KeyUsage is optional only for
//     symmetric encryption keys); an alias name not of the documented form
//     (ValidationException); a Limit outside the operation's range.
//   - A request signed with an access key it does not know:
//     UnrecognizedClientException, unless Options.DefaultCaller says who
//     makes it.
//
// Errors carry KMS's error codes and the HTTP status the SDK's model gives
// each (404 for NotFoundException, 409 for DisabledException,
// KMSInvalidStateException and AlreadyExistsException, ...), so the SDK
// decodes its typed errors (*types.NotFoundException,
// *types.DisabledException, ...); an access denial is a smithy.APIError
// with code "AccessDeniedException".
//
// # Authorization
//
// Every key operation is authorized as KMS does: the key policy, evaluated
// with keypolicy.Evaluate, or a grant whose grantee is the caller (or the
// caller's account, when Options.RootDelegation stands for its IAM
// policies), whose operations include the operation and whose constraints
// match. An explicit deny wins. A statement naming the account root
// delegates to IAM, which kmstest does not model: Options.RootDelegation
// decides. Operations that only IAM authorizes (CreateKey, ListKeys,
// ListAliases, ListRetirableGrants) are always allowed. [KMS.CreateTestKey]
// and the other [KMS] helpers act as an administrator: no authorization,
// no lockout check.
//
// A request's [Caller] is a principal ARN or a service principal, with an
// optional kms:ViaService (an AWS service calling with the caller's
// forwarded identity) and extra condition keys. Over HTTP the caller is the
// one mapped to the request's SigV4 access key id with [KMS.MapAccessKey],
// else Options.DefaultCaller; signatures are not verified.
//
// # Faults, latency and recorded calls
//
// kmstest has the shape of every emulator of this module:
// [KMS.InjectFault](op, fault, n) appends n faults for an operation (such
// as [ThrottlingFault], HTTP 429, or [InternalFault], a 500
// KMSInternalException), [KMS.SetLatency] (or Options.Latency) delays every
// operation, and [KMS.Requests] returns the most recent calls, kept in a
// ring of Options.MaxRequests so that memory stays bounded.
//
// # Scale
//
// A key holds up to [MaxGrantsPerKey] grants in creation order; a
// ListGrants page costs its own grants and a binary search, however many
// grants the key has.
package kmstest
