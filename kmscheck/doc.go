// Package kmscheck checks, before a call to AWS, that a KMS key will work
// for an Amazon Bedrock AgentCore feature.
package kmscheck
