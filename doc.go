// Package agentcorekms makes customer managed AWS KMS keys safe and boring to
// use with Amazon Bedrock AgentCore: Policy in AgentCore policy engines
// (CreatePolicyEngine with EncryptionKeyArn), batch evaluations
// (StartBatchEvaluation with KmsKeyArn), and every other AgentCore resource
// that takes a key (evaluators, datasets, configuration bundles,
// recommendations, payment managers, gateways, memory, the token vault).
//
// This package holds documentation only; the work is done by its
// sub-packages.
//
// # Verdicts
//
// Nothing here says pass without an answer that shows it. A preflight or an
// audit is passed, failed or incomplete (kmscheck.Outcome): a call that
// failed, an answer without a field AWS always sends, or a DryRun answered
// with success leaves its finding unknown, and the whole incomplete.
//
// # Packages
//
//   - keypolicy describes every AgentCore resource that takes a key once, as
//     data (Consumers), and derives from it the exact key policies AWS
//     documents (For, ForPolicyEngine, ForBatchEvaluation, Shared) and the
//     caller's IAM identity policy, for any account, Region, partition and
//     principal; parses and merges existing key policies without losing
//     anything; evaluates a key policy offline as AWS does (Evaluate, the one
//     evaluator of the module), checks it against the requests each resource
//     makes (Analyze), decides the lockout safety check (CheckLockout); and
//     lints it.
//   - kmscheck runs the documented key prerequisites as a preflight for any
//     resource, with remedies, and settles "allowed only if IAM allows" with
//     iam:SimulatePrincipalPolicy when given an IAM client.
//   - keyapply adds the documented statements to a key's policy safely:
//     merged, size- and lockout-checked offline, re-read before the write,
//     verified after.
//   - policyengine wraps CreatePolicyEngine and the engine's lifecycle, its
//     two KMS grants, and an audit of every engine's key.
//   - batcheval wraps StartBatchEvaluation and the batch evaluation's
//     lifecycle, and archives results to S3 with SSE-KMS.
//   - fleet audits every encrypted resource of many accounts and Regions,
//     each key read once, under KMS's request quotas, with a blast radius per
//     key.
//
// # Errors
//
// Each package exports sentinel errors for the categories callers act on,
// and typed errors with the details, which unwrap to the sentinels and to
// the AWS SDK error that caused them:
//
//	if errors.Is(err, kmscheck.ErrKeyNotUsable) {
//		// enable the key, or cancel its deletion
//	}
//	var apiErr smithy.APIError
//	if errors.As(err, &apiErr) {
//		log.Println(apiErr.ErrorCode())
//	}
//
// # Testing
//
// agentcoretest starts a whole sandbox in one call: kmscheck/kmstest,
// policyengine/policyenginetest and batcheval/batchevaltest (with its SSE-KMS
// S3 front), in-memory emulators of KMS and of the two AgentCore APIs, and the
// real SDK clients of a role pointed at them. kmscheck/iamtest emulates IAM's
// SimulatePrincipalPolicy. They serve the real wire protocols on loopback, so
// the real AWS SDK clients talk to them through BaseEndpoint and tests need no
// AWS account; they refuse what AWS refuses, deciding key policies with
// keypolicy.Evaluate.
package agentcorekms
