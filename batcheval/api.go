package batcheval

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// StartBatchEvaluationAPIClient is the StartBatchEvaluation operation, with
// the signature of [bedrockagentcore.Client.StartBatchEvaluation].
type StartBatchEvaluationAPIClient interface {
	StartBatchEvaluation(ctx context.Context, params *bedrockagentcore.StartBatchEvaluationInput, optFns ...func(*bedrockagentcore.Options)) (*bedrockagentcore.StartBatchEvaluationOutput, error)
}

// GetBatchEvaluationAPIClient is the GetBatchEvaluation operation, with the
// signature of [bedrockagentcore.Client.GetBatchEvaluation].
type GetBatchEvaluationAPIClient interface {
	GetBatchEvaluation(ctx context.Context, params *bedrockagentcore.GetBatchEvaluationInput, optFns ...func(*bedrockagentcore.Options)) (*bedrockagentcore.GetBatchEvaluationOutput, error)
}

// ListBatchEvaluationsAPIClient is the ListBatchEvaluations operation, with
// the signature of [bedrockagentcore.Client.ListBatchEvaluations]; it is the
// interface the SDK's paginator takes.
type ListBatchEvaluationsAPIClient interface {
	ListBatchEvaluations(ctx context.Context, params *bedrockagentcore.ListBatchEvaluationsInput, optFns ...func(*bedrockagentcore.Options)) (*bedrockagentcore.ListBatchEvaluationsOutput, error)
}

// StopBatchEvaluationAPIClient is the StopBatchEvaluation operation, with the
// signature of [bedrockagentcore.Client.StopBatchEvaluation].
type StopBatchEvaluationAPIClient interface {
	StopBatchEvaluation(ctx context.Context, params *bedrockagentcore.StopBatchEvaluationInput, optFns ...func(*bedrockagentcore.Options)) (*bedrockagentcore.StopBatchEvaluationOutput, error)
}

// DeleteBatchEvaluationAPIClient is the DeleteBatchEvaluation operation, with
// the signature of [bedrockagentcore.Client.DeleteBatchEvaluation].
type DeleteBatchEvaluationAPIClient interface {
	DeleteBatchEvaluation(ctx context.Context, params *bedrockagentcore.DeleteBatchEvaluationInput, optFns ...func(*bedrockagentcore.Options)) (*bedrockagentcore.DeleteBatchEvaluationOutput, error)
}

// API is the set of data-plane operations a [Client] uses.
// *bedrockagentcore.Client satisfies it.
type API interface {
	StartBatchEvaluationAPIClient
	GetBatchEvaluationAPIClient
	ListBatchEvaluationsAPIClient
	StopBatchEvaluationAPIClient
	DeleteBatchEvaluationAPIClient
}

// PutObjectAPIClient is the S3 PutObject operation, with the signature of
// [s3.Client.PutObject].
type PutObjectAPIClient interface {
	PutObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// HeadObjectAPIClient is the S3 HeadObject operation, with the signature of
// [s3.Client.HeadObject].
type HeadObjectAPIClient interface {
	HeadObject(ctx context.Context, params *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

var (
	_ API                                            = (*bedrockagentcore.Client)(nil)
	_ bedrockagentcore.ListBatchEvaluationsAPIClient = (ListBatchEvaluationsAPIClient)(nil)
	_ PutObjectAPIClient                             = (*s3.Client)(nil)
	_ HeadObjectAPIClient                            = (*s3.Client)(nil)
)
