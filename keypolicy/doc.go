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
// cross-account callers, wildcards, every condition operator, policy
// variables, the keys AWS derives from the caller), and [Explain] says why
// each statement applies or not. What AWS documents no outcome for, such as
// a single-valued operator on a multivalued key, is reported as undecided
// rather than guessed ([Decision].Unsupported). [RequirementsFor] (and, for the first two,
// [PolicyEngineRequirements] and [BatchEvaluationRequirements]) list the
// KMS requests each consumer makes; [Analyze] checks a policy against them
// and gives a fix for each failure.
// [Lint] reports security and correctness problems, such as a service
// principal without aws:SourceAccount and aws:SourceArn.
//
// [Parse] refuses a policy over KMS's limit of 32,768 bytes
// ([MaxPolicyBytes]) before any work, and any string with invalid UTF-8 or
// a lone surrogate; Parse, [Document.JSON] and Merge take time linear in
// their input. To write a policy to a key, use package keyapply.
//
// The package is pure: it makes no AWS calls and reads no environment.
package keypolicy
