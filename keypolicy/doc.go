// Package keypolicy models, generates, parses, merges, evaluates and lints
// AWS KMS key policies for Amazon Bedrock AgentCore.
//
// [ForPolicyEngine] and [ForBatchEvaluation] write the key policies AWS
// documents for encrypting policy engines and batch evaluations with a
// customer managed key, exactly as documented, for any account, Region,
// partition and principal. [Parse] reads any key policy AWS accepts and
// keeps everything in it, so [Merge] can add the generated statements to an
// existing policy without losing a byte of meaning.
//
// The package is pure: it makes no AWS calls and reads no environment.
package keypolicy
