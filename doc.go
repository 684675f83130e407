// Package agentcorekms makes customer managed AWS KMS keys safe and boring to
// use with Amazon Bedrock AgentCore: Policy in AgentCore policy engines
// (CreatePolicyEngine with EncryptionKeyArn) and batch evaluations
// (StartBatchEvaluation with KmsKeyArn).
//
// This package holds documentation only; the work is done by its
// sub-packages.
//
// # Packages
//
//   - keypolicy generates the exact key policies AWS documents, for any
//     account, Region, partition and principal; parses and merges existing
//     key policies without losing anything; evaluates a key policy offline
//     against the requests AgentCore makes; and lints it.
//   - kmscheck runs the documented key prerequisites as a preflight and
//     reports every failed check with its remedy.
//   - policyengine wraps CreatePolicyEngine and the engine's lifecycle, its
//     two KMS grants, and an audit of every engine's key.
//   - batcheval wraps StartBatchEvaluation and the batch evaluation's
//     lifecycle, and archives results to S3 with SSE-KMS.
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
// kmscheck/kmstest, policyengine/policyenginetest and batcheval/batchevaltest
// are in-memory emulators of KMS and of the two AgentCore APIs. They serve
// the real wire protocols on loopback, so the real AWS SDK clients talk to
// them through BaseEndpoint and tests need no AWS account.
package agentcorekms
