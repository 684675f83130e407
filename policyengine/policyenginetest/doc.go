// Package policyenginetest is a loopback emulator of the Amazon Bedrock
// AgentCore control-plane operations on policy engines, for tests and offline
// demonstrations.
//
// It speaks the REST-JSON protocol of the real service (POST /policy-engines,
// GET and DELETE /policy-engines/{policyEngineId}, GET /policy-engines, and the
// summary operations under /policy-engine-summaries), so the real
// *bedrockagentcorecontrol.Client talks to it through BaseEndpoint. Callers are
// identified by the access key id of their SigV4 signature, mapped to an IAM
// principal by the kmstest KMS the control plane uses.
//
// It behaves as the AgentCore documentation describes encrypted policy engines:
//
//   - CreatePolicyEngine with an encryptionKeyArn describes the key as the
//     caller through the service (kms:ViaService set) and answers
//     ValidationException "The specified KMS key is not in a usable state.
//     Verify the key is enabled and not pending deletion." when the key is not
//     a symmetric ENCRYPT_DECRYPT key in the Enabled state;
//   - it then creates the policy management grant and the policy evaluation
//     grant as the caller through the service, so a key policy without the
//     CreateGrant statement fails with AccessDeniedException "Access denied for
//     the specified KMS key. Verify the key policy grants the required
//     permissions.";
//   - it encrypts the engine's data under a data key generated as the caller
//     through the service (the "KMS operations" statement, with the source
//     context aws:SourceAccount and aws:SourceArn), and moves the engine from
//     CREATING to ACTIVE after
//     [Options.ActivationDelay], once the evaluation grant can re-encrypt its data key
//     (CREATE_FAILED with status reasons otherwise);
//   - GetPolicyEngine, ListPolicyEngines and DeletePolicyEngine decrypt the
//     engine's data as the caller and fail when the key is unusable or the
//     key policy denies it, while ListPolicyEngineSummaries and
//     GetPolicyEngineSummary always answer;
//   - DeletePolicyEngine retires both grants.
//
// Faults (throttling, 500s) can be injected per operation with
// [ControlPlane.InjectFault], and latency added to every request with
// [Options.Latency] or [ControlPlane.SetLatency]. [NewSDKClient] returns a
// real client for a served control plane with fast retries.
package policyenginetest
