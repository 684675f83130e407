// Package policyenginetest is a loopback emulator of the Amazon Bedrock
// AgentCore control-plane operations on policy engines, for tests and offline
// demonstrations.
//
// It speaks the REST-JSON protocol of the real service (POST /policy-engines,
// GET, PATCH and DELETE /policy-engines/{policyEngineId}, GET /policy-engines,
// the summary operations under /policy-engine-summaries, and TagResource,
// UntagResource and ListTagsForResource under /tags/{resourceArn}), so the
// real *bedrockagentcorecontrol.Client talks to it through BaseEndpoint.
// Callers are identified by the access key id of their SigV4 signature,
// mapped to an IAM principal by the kmstest KMS the control plane uses; an
// access key it does not know gets UnrecognizedClientException, as from AWS.
// The agentcoretest package wires it, the KMS and the SDK clients in one
// call.
//
// It behaves as the AgentCore documentation describes encrypted policy engines:
//
//   - every request is first checked against the API model: an
//     encryptionKeyArn that does not match the documented key ARN pattern,
//     or a malformed policyEngineId, is a ValidationException before any KMS
//     call; tags follow the documented rules (no aws: keys);
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
//   - GetPolicyEngine, ListPolicyEngines, UpdatePolicyEngine and
//     DeletePolicyEngine decrypt the engine's data as the caller and fail
//     when the key is unusable or the key policy denies it, while
//     ListPolicyEngineSummaries, GetPolicyEngineSummary and the tag
//     operations always answer; which read operations need the key is
//     what the consumer model says (keypolicy.Consumer.FailsWhenUnavailable
//     of the policy engine);
//   - UpdatePolicyEngine changes the description (UPDATING, then ACTIVE or
//     UPDATE_FAILED) and never the key: a request that tries to add, change
//     or remove encryptionKeyArn is a ValidationException
//     ([MessageKeyImmutable]);
//   - DeletePolicyEngine retires both grants and leaves the engine DELETING
//     for [Options.DeletionDelay] before it disappears, or DELETE_FAILED when
//     a grant cannot be retired.
//
// Faults (throttling, 500s) are queued per operation with
// [ControlPlane.InjectFault], which appends; latency is added to every
// request with [Options.Latency] or [ControlPlane.SetLatency]; the most
// recent requests are kept in a bounded ring ([ControlPlane.Requests]). A
// panic while handling a request is answered with 500 InternalFailure.
// [NewSDKClient] returns a real client for a served control plane with fast
// retries.
package policyenginetest
