package agentcore

import (
	"errors"

	smithy "github.com/aws/smithy-go"
)

// ErrIncompleteAnswer is what every [IncompleteAnswerError] unwraps to, in
// every package: an AWS call succeeded (HTTP 200) but its answer lacks a
// field AWS always sends, so nothing it says can be read as a result.
var ErrIncompleteAnswer = errors.New("agentcorekms: an AWS answer lacks a field it always carries")

// IncompleteAnswerError reports a successful AWS answer that lacks a field
// the operation always returns (a 200 with "{}", or with an error body the
// SDK decoded as an empty output). Such an answer is never read as success:
// "no policy engines", "both grants retired" or "started" need an answer that
// shows it. It unwraps to [ErrIncompleteAnswer].
//
// Error is safe on a nil *IncompleteAnswerError.
type IncompleteAnswerError struct {
	// Op is the AWS operation, such as "DeletePolicyEngine".
	Op string
	// Field is the missing output field, by its SDK name, such as
	// "PolicyEngineId" or "KeyMetadata.KeyState".
	Field string
	// Resource is what the call was about (an id or ARN), when known.
	Resource string
}

// Error returns "agentcorekms: OP answered without FIELD (for RESOURCE)".
func (e *IncompleteAnswerError) Error() string {
	if e == nil {
		return ErrIncompleteAnswer.Error()
	}
	s := "agentcorekms: " + e.Op + " answered without " + e.Field
	if e.Resource != "" {
		s += " (for " + quote(e.Resource) + ")"
	}
	return s + "; the answer is not a result"
}

// Unwrap returns [ErrIncompleteAnswer].
func (e *IncompleteAnswerError) Unwrap() error { return ErrIncompleteAnswer }

// ErrNoPreflightAnswer: not one call of a key preflight was answered (KMS
// unreachable, or a 5xx to every request), so nothing is known about the
// key. policyengine.Create and batcheval.Start refuse to go ahead on it even
// when told to proceed on an incomplete preflight.
var ErrNoPreflightAnswer = errors.New("agentcorekms: no call of the key preflight was answered")

// Answered reports whether err is an answer of AWS about the request: an
// API error of the client's fault, such as AccessDeniedException or
// NotFoundException. A transport error, a timeout, throttling or a server
// error (a server fault, or an HTTP status of 500 or more) is no answer: it
// says nothing about the key or the policy.
func Answered(err error) bool {
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) || ae.ErrorFault() == smithy.FaultServer {
		return false
	}
	// The SDK's protocols leave the fault unknown for most codes; the HTTP
	// status of the response says it.
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return false
	}
	switch KindOf(err) {
	case KindThrottled, KindServiceError:
		return false
	}
	return true
}

// IncompleteResource returns an [*IncompleteAnswerError] when an answer of op
// about an AgentCore resource (a policy engine, a batch evaluation) lacks its
// id, ARN or status, required members of every output about one: without
// them there is nothing to wait on, list grants for, archive or report. It
// names the first missing field (idField, arnField or "Status", by their SDK
// names) and returns nil when all three are there.
func IncompleteResource[S ~string](op, resource, idField, arnField string, id, arn *string, status S) *IncompleteAnswerError {
	field := ""
	switch {
	case id == nil || *id == "":
		field = idField
	case arn == nil || *arn == "":
		field = arnField
	case status == "":
		field = "Status"
	default:
		return nil
	}
	return &IncompleteAnswerError{Op: op, Field: field, Resource: resource}
}
