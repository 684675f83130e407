package keyapply

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// DescribeKeyAPIClient is the KMS DescribeKey operation, with the signature
// of [kms.Client.DescribeKey].
type DescribeKeyAPIClient interface {
	DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// GetKeyPolicyAPIClient is the KMS GetKeyPolicy operation, with the
// signature of [kms.Client.GetKeyPolicy].
type GetKeyPolicyAPIClient interface {
	GetKeyPolicy(ctx context.Context, params *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error)
}

// PutKeyPolicyAPIClient is the KMS PutKeyPolicy operation, with the
// signature of [kms.Client.PutKeyPolicy].
type PutKeyPolicyAPIClient interface {
	PutKeyPolicy(ctx context.Context, params *kms.PutKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error)
}

// KMS is the client [Apply] takes: the three operations it calls. A
// *kms.Client satisfies it.
type KMS interface {
	DescribeKeyAPIClient
	GetKeyPolicyAPIClient
	PutKeyPolicyAPIClient
}

var (
	_ DescribeKeyAPIClient  = (*kms.Client)(nil)
	_ GetKeyPolicyAPIClient = (*kms.Client)(nil)
	_ PutKeyPolicyAPIClient = (*kms.Client)(nil)
	_ KMS                   = (*kms.Client)(nil)
)
