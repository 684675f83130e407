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
// own retries) or was denied is unknown, never pass; so is one whose call
// answered without the field the finding reads (a DescribeKey answer without
// KeySpec, KeyUsage, KeyState, KeyManager, Origin, Arn or AWSAccountId, a
// GetKeyPolicy answer without a policy), and the dry run when it answers
// success: a KMS dry run never succeeds, it answers DryRunOperationException
// when the request would work, so a success means the endpoint is not KMS.
//
// # The verdict: passed, failed or incomplete
//
// [Report.Outcome] reads the findings as one of three verdicts:
//
//   - [OutcomePassed]: every finding is pass or warn. Go ahead.
//     [Report.Err] is nil only then.
//   - [OutcomeFailed]: at least one finding failed. Report.Err joins the
//     failed findings' [*FindingError]s.
//   - [OutcomeIncomplete]: nothing failed, but at least one finding is
//     unknown (or there are none): the check lacks answers a pass needs. Do
//     not go ahead; Report.Err is an [*IncompleteError] that unwraps to
//     [ErrIncomplete] and lists the unknown findings.
//
// policyengine.Create and batcheval.Start refuse an incomplete preflight
// unless told otherwise, and the preflight command exits 2 on it.
//
// # Which identity needs what
//
// Check reads the key with the identity of its KMS client and judges the key
// policy for the principal in the [Target]; they may differ. The identity
// running the preflight (a CI or admin role, say) needs kms:DescribeKey and
// kms:GetKeyPolicy on the key. The caller role named in the Target needs
// what the key policy findings say, and nothing to run the check: the
// documented policy-engine key policy lets it use the key only through
// AgentCore, so it could not read the key itself anyway.
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
// The dry run is made with the client's credentials, so for batch
// evaluations it speaks for the client's identity: give Check a client with
// the caller's credentials if that finding must speak for the caller, or
// set Options.SkipDryRun. The key-policy findings speak for the Target's
// principal, whatever the client's identity.
//
// # The IAM half
//
// A key policy that names the account root (the AWS default key policy
// does) delegates to the caller's IAM policies: such a finding warns that
// the request is allowed only if IAM allows it. Give an IAM client in
// [Options].IAM (a *iam.Client, or anything with its
// SimulatePrincipalPolicy) and Check asks IAM's own evaluator: for each
// caller and request context, one SimulatePrincipalPolicy call with the
// requirements' actions, the key ARN as the resource and the request's
// context keys as context entries. The simulation's decision becomes the
// finding: allowed (pass, naming the IAM policy statement that allows it),
// implicitDeny (fail, naming the permissions boundary or service control
// policy when one denies) or explicitDeny (fail, naming the Deny). An STS
// session is simulated as its role. An IAM user is simulated with the key
// policy as ResourcePolicy; a role without it, because IAM accepts a
// ResourcePolicy only with a CallerArn, which must be a user; that leaves
// the question the key policy delegates, whether the role's IAM policies
// allow the request. For a role of another account than the key's, an
// implicitDeny is therefore not taken as an answer.
//
// A simulation that fails, answers no decision (or one this package does
// not know) for an action, or allows without naming an IAM policy
// statement, leaves the finding allowed only if IAM allows it, with the
// reason: never a pass. keypolicy.IdentityForPolicyEngine and
// keypolicy.IdentityForBatchEvaluation generate the IAM policy the caller
// needs; the sub-package iamtest is an in-memory IAM that answers
// SimulatePrincipalPolicy with the same evaluator.
//
// # Errors
//
// Check itself returns an error only for bad input (an [*InputError], which
// unwraps to [ErrInvalidInput], the module's one input sentinel: a malformed
// key reference, a nil or zero-value client, an invalid Target, a client
// that panicked) or when ctx ends.
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
// with an alias, DescribeKey resolves it first (two); the IAM simulations,
// when asked for, run concurrently after them (one more). Check never retries:
// the client's retryer does. Cancelling ctx makes Check return at once with
// an error for which errors.Is(err, context.Canceled) holds. Check is safe
// for concurrent use if the client is.
//
// The sub-package kmstest is an in-memory KMS to test against, in Go or
// over HTTP with the real SDK client.
package kmscheck
