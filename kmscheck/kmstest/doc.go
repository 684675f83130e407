// Package kmstest is an in-memory AWS KMS for tests, in two forms over one
// state: [Client] has the methods of *kms.Client (and satisfies
// kmscheck.KMS), and [KMS.NewServer] serves the KMS JSON 1.1 protocol on
// loopback so the real *kms.Client works against it through BaseEndpoint.
//
// It keeps keys (symmetric, RSA, ECC and HMAC specs; AWS_KMS and EXTERNAL
// origins; multi-Region ids), aliases, key policies, grants with
// encryption-context and SourceArn constraints, and the key states Enabled,
// Disabled, PendingDeletion, PendingImport and Unavailable. Encrypt, Decrypt,
// GenerateDataKey, GenerateDataKeyWithoutPlaintext and ReEncrypt use real
// AES-256-GCM with the encryption context as additional authenticated data,
// so a wrong context fails with InvalidCiphertextException as in KMS.
// DryRun is honoured where KMS supports it. Errors carry KMS's exact error
// codes, so the SDK decodes its typed errors (*types.NotFoundException,
// *types.DisabledException, ...); an access denial is a smithy.APIError with
// code "AccessDeniedException".
//
// # Authorization
//
// Every key operation is authorized as KMS does: the key policy, evaluated
// with keypolicy.Evaluate, or a grant whose grantee is the caller (or the
// caller's account, when Options.RootDelegation stands for its IAM
// policies), whose operations include the operation and whose constraints
// match. An explicit
// deny wins. A statement naming the account root delegates to IAM, which
// kmstest does not model: Options.RootDelegation decides. Operations that
// only IAM authorizes (CreateKey, ListAliases) are always allowed.
//
// A request's [Caller] is a principal ARN or a service principal, with an
// optional kms:ViaService (an AWS service calling with the caller's
// forwarded identity) and extra condition keys. Over HTTP the caller is the
// one mapped to the request's SigV4 access key id with [KMS.MapAccessKey];
// signatures are not verified.
//
// # Faults
//
// kmstest has the shape of every emulator of this module:
// [KMS.InjectFault](op, fault, n) appends n faults for an operation (such
// as [ThrottlingFault], HTTP 429, or [InternalFault], a 500
// KMSInternalException), [KMS.SetLatency] (or Options.Latency) delays every
// operation, and [KMS.Requests] returns the most recent calls, kept in a
// ring of Options.MaxRequests so that memory stays bounded.
package kmstest
