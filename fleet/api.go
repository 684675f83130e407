package fleet

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// DescribeKeyAPIClient is the DescribeKey operation, with the signature of
// [kms.Client.DescribeKey].
type DescribeKeyAPIClient interface {
	DescribeKey(ctx context.Context, params *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// GetKeyPolicyAPIClient is the GetKeyPolicy operation, with the signature of
// [kms.Client.GetKeyPolicy].
type GetKeyPolicyAPIClient interface {
	GetKeyPolicy(ctx context.Context, params *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error)
}

// KMS is what the audit reads of a key: DescribeKey, GetKeyPolicy and
// ListGrants. *kms.Client satisfies it.
type KMS interface {
	DescribeKeyAPIClient
	GetKeyPolicyAPIClient
	kms.ListGrantsAPIClient
}

// ControlPlane is what the audit lists of the AgentCore control plane:
// ListPolicyEngineSummaries, which answers without access to the engines'
// keys. *bedrockagentcorecontrol.Client satisfies it.
type ControlPlane interface {
	bedrockagentcorecontrol.ListPolicyEngineSummariesAPIClient
}

// DataPlane is what the audit lists of the AgentCore data plane:
// ListBatchEvaluations, which still answers when a key is unusable.
// *bedrockagentcore.Client satisfies it.
type DataPlane interface {
	bedrockagentcore.ListBatchEvaluationsAPIClient
}

var (
	_ KMS          = (*kms.Client)(nil)
	_ ControlPlane = (*bedrockagentcorecontrol.Client)(nil)
	_ DataPlane    = (*bedrockagentcore.Client)(nil)
)

// Clients are the clients of one account and Region. KMS is required; a
// nil ControlPlane or DataPlane leaves that consumer unlisted, which makes
// the report incomplete, never clean.
type Clients struct {
	KMS          KMS
	ControlPlane ControlPlane
	DataPlane    DataPlane
}

// ClientsFunc returns the clients of account in region. [Audit] calls it
// once per account and Region, from several goroutines at once.
// [AssumeRole] returns one that assumes each account's role with STS.
type ClientsFunc func(ctx context.Context, account Account, region string) (*Clients, error)
