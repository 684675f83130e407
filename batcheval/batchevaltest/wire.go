package batchevaltest

import (
	"encoding/json"
	"net/http"
	"time"
)

// Wire shapes of the REST-JSON protocol, with the member names of the
// service model (service/bedrockagentcore/schemas). Unions the emulator does
// not interpret (dataSourceConfig, outputConfig, evaluationMetadata) travel
// as raw JSON and come back exactly as they were sent.

type evaluatorJSON struct {
	EvaluatorID *string `json:"evaluatorId,omitempty"`
}

type insightJSON struct {
	InsightID *string `json:"insightId,omitempty"`
}

type startRequest struct {
	BatchEvaluationName *string           `json:"batchEvaluationName"`
	Evaluators          []evaluatorJSON   `json:"evaluators"`
	Insights            []insightJSON     `json:"insights"`
	DataSourceConfig    json.RawMessage   `json:"dataSourceConfig"`
	ClientToken         *string           `json:"clientToken"`
	EvaluationMetadata  json.RawMessage   `json:"evaluationMetadata"`
	Tags                map[string]string `json:"tags"`
	KmsKeyArn           *string           `json:"kmsKeyArn"`
	Description         *string           `json:"description"`
	OutputConfig        json.RawMessage   `json:"outputConfig"`
}

type startResponse struct {
	BatchEvaluationID   string            `json:"batchEvaluationId"`
	BatchEvaluationArn  string            `json:"batchEvaluationArn"`
	BatchEvaluationName string            `json:"batchEvaluationName"`
	Evaluators          []evaluatorJSON   `json:"evaluators,omitempty"`
	Insights            []insightJSON     `json:"insights,omitempty"`
	Status              string            `json:"status"`
	CreatedAt           string            `json:"createdAt"`
	OutputConfig        json.RawMessage   `json:"outputConfig,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
	KmsKeyArn           string            `json:"kmsKeyArn,omitempty"`
	Description         string            `json:"description,omitempty"`
}

type statisticsJSON struct {
	AverageScore *float64 `json:"averageScore,omitempty"`
}

type evaluatorSummaryJSON struct {
	EvaluatorID    string          `json:"evaluatorId"`
	Statistics     *statisticsJSON `json:"statistics,omitempty"`
	TotalEvaluated int32           `json:"totalEvaluated"`
	TotalFailed    int32           `json:"totalFailed"`
}

// resultsJSON is the EvaluationJobResults shape.
type resultsJSON struct {
	EvaluatorSummaries         []evaluatorSummaryJSON `json:"evaluatorSummaries"`
	NumberOfSessionsCompleted  int32                  `json:"numberOfSessionsCompleted"`
	NumberOfSessionsFailed     int32                  `json:"numberOfSessionsFailed"`
	NumberOfSessionsIgnored    int32                  `json:"numberOfSessionsIgnored"`
	NumberOfSessionsInProgress int32                  `json:"numberOfSessionsInProgress"`
	TotalNumberOfSessions      int32                  `json:"totalNumberOfSessions"`
}

// storedResults is what the emulated service writes, encrypted, when an
// evaluation completes.
type storedResults struct {
	EvaluationResults resultsJSON       `json:"evaluationResults"`
	InsightResults    []json.RawMessage `json:"insightResults"`
	WithInsights      bool              `json:"withInsights"`
}

type getResponse struct {
	BatchEvaluationID   string             `json:"batchEvaluationId"`
	BatchEvaluationArn  string             `json:"batchEvaluationArn"`
	BatchEvaluationName string             `json:"batchEvaluationName"`
	Status              string             `json:"status"`
	CreatedAt           string             `json:"createdAt"`
	Evaluators          []evaluatorJSON    `json:"evaluators,omitempty"`
	Insights            []insightJSON      `json:"insights,omitempty"`
	DataSourceConfig    json.RawMessage    `json:"dataSourceConfig,omitempty"`
	OutputConfig        json.RawMessage    `json:"outputConfig,omitempty"`
	EvaluationResults   *resultsJSON       `json:"evaluationResults,omitempty"`
	InsightResults      *[]json.RawMessage `json:"insightResults,omitempty"`
	ErrorDetails        []string           `json:"errorDetails,omitempty"`
	Description         string             `json:"description,omitempty"`
	UpdatedAt           string             `json:"updatedAt,omitempty"`
	KmsKeyArn           string             `json:"kmsKeyArn,omitempty"`
}

type summaryJSON struct {
	BatchEvaluationID   string          `json:"batchEvaluationId"`
	BatchEvaluationArn  string          `json:"batchEvaluationArn"`
	BatchEvaluationName string          `json:"batchEvaluationName"`
	Status              string          `json:"status"`
	CreatedAt           string          `json:"createdAt"`
	Description         string          `json:"description,omitempty"`
	Evaluators          []evaluatorJSON `json:"evaluators,omitempty"`
	Insights            []insightJSON   `json:"insights,omitempty"`
	EvaluationResults   *resultsJSON    `json:"evaluationResults,omitempty"`
	ErrorDetails        []string        `json:"errorDetails,omitempty"`
	KmsKeyArn           string          `json:"kmsKeyArn,omitempty"`
	UpdatedAt           string          `json:"updatedAt,omitempty"`
}

type listResponse struct {
	BatchEvaluations []summaryJSON `json:"batchEvaluations"`
	NextToken        string        `json:"nextToken,omitempty"`
}

// stateResponse is the shape of both StopBatchEvaluation and
// DeleteBatchEvaluation responses (Delete has no description member).
type stateResponse struct {
	BatchEvaluationID  string `json:"batchEvaluationId"`
	BatchEvaluationArn string `json:"batchEvaluationArn"`
	Status             string `json:"status"`
	Description        string `json:"description,omitempty"`
}

// apiError is an error response: the X-Amzn-Errortype header carries Code,
// the JSON body carries message (and reason for ValidationException).
type apiError struct {
	status  int
	Code    string `json:"-"`
	Message string `json:"message"`
	Reason  string `json:"reason,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func validation(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, Code: "ValidationException", Message: msg, Reason: "FieldValidationFailed"}
}

func accessDenied(msg string) *apiError {
	return &apiError{status: http.StatusForbidden, Code: "AccessDeniedException", Message: msg}
}

func notFound(id string) *apiError {
	return &apiError{status: http.StatusNotFound, Code: "ResourceNotFoundException",
		Message: "Batch evaluation " + id + " was not found."}
}

func conflict(msg string) *apiError {
	return &apiError{status: http.StatusConflict, Code: "ConflictException", Message: msg}
}

func internal(msg string) *apiError {
	return &apiError{status: http.StatusInternalServerError, Code: "InternalServerException", Message: msg}
}

// timestamp formats t as the service model's date-time format.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.999Z")
}
