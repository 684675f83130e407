package batcheval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// Sentinel errors. Use errors.Is; the typed errors below unwrap to them.
// ErrAccessDenied, ErrKeyNotUsable and ErrInvalidInput are the module's
// one copy of each (the same values as kmscheck's and policyengine's), and
// the first two carry the messages AWS documents.
var (
	// ErrInvalidInput: a parameter is missing or malformed; no call was made.
	ErrInvalidInput = agentcore.ErrInvalidInput
	// ErrAccessDenied: the key policy or IAM policy does not allow a
	// request the evaluation needs, or the key does not exist.
	ErrAccessDenied = agentcore.ErrAccessDenied
	// ErrKeyNotUsable: the key is disabled, pending deletion or otherwise
	// not usable.
	ErrKeyNotUsable = agentcore.ErrKeyNotUsable
	// ErrIncompleteAnswer: AWS answered a call with success but without a
	// field it always sends (a 200 with "{}"); what it says is not a result.
	// [*IncompleteAnswerError] unwraps to it.
	ErrIncompleteAnswer = agentcore.ErrIncompleteAnswer
	// ErrNoPreflightAnswer: no call of the key preflight was answered;
	// Start refuses to go ahead even with
	// Options.ProceedOnIncompletePreflight.
	ErrNoPreflightAnswer = agentcore.ErrNoPreflightAnswer
	// ErrNotFound: the service does not know the batch evaluation.
	ErrNotFound = errors.New("batcheval: batch evaluation not found")
	// ErrResultsUnavailable: the evaluation completed but its results,
	// encrypted with a KMS key, cannot be read.
	ErrResultsUnavailable = errors.New("batcheval: evaluation results cannot be read")
	// ErrEvaluationFailed: the evaluation ended with status FAILED.
	ErrEvaluationFailed = errors.New("batcheval: batch evaluation failed")
	// ErrNoKey: the evaluation has no KMS key, so Archive refuses to write it.
	ErrNoKey = errors.New("batcheval: batch evaluation has no KMS key")
	// ErrArchiveNotEncrypted: an archived object is not SSE-KMS encrypted
	// with the expected key.
	ErrArchiveNotEncrypted = errors.New("batcheval: archived object is not encrypted with the expected KMS key")
)

// RestoreAccessAdvice is the remedy AWS documents when a key becomes
// unavailable.
const RestoreAccessAdvice = agentcore.RestoreAccessAdvice

// InputError reports one invalid parameter. It unwraps to [ErrInvalidInput].
// It is the module's one input error type, so one errors.As target matches
// the errors of every package.
type InputError = agentcore.InputError

// IncompleteAnswerError reports a successful AWS answer that lacks a field
// the operation always returns, naming the operation and the field. It
// unwraps to [ErrIncompleteAnswer].
type IncompleteAnswerError = agentcore.IncompleteAnswerError

// KeyError is a StartBatchEvaluation failure the service attributed to the
// KMS key with one of its documented messages. It unwraps to Kind
// ([ErrKeyNotUsable] or [ErrAccessDenied]) and to Err, the SDK error, so
// both of these hold:
//
//	errors.Is(err, batcheval.ErrKeyNotUsable)
//	var ve *types.ValidationException; errors.As(err, &ve)
//
// Error and Unwrap are safe on a nil *KeyError.
type KeyError struct {
	// KeyARN is the key Start was given.
	KeyARN string
	// Kind is ErrKeyNotUsable or ErrAccessDenied.
	Kind error
	// Err is the error the SDK returned.
	Err error
}

// Error returns the key and the service error.
func (e *KeyError) Error() string {
	if e == nil {
		return "batcheval: key error"
	}
	return fmt.Sprintf("batcheval: starting batch evaluation with key %s: %v", e.KeyARN, e.Err)
}

// Unwrap returns Kind and Err.
func (e *KeyError) Unwrap() []error {
	if e == nil {
		return nil
	}
	return agentcore.NonNil(e.Kind, e.Err)
}

// ResultsUnavailableError says why the results of a completed, encrypted
// batch evaluation cannot be read and how to restore access. It unwraps to
// [ErrResultsUnavailable] and, when the key could be diagnosed, to
// [ErrKeyNotUsable] or [ErrAccessDenied].
//
// Error and Unwrap are safe on a nil *ResultsUnavailableError.
type ResultsUnavailableError struct {
	// ID, ARN, KeyARN and Status are the evaluation's, from the metadata
	// GetBatchEvaluation still returned.
	ID, ARN, KeyARN string
	Status          types.BatchEvaluationStatus
	// Reason says what is wrong with the key, from a DescribeKey made with
	// the caller's credentials.
	Reason string
	// Details are the errorDetails the service returned.
	Details []string
	// Cause is ErrKeyNotUsable, ErrAccessDenied, or the error of the
	// diagnosing DescribeKey call, or nil.
	Cause error
}

// Error returns why the results cannot be read and how to restore access.
func (e *ResultsUnavailableError) Error() string {
	if e == nil {
		return ErrResultsUnavailable.Error() + ". " + RestoreAccessAdvice
	}
	return fmt.Sprintf("batcheval: results of batch evaluation %s (%s) cannot be read: %s. %s",
		e.ID, e.Status, e.Reason, RestoreAccessAdvice)
}

// Unwrap returns ErrResultsUnavailable and Cause.
func (e *ResultsUnavailableError) Unwrap() []error {
	if e == nil || e.Cause == nil {
		return []error{ErrResultsUnavailable}
	}
	return []error{ErrResultsUnavailable, e.Cause}
}

// FailedError reports an evaluation that ended FAILED. It unwraps to
// [ErrEvaluationFailed].
//
// Error is safe on a nil *FailedError.
type FailedError struct {
	// ID and ARN identify the evaluation.
	ID, ARN string
	// Details are the errorDetails the service returned.
	Details []string
}

// Error returns the evaluation and the service's error details.
func (e *FailedError) Error() string {
	switch {
	case e == nil:
		return ErrEvaluationFailed.Error()
	case len(e.Details) == 0:
		return fmt.Sprintf("batcheval: batch evaluation %s failed", e.ID)
	}
	return fmt.Sprintf("batcheval: batch evaluation %s failed: %s", e.ID, strings.Join(e.Details, "; "))
}

// Unwrap returns [ErrEvaluationFailed].
func (e *FailedError) Unwrap() error { return ErrEvaluationFailed }

// ArchiveError reports one archived object that is not encrypted as
// expected. It unwraps to [ErrArchiveNotEncrypted].
//
// Error is safe on a nil *ArchiveError.
type ArchiveError struct {
	// Bucket and Key name the object.
	Bucket, Key string
	// Problem says what is wrong with its encryption.
	Problem string
}

// Error returns the object and what is wrong with its encryption.
func (e *ArchiveError) Error() string {
	if e == nil {
		return ErrArchiveNotEncrypted.Error()
	}
	return fmt.Sprintf("batcheval: s3://%s/%s: %s", e.Bucket, e.Key, e.Problem)
}

// Unwrap returns [ErrArchiveNotEncrypted].
func (e *ArchiveError) Unwrap() error { return ErrArchiveNotEncrypted }

// classify maps an SDK error of a data-plane call to the package's errors,
// keeping the SDK error reachable. keyARN is set for Start, whose
// documented KMS errors (by code and whole message,
// agentcore.KindOfServiceError) become a [*KeyError].
//
// Open point: AWS documents no message for a key in another Region than
// the evaluation; Start refuses such a key before any call, so the
// service's answer to it is left as the SDK error.
func classify(op, id, keyARN string, err error) error {
	if k := agentcore.KindOfServiceError(err).Err(); keyARN != "" && k != nil {
		return &KeyError{KeyARN: keyARN, Kind: k, Err: err}
	}
	if agentcore.ErrorCode(err) == (&types.ResourceNotFoundException{}).ErrorCode() {
		return fmt.Errorf("%s %q: %w: %w", op, id, ErrNotFound, err)
	}
	if id == "" {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s %q: %w", op, id, err)
}
