// Package policyengine creates and looks after Amazon Bedrock AgentCore
// policy engines encrypted with customer managed KMS keys.
//
// A [Client] wraps the control-plane operations (CreatePolicyEngine with
// EncryptionKeyArn, GetPolicyEngine, DeletePolicyEngine,
// ListPolicyEngineSummaries) and KMS:
//
//   - [Client.Create] validates its input before any call, runs the
//     [kmscheck] preflight of the key for policy engines, and maps the
//     service's documented KMS errors to [kmscheck.ErrAccessDenied] and
//     [kmscheck.ErrKeyNotUsable] while keeping the SDK error reachable;
//   - [Client.WaitActive] waits with the SDK's PolicyEngineActiveWaiter;
//   - [Client.Grants] and [Client.RevokeGrants] find and revoke the policy
//     management grant and the policy evaluation grant the service creates;
//   - [Client.Audit] inspects every engine of the account and says which ones
//     will have all their authorization decisions denied, and from when,
//     because their key is disabled, pending deletion or gone.
//
// # Errors
//
// Input errors are [*InputError] (errors.Is(err, ErrInvalidInput)). Key
// errors are [*KeyError], which unwraps to its kmscheck sentinel and to the
// SDK error:
//
//	var ke *policyengine.KeyError
//	if errors.As(err, &ke) && errors.Is(err, kmscheck.ErrAccessDenied) { ... }
//	var ae smithy.APIError
//	errors.As(err, &ae) // still the service's AccessDeniedException
//
// # Testing
//
// Package [github.com/agentcorekms/agentcorekms/policyengine/policyenginetest]
// emulates the control plane on loopback, on top of the kmstest KMS, so the
// real SDK clients can be used offline.
package policyengine
