package batcheval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Sentinel errors. Use errors.Is; the typed errors below unwrap to them.
// Errors from Start about the key unwrap to [kmscheck.ErrKeyNotUsable] or
// [kmscheck.ErrAccessDenied] instead.
var (
	// ErrInvalidInput: a parameter is missing or malformed; no call was made.
	ErrInvalidInput = errors.New("batcheval: invalid input")
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
const RestoreAccessAdvice = "To restore access, re-enable the key or update the key policy to grant the required permissions."

// InputError reports one invalid parameter. It unwraps to [ErrInvalidInput].
type InputError struct {
	Field  string // the parameter, such as "KmsKeyArn"
	Value  string // the value given, possibly empty
	Reason string // what is wrong, as a sentence fragment
}

// Error returns the field, the value and the reason.
func (e *InputError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("batcheval: %s %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("batcheval: %s %q %s", e.Field, e.Value, e.Reason)
}

// Unwrap returns [ErrInvalidInput].
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// KeyError is a StartBatchEvaluation failure the service attributed to the
// KMS key. It unwraps to Kind ([kmscheck.ErrKeyNotUsable],
// [kmscheck.ErrAccessDenied] or [ErrInvalidInput] for a key in the wrong
// Region) and to Err, the SDK error, so both of these hold:
//
//	errors.Is(err, kmscheck.ErrKeyNotUsable)
//	var ve *types.ValidationException; errors.As(err, &ve)
type KeyError struct {
	// KeyARN is the key Start was given.
	KeyARN string
	// Kind is kmscheck.ErrKeyNotUsable, kmscheck.ErrAccessDenied or
	// ErrInvalidInput.
	Kind error
	// Err is the error the SDK returned.
	Err error
}

// Error returns the key and the service error.
func (e *KeyError) Error() string {
	return fmt.Sprintf("batcheval: starting batch evaluation with key %s: %v", e.KeyARN, e.Err)
}

// Unwrap returns Kind and Err.
func (e *KeyError) Unwrap() []error { return []error{e.Kind, e.Err} }

// ResultsUnavailableError says why the results of a completed, encrypted
// batch evaluation cannot be read and how to restore access. It unwraps to
// [ErrResultsUnavailable] and, when the key could be diagnosed, to
// [kmscheck.ErrKeyNotUsable] or [kmscheck.ErrAccessDenied].
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
	// Cause is kmscheck.ErrKeyNotUsable, kmscheck.ErrAccessDenied, or the
	// error of the diagnosing DescribeKey call, or nil.
	Cause error
}

// Error returns why the results cannot be read and how to restore access.
func (e *ResultsUnavailableError) Error() string {
	return fmt.Sprintf("batcheval: results of batch evaluation %s (%s) cannot be read: %s. %s",
		e.ID, e.Status, e.Reason, RestoreAccessAdvice)
}

// Unwrap returns ErrResultsUnavailable and Cause.
func (e *ResultsUnavailableError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrResultsUnavailable}
	}
	return []error{ErrResultsUnavailable, e.Cause}
}

// FailedError reports an evaluation that ended FAILED. It unwraps to
// [ErrEvaluationFailed].
type FailedError struct {
	// ID and ARN identify the evaluation.
	ID, ARN string
	// Details are the errorDetails the service returned.
	Details []string
}

// Error returns the evaluation and the service's error details.
func (e *FailedError) Error() string {
	if len(e.Details) == 0 {
		return fmt.Sprintf("batcheval: batch evaluation %s failed", e.ID)
	}
	return fmt.Sprintf("batcheval: batch evaluation %s failed: %s", e.ID, strings.Join(e.Details, "; "))
}

// Unwrap returns [ErrEvaluationFailed].
func (e *FailedError) Unwrap() error { return ErrEvaluationFailed }

// ArchiveError reports one archived object that is not encrypted as
// expected. It unwraps to [ErrArchiveNotEncrypted].
type ArchiveError struct {
	// Bucket and Key name the object.
	Bucket, Key string
	// Problem says what is wrong with its encryption.
	Problem string
}

// Error returns the object and what is wrong with its encryption.
func (e *ArchiveError) Error() string {
	return fmt.Sprintf("batcheval: s3://%s/%s: %s", e.Bucket, e.Key, e.Problem)
}

// Unwrap returns [ErrArchiveNotEncrypted].
func (e *ArchiveError) Unwrap() error { return ErrArchiveNotEncrypted }

// Substrings of the service's messages that identify KMS failures; the spec
// gives the full texts.
const (
	notUsableText   = "KMS key is not in a usable state"
	accessText      = "Access denied for the specified KMS key"
	wrongRegionText = "same AWS Region"
)

// classify maps an SDK error of a data-plane call to the package's errors,
// keeping the SDK error reachable. keyARN is set for Start.
func classify(op, id, keyARN string, err error) error {
	var (
		ve *types.ValidationException
		ad *types.AccessDeniedException
		nf *types.ResourceNotFoundException
	)
	switch {
	case keyARN != "" && errors.As(err, &ve) && strings.Contains(ve.ErrorMessage(), notUsableText):
		return &KeyError{KeyARN: keyARN, Kind: kmscheck.ErrKeyNotUsable, Err: err}
	case keyARN != "" && errors.As(err, &ve) && strings.Contains(ve.ErrorMessage(), wrongRegionText):
		return &KeyError{KeyARN: keyARN, Kind: ErrInvalidInput, Err: err}
	case keyARN != "" && errors.As(err, &ad) && strings.Contains(ad.ErrorMessage(), accessText):
		return &KeyError{KeyARN: keyARN, Kind: kmscheck.ErrAccessDenied, Err: err}
	case errors.As(err, &nf):
		return fmt.Errorf("%s %q: %w: %w", op, id, ErrNotFound, err)
	}
	if id == "" {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s %q: %w", op, id, err)
}

// errorCode returns the API error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
