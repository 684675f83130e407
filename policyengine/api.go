package policyengine

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// CreatePolicyEngineAPIClient is the CreatePolicyEngine operation of
// *bedrockagentcorecontrol.Client.
type CreatePolicyEngineAPIClient interface {
	CreatePolicyEngine(ctx context.Context, params *bedrockagentcorecontrol.CreatePolicyEngineInput, optFns ...func(*bedrockagentcorecontrol.Options)) (*bedrockagentcorecontrol.CreatePolicyEngineOutput, error)
}

// GetPolicyEngineAPIClient is the GetPolicyEngine operation of
// *bedrockagentcorecontrol.Client.
type GetPolicyEngineAPIClient interface {
	GetPolicyEngine(ctx context.Context, params *bedrockagentcorecontrol.GetPolicyEngineInput, optFns ...func(*bedrockagentcorecontrol.Options)) (*bedrockagentcorecontrol.GetPolicyEngineOutput, error)
}

// DeletePolicyEngineAPIClient is the DeletePolicyEngine operation of
// *bedrockagentcorecontrol.Client.
type DeletePolicyEngineAPIClient interface {
	DeletePolicyEngine(ctx context.Context, params *bedrockagentcorecontrol.DeletePolicyEngineInput, optFns ...func(*bedrockagentcorecontrol.Options)) (*bedrockagentcorecontrol.DeletePolicyEngineOutput, error)
}

// ListPolicyEngineSummariesAPIClient is the ListPolicyEngineSummaries
// operation of *bedrockagentcorecontrol.Client.
type ListPolicyEngineSummariesAPIClient interface {
	ListPolicyEngineSummaries(ctx context.Context, params *bedrockagentcorecontrol.ListPolicyEngineSummariesInput, optFns ...func(*bedrockagentcorecontrol.Options)) (*bedrockagentcorecontrol.ListPolicyEngineSummariesOutput, error)
}

// API is the part of the AgentCore control plane a [Client] uses.
// *bedrockagentcorecontrol.Client satisfies it.
type API interface {
	CreatePolicyEngineAPIClient
	GetPolicyEngineAPIClient
	DeletePolicyEngineAPIClient
	ListPolicyEngineSummariesAPIClient
}

var _ API = (*bedrockagentcorecontrol.Client)(nil)

// ListGrantsAPIClient is the ListGrants operation of *kms.Client.
type ListGrantsAPIClient interface {
	ListGrants(ctx context.Context, params *kms.ListGrantsInput, optFns ...func(*kms.Options)) (*kms.ListGrantsOutput, error)
}

// RevokeGrantAPIClient is the RevokeGrant operation of *kms.Client.
type RevokeGrantAPIClient interface {
	RevokeGrant(ctx context.Context, params *kms.RevokeGrantInput, optFns ...func(*kms.Options)) (*kms.RevokeGrantOutput, error)
}

var (
	_ ListGrantsAPIClient  = (*kms.Client)(nil)
	_ RevokeGrantAPIClient = (*kms.Client)(nil)
)
