package keyapply

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// DescribeKeyAPIClient is the KMS DescribeKey operation, with the signature
// of [kms.Client.DescribeKey]: the same interface as
// [kmscheck.DescribeKeyAPIClient], so one fake serves both packages.
type DescribeKeyAPIClient = kmscheck.DescribeKeyAPIClient

// GetKeyPolicyAPIClient is the KMS GetKeyPolicy operation, with the
// signature of [kms.Client.GetKeyPolicy]: the same interface as
// [kmscheck.GetKeyPolicyAPIClient].
type GetKeyPolicyAPIClient = kmscheck.GetKeyPolicyAPIClient

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
	_ PutKeyPolicyAPIClient = (*kms.Client)(nil)
	_ KMS                   = (*kms.Client)(nil)
)
