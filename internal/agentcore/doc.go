// Package agentcore holds, once, what AWS documents about Amazon Bedrock
// AgentCore's use of AWS KMS: the two error messages the service returns,
// the service principal and encryption-context keys, the limits, the one
// table from a KMS error code to the kind of failure it means, the one
// input-error sentinel every public package unwraps to, and the one
// validator of key references (key ids, key ARNs, alias names, alias ARNs).
//
// Everything else in the module derives from it: kmscheck, policyengine,
// batcheval and the emulators must not spell any of these facts again.
package agentcore
