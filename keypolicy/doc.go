// Package keypolicy models, generates, parses, merges, evaluates and lints
// AWS KMS key policies for Amazon Bedrock AgentCore.
//
// Every AgentCore resource that takes a customer managed key is described
// once, as a [Consumer] ([Consumers], [ConsumerByName]): its key fields and
// access model, its encryption context, the requests it makes, its
// documented statements and their variants, its key restrictions and what
// fails when the key is unavailable. [For] writes each one's documented
// policy exactly as documented (a key policy; for memory, the IAM identity
// policy), for any account, Region, partition and principal, narrowed to
// one resource where the documentation shows how; [RequirementsFor] lists
// its requests; [Shared] writes one key policy for a key several share.
// [ForPolicyEngine] and [ForBatchEvaluation] are For for the first two
// consumers, kept for existing code.
//
// [Parse] reads any key policy AWS accepts and keeps everything in it, so
// [Merge] can add the generated statements to an existing policy without
// losing a byte of meaning.
//
// [Evaluate] decides one KMS request against a key policy with the IAM rules
// (explicit deny, principals and the account root's delegation to IAM,
// wildcards, every condition operator), and [Explain] says why each
// statement applies or not. [RequirementsFor] (and, for the first two,
// [PolicyEngineRequirements] and [BatchEvaluationRequirements]) list the
// KMS requests each consumer makes; [Analyze] checks a policy against them
// and gives a fix for each failure.
// [Lint] reports security and correctness problems, such as a service
// principal without aws:SourceAccount and aws:SourceArn.
//
// The package is pure: it makes no AWS calls and reads no environment.
package keypolicy
