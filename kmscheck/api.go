package kmscheck

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

// GenerateDataKeyAPIClient is the KMS GenerateDataKey operation, with the
// signature of [kms.Client.GenerateDataKey]. [Check] calls it only with
// DryRun set, so no plaintext data key is ever requested.
type GenerateDataKeyAPIClient interface {
	GenerateDataKey(ctx context.Context, params *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
}

// KMS is the set of KMS operations [Check] uses. *kms.Client satisfies it,
// and so does the in-memory client of package kmstest.
type KMS interface {
	DescribeKeyAPIClient
	GetKeyPolicyAPIClient
	GenerateDataKeyAPIClient
}

var (
	_ DescribeKeyAPIClient     = (*kms.Client)(nil)
	_ GetKeyPolicyAPIClient    = (*kms.Client)(nil)
	_ GenerateDataKeyAPIClient = (*kms.Client)(nil)
	_ KMS                      = (*kms.Client)(nil)
	_ DescribeKeyAPIClient     = DescribeKeyFunc(nil)
)

// DescribeKeyFunc adapts a function to [DescribeKeyAPIClient], as
// http.HandlerFunc adapts a function to http.Handler; it makes one-line fakes.
type DescribeKeyFunc func(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)

// DescribeKey calls f(ctx, params, optFns...).
func (f DescribeKeyFunc) DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return f(ctx, params, optFns...)
}
