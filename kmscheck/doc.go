// Package kmscheck checks, before a call to AWS, that a KMS key will work
// for an Amazon Bedrock AgentCore feature: encrypting Policy in AgentCore
// policy engines, or encrypting batch evaluations, or any other resource of
// the keypolicy consumer model ([ForConsumer]: evaluators, datasets,
// configuration bundles, recommendations, payment managers, gateways,
// memory and the token vault), each with the key restrictions its
// documentation states: a key ARN only where the key field's pattern allows
// no alias (an alias is then bad input), the same Region where documented
// (a warning where the page is silent), and multi-Region keys refused where
// documented (finding key.multi-region). The GenerateDataKey dry run runs
// for a consumer whose caller requests it without going through AgentCore.
//
// [Check] reads the key with DescribeKey, reads its key policy with
// GetKeyPolicy and, for batch evaluations, dry-runs GenerateDataKey, then
// returns a [Report] of [Finding]s, each with a stable id, a [Status]
// (pass, warn, fail, unknown), a message and a remedy:
//
//   - the documented prerequisites: a SYMMETRIC_DEFAULT key with
//     ENCRYPT_DECRYPT usage in the Enabled state (a key pending deletion is
//     reported with its deletion date; Disabled, PendingImport and
//     Unavailable each get their own remedy);
//   - a customer managed key (an AWS managed key's policy cannot be
//     changed), in the target Region (required for batch evaluations) and
//     account, whose imported key material does not expire soon, and
//     whether it lives in a custom key store;
//   - the key named by its ARN: an alias or bare key id is resolved and
//     reported as a warning naming the ARN to pass to AgentCore;
//   - the key policy, analysed with keypolicy.Analyze against every request
//     the feature makes (keypolicy.PolicyEngineRequirements,
//     keypolicy.BatchEvaluationRequirements), one finding per request;
//   - for batch evaluations, a GenerateDataKey dry run with the batch
//     evaluation's encryption context.
//
// A key that does not exist, is denied, or fails in any way is a finding,
// not an error of Check. A finding whose KMS call failed (after the SDK's
// own retries) or was denied is unknown, never pass.
//
// # Why the policy-engine statements are checked only statically
//
// Every statement AWS documents for policy engines requires kms:ViaService
// = bedrock-agentcore.REGION.amazonaws.com: the key may be used only when
// AgentCore calls KMS with the caller's forwarded identity (a forward access
// session). Only AgentCore can make such a request; a request the caller
// makes to KMS directly, dry run or not, never carries kms:ViaService, so a
// correct policy denies it and a dry run proves nothing either way.
// Check therefore evaluates those statements offline with keypolicy, as
// AgentCore's requests would be evaluated. Batch evaluations are different:
// the documented caller statements have no kms:ViaService, because AgentCore
// validates the key with a dry run of the caller's own permissions, so Check
// makes the same dry run. No plaintext data key is ever requested: the probe
// always sets DryRun, and a DryRunOperationException means allowed.
//
// The dry run and the reads use the client's credentials: give Check a
// client for the principal in the [Target]. The key-policy findings speak
// for that principal, whatever the client's identity.
//
// # Errors
//
// [Report.Err] joins one [*FindingError] per failed finding. Each unwraps
// to [ErrAccessDenied] or [ErrKeyNotUsable] (whose texts are the messages
// AgentCore documents), to [ErrKeyNotFound] for a missing key, and to the
// SDK error behind it:
//
//	if err := report.Err(); errors.Is(err, kmscheck.ErrKeyNotUsable) {
//		// enable the key, or pick another one
//	}
//	var nf *types.NotFoundException
//	if errors.As(report.Err(), &nf) { ... }
//
// # Concurrency and retries
//
// With a key id or ARN, the KMS calls run concurrently (one round trip);
// with an alias, DescribeKey resolves it first (two). Check never retries:
// the client's retryer does. Cancelling ctx makes Check return at once with
// an error for which errors.Is(err, context.Canceled) holds. Check is safe
// for concurrent use if the client is.
//
// The sub-package kmstest is an in-memory KMS to test against, in Go or
// over HTTP with the real SDK client.
package kmscheck
