// Package batcheval starts and manages Amazon Bedrock AgentCore batch
// evaluations encrypted with a customer managed KMS key, and archives their
// results to S3 under the same key.
//
// A [Client] wraps the data-plane operations of
// aws-sdk-go-v2/service/bedrockagentcore. [Client.Start] validates its input
// before any call (name, at most 10 evaluators and 10 insights, a data
// source, a key ARN that is not an alias and is in the client's Region, as
// AWS requires), runs the kmscheck preflight for batch evaluations (the
// caller's DescribeKey, a dry-run GenerateDataKey with the batch-evaluation
// encryption context, and an analysis of the key policy including the
// service-principal statement with aws:SourceAccount and aws:SourceArn), and
// only then calls StartBatchEvaluation. [Client.Get], [Client.List],
// [Client.Stop], [Client.Delete] and [Client.Wait] follow the evaluation; per
// the AWS documentation they keep working when the key becomes unavailable,
// except that the results can no longer be read, which Get reports with a
// [*ResultsUnavailableError] beside the metadata. [Client.Archive] and
// [Client.VerifyArchive] write the results to S3 with SSE-KMS under the
// evaluation's key and encryption context, and check them.
//
// # Errors
//
// Bad input returns errors unwrapping to [ErrInvalidInput] before any call
// (the module's one input sentinel; a nil or zero-value SDK client, a key
// ARN that is not a key ARN in the evaluation's Region, an archive prefix S3
// cannot take are all input errors). Key problems unwrap to
// [ErrKeyNotUsable] or [ErrAccessDenied] (the same values as kmscheck's),
// whose texts are the messages AWS documents, whether the preflight found
// them ([*PreflightError]) or the service did ([*KeyError]); the SDK error
// stays reachable:
//
//	_, err := c.Start(ctx, in)
//	switch {
//	case errors.Is(err, batcheval.ErrKeyNotUsable):
//		// enable the key, or cancel its deletion
//	case errors.Is(err, batcheval.ErrAccessDenied):
//		// fix the key policy: keypolicy.ForBatchEvaluation writes it
//	case errors.Is(err, kmscheck.ErrIncomplete):
//		// the preflight could not check everything (set
//		// Options.ProceedOnIncompletePreflight to start anyway)
//	case errors.Is(err, batcheval.ErrNoPreflightAnswer):
//		// KMS answered no preflight call: nothing is known about the key
//	}
//	var ve *types.ValidationException
//	errors.As(err, &ve) // the service's own error, when it answered
//
// A 200 answer without a field AWS always sends (the evaluation's id, ARN or
// status; HeadObject's key id with aws:kms) is an [*IncompleteAnswerError]
// naming the operation and the field ([ErrIncompleteAnswer]), never an empty
// success.
//
// # AgentCore CLI
//
// The AgentCore CLI commands that AWS documents for batch evaluations map to
// this package as follows. Note that the CLI's "archive" deletes the
// evaluation; this package's Archive copies it to S3 and deletes nothing.
//
//	agentcore run batch-evaluation --kms-key <arn> -r <runtime> -e <evaluator>   Client.Start
//	agentcore view batch-evaluation <id>                                        Client.Get (Client.Wait to follow it)
//	agentcore view batch-evaluation, agentcore batch-evaluations history         Client.List
//	agentcore stop batch-evaluation -i <id>                                      Client.Stop
//	agentcore archive batch-evaluation -i <id>                                   Client.Delete (DeleteBatchEvaluation)
//
// # Testing
//
// Package batchevaltest emulates the data-plane operations on loopback with
// the documented KMS behaviour, on top of kmscheck/kmstest, and fronts an
// in-memory S3 with SSE-KMS enforcement, so the real SDK clients can be
// pointed at them.
package batcheval
