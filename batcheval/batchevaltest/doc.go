// Package batchevaltest is a loopback emulator of the Amazon Bedrock
// AgentCore data-plane operations for batch evaluations:
// StartBatchEvaluation, GetBatchEvaluation, ListBatchEvaluations,
// StopBatchEvaluation and DeleteBatchEvaluation.
//
// It serves the REST-JSON wire protocol of the service (the paths, status
// codes, JSON shapes and error headers of aws-sdk-go-v2
// service/bedrockagentcore), so the real *bedrockagentcore.Client talks to it
// through BaseEndpoint, and it enforces the documented behaviour of customer
// managed KMS keys through an in-memory KMS from package kmstest:
//
//   - StartBatchEvaluation identifies the caller by the access key id of its
//     SigV4 signature, checks the key ARN's Region, then validates the key
//     with the caller's permissions as a forward access session (DescribeKey
//     and a dry-run GenerateDataKey with kms:ViaService set to
//     bedrock-agentcore.REGION.amazonaws.com and the batch-evaluation
//     encryption context), and finally checks that the service principal
//     bedrock-agentcore.amazonaws.com can call GenerateDataKey with its own
//     credentials, with aws:SourceAccount and aws:SourceArn set, by writing
//     the encrypted data-source configuration. A key that is disabled, pending
//     deletion or not a symmetric encryption key fails with ValidationException
//     and the text "The specified KMS key is not in a usable state. Verify the
//     key is enabled and not pending deletion."; a key policy that does not
//     allow the caller or the service principal fails with
//     AccessDeniedException and "Access denied for the specified KMS key.
//     Verify the key policy grants the required permissions." (so does a key
//     that does not exist, as AWS documents for Policy in AgentCore); a key
//     in another Region fails with ValidationException.
//   - Evaluations move PENDING, IN_PROGRESS, then COMPLETED (or
//     COMPLETED_WITH_ERRORS, see Options.FailedSessions) on the clock in
//     [Options]. The emulator has no background workers: an evaluation
//     catches up with the clock, making the KMS calls of each step, whenever
//     a request reads it. Entering IN_PROGRESS writes the session metadata and
//     completing writes the results, each encrypted under a data key from
//     GenerateDataKey made as the service principal with the encryption
//     context {"aws:bedrock-agentcore:batchEvaluationArn": ARN}. If the key
//     has become unusable by then, the evaluation ends FAILED with the reason
//     in errorDetails.
//   - GetBatchEvaluation always returns the metadata (name, status,
//     timestamps, configuration). It returns evaluationResults (and
//     insightResults when insights were requested) only if the service
//     principal can decrypt them. When it cannot, those members are absent
//     and errorDetails carries one entry that starts with
//     [ResultsUnavailablePrefix] and names the KMS error and the remedy. The
//     GetBatchEvaluation response shape has no dedicated member for this, and
//     AWS documents only that the results "cannot be read", so this is the
//     emulator's rendering of it; clients should rely on the absence of
//     evaluationResults on a completed evaluation with a kmsKeyArn. That
//     GetBatchEvaluation answers rather than fails is what the consumer
//     model says (keypolicy.Consumer.FailsWhenUnavailable of the batch
//     evaluation), which the emulator asks.
//   - ListBatchEvaluations, StopBatchEvaluation and DeleteBatchEvaluation
//     make no KMS calls and succeed whatever the state of the key. Listing
//     returns metadata only: the summaries of evaluations encrypted with a
//     key have no evaluationResults (those without a key have them once
//     completed, as the API reference describes).
//
// Requests are first checked against the API model: a kmsKeyArn that does
// not match the documented key ARN pattern is a ValidationException before
// any KMS call, and tags follow the documented rules (no aws: keys).
// errorDetails carries at most one entry, as the API allows. An access key
// the KMS does not know gets UnrecognizedClientException, as from AWS.
//
// [Emulator.InjectFault] queues faults (throttling, 5xx) per operation, and
// appends; [Emulator.SetLatency] adds latency; [Emulator.Requests] and
// [Emulator.KMSCalls] keep the most recent requests and the KMS calls the
// emulated service made in bounded rings, so tests can assert who called,
// with which context. A panic while handling a request is answered with 500
// InternalFailure. [S3] is the SSE-KMS-enforcing S3 the batcheval archive
// writes to, with the same controls. The agentcoretest package wires them,
// the KMS and the SDK clients in one call.
//
// An [Emulator] is safe for concurrent use.
package batchevaltest
