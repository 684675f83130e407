// Package policyengine creates and looks after Amazon Bedrock AgentCore
// policy engines encrypted with customer managed KMS keys.
//
// A [Client] wraps the control-plane operations (CreatePolicyEngine with
// EncryptionKeyArn, GetPolicyEngine, DeletePolicyEngine,
// ListPolicyEngineSummaries) and KMS:
//
//   - [Client.Create] validates its input before any call ([Client.Validate]
//     does only that), runs the [kmscheck] preflight of the key for policy
//     engines and goes ahead only when it passed (or, with
//     [Options.ProceedOnIncompletePreflight], when nothing failed and KMS
//     answered), and maps the service's documented KMS errors to
//     [ErrAccessDenied] and [ErrKeyNotUsable] while keeping the SDK error
//     reachable;
//   - [Client.WaitActive] waits with the SDK's PolicyEngineActiveWaiter;
//   - [Client.Grants] and [Client.RevokeGrants] find and revoke the policy
//     management grant and the policy evaluation grant the service creates;
//   - [Client.Audit] inspects every engine of the account and says which ones
//     will have all their authorization decisions denied, and from when,
//     because their key is disabled, pending deletion or gone.
//
// # Errors
//
// Input errors are [*InputError] (errors.Is(err, ErrInvalidInput)), the
// module's one input error: the same type and sentinel as kmscheck's and
// batcheval's. A nil or zero-value SDK client is input error too. Key
// errors are [*KeyError], which unwraps to [ErrAccessDenied] or
// [ErrKeyNotUsable] (the same values as kmscheck's, carrying the documented
// messages) and to the SDK error; a KMS failure of Grants, RevokeGrants or
// Delete's grant listing is classified the same way:
//
//	var ke *policyengine.KeyError
//	if errors.As(err, &ke) && errors.Is(err, policyengine.ErrAccessDenied) { ... }
//	var ae smithy.APIError
//	errors.As(err, &ae) // still the service's AccessDeniedException
//
// A preflight that did not pass is a [*PreflightError]: failed findings
// unwrap to the key sentinels, unchecked ones to [kmscheck.ErrIncomplete],
// and a preflight KMS never answered to [ErrNoPreflightAnswer]. A 200 answer
// without a field AWS always sends (the engine's id, ARN or status, a
// grant's id) is an [*IncompleteAnswerError] naming the operation and the
// field ([ErrIncompleteAnswer]), never an empty success.
//
// # Testing
//
// Package [github.com/agentcorekms/agentcorekms/policyengine/policyenginetest]
// emulates the control plane on loopback, on top of the kmstest KMS, so the
// real SDK clients can be used offline.
package policyengine
