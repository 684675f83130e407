package agentcore

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
)

// Kind is what a failed KMS call means for AgentCore: the one classification
// every package uses, wherever a KMS error surfaces.
type Kind int

// Kinds of KMS failure.
const (
	// KindOther: an error this table does not know; report it as is, and
	// never as a pass.
	KindOther Kind = iota
	// KindAccessDenied: a policy does not allow the request. AgentCore
	// reports it with MessageAccessDenied.
	KindAccessDenied
	// KindKeyNotFound: the key or alias does not exist. AgentCore reports
	// it as access denied ("the key being referenced does not exist or no
	// longer exists"), so Err returns ErrAccessDenied.
	KindKeyNotFound
	// KindKeyNotUsable: the key exists but cannot be used now (disabled,
	// pending deletion, unavailable, wrong usage). AgentCore reports it with
	// MessageKeyNotUsable.
	KindKeyNotUsable
	// KindDryRunSucceeded: DryRunOperationException, the only answer that
	// shows a DryRun request would have succeeded.
	KindDryRunSucceeded
	// KindThrottled: a request quota was exceeded; retry later.
	KindThrottled
	// KindInvalidRequest: KMS refused the request itself (a malformed ARN,
	// a bad parameter); not a property of the key.
	KindInvalidRequest
	// KindServiceError: KMS failed (5xx or a dependency); retry later.
	KindServiceError
)

// String returns the kind's stable name, such as "access-denied".
func (k Kind) String() string {
	switch k {
	case KindAccessDenied:
		return "access-denied"
	case KindKeyNotFound:
		return "key-not-found"
	case KindKeyNotUsable:
		return "key-not-usable"
	case KindDryRunSucceeded:
		return "dry-run-succeeded"
	case KindThrottled:
		return "throttled"
	case KindInvalidRequest:
		return "invalid-request"
	case KindServiceError:
		return "service-error"
	}
	return "other"
}

// Err returns the documented sentinel the kind is reported with by
// AgentCore: ErrAccessDenied for KindAccessDenied and KindKeyNotFound,
// ErrKeyNotUsable for KindKeyNotUsable, and nil for every other kind.
func (k Kind) Err() error {
	switch k {
	case KindAccessDenied, KindKeyNotFound:
		return ErrAccessDenied
	case KindKeyNotUsable:
		return ErrKeyNotUsable
	}
	return nil
}

// KMS error codes without a modelled type in the SDK.
const (
	// CodeAccessDenied is the code KMS answers a request that no policy
	// allows with. The SDK models no type for it.
	CodeAccessDenied = "AccessDeniedException"
	// CodeThrottling is the code KMS answers a request over its quota
	// with (KMS quotas page: "ThrottlingException").
	CodeThrottling = "ThrottlingException"
	// CodeValidation is the generic code of a request that fails input
	// validation.
	CodeValidation = "ValidationException"
	// CodeUnrecognizedClient is the code for an access key id AWS does not
	// know.
	CodeUnrecognizedClient = "UnrecognizedClientException"
)

// KindOfCode is the table from a KMS error code to its [Kind], keyed by the
// SDK's own error types' ErrorCode().
func KindOfCode(code string) Kind {
	switch code {
	case CodeAccessDenied:
		return KindAccessDenied
	case (&types.NotFoundException{}).ErrorCode():
		return KindKeyNotFound
	case (&types.DisabledException{}).ErrorCode(),
		(&types.KMSInvalidStateException{}).ErrorCode(),
		(&types.KeyUnavailableException{}).ErrorCode(),
		(&types.InvalidKeyUsageException{}).ErrorCode(),
		(&types.IncorrectKeyException{}).ErrorCode(),
		(&types.UnsupportedOperationException{}).ErrorCode():
		return KindKeyNotUsable
	case (&types.DryRunOperationException{}).ErrorCode():
		return KindDryRunSucceeded
	case CodeThrottling, (&types.LimitExceededException{}).ErrorCode():
		return KindThrottled
	case (&types.InvalidArnException{}).ErrorCode(),
		(&types.InvalidGrantTokenException{}).ErrorCode(),
		(&types.InvalidGrantIdException{}).ErrorCode(),
		(&types.InvalidAliasNameException{}).ErrorCode(),
		(&types.InvalidMarkerException{}).ErrorCode(),
		(&types.MalformedPolicyDocumentException{}).ErrorCode(),
		(&types.TagException{}).ErrorCode(),
		CodeValidation:
		return KindInvalidRequest
	case (&types.KMSInternalException{}).ErrorCode(),
		(&types.DependencyTimeoutException{}).ErrorCode():
		return KindServiceError
	}
	return KindOther
}

// KindOf returns the [Kind] of a KMS error: KindOfCode of its API error
// code, KindServiceError for an API error whose fault is the server's, and
// KindOther for nil or an error with no API error code.
func KindOf(err error) Kind {
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) {
		return KindOther
	}
	if k := KindOfCode(ae.ErrorCode()); k != KindOther {
		return k
	}
	if ae.ErrorFault() == smithy.FaultServer {
		return KindServiceError
	}
	return KindOther
}

// ErrorCode returns the API error code of err, or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// KindOfServiceError classifies an error AgentCore itself returned (from
// CreatePolicyEngine, StartBatchEvaluation and the like) by its code and its
// documented message: AccessDeniedException with [MessageAccessDenied] is
// KindAccessDenied, ValidationException with [MessageKeyNotUsable] is
// KindKeyNotUsable; anything else is KindOther. The message must contain
// the whole documented sentence, not a fragment of it.
func KindOfServiceError(err error) Kind {
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) {
		return KindOther
	}
	msg := ae.ErrorMessage()
	switch ae.ErrorCode() {
	case CodeAccessDenied:
		if strings.Contains(msg, MessageAccessDenied) {
			return KindAccessDenied
		}
	case CodeValidation:
		if strings.Contains(msg, MessageKeyNotUsable) {
			return KindKeyNotUsable
		}
	}
	return KindOther
}
