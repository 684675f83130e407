package agentcore

// The two messages AgentCore documents for a KMS failure, word for word
// (policy-engine-cmk.txt, "Troubleshooting").
const (
	// MessageAccessDenied is returned (as AccessDeniedException) when the
	// key policy or the caller's IAM policy does not allow a required
	// request, or when the key does not exist or no longer exists.
	MessageAccessDenied = "Access denied for the specified KMS key. Verify the key policy grants the required permissions."
	// MessageKeyNotUsable is returned (as ValidationException) when the key
	// is disabled, pending deletion or otherwise not usable.
	MessageKeyNotUsable = "The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion."
	// RestoreAccessAdvice is the remedy AWS documents when a key becomes
	// unavailable to a batch evaluation (batch-evaluation-cmk.txt).
	RestoreAccessAdvice = "To restore access, re-enable the key or update the key policy to grant the required permissions."
)

// The service principal and encryption-context keys.
const (
	// ServicePrincipal is the service principal AgentCore calls KMS as, for
	// its own asynchronous work.
	ServicePrincipal = "bedrock-agentcore.amazonaws.com"
	// PolicyEngineContextKey is the encryption-context key of Policy in
	// AgentCore; its value is the policy engine ARN.
	PolicyEngineContextKey = "aws:bedrock-agentcore-policy:policy-engine-arn"
	// BatchEvaluationContextKey is the encryption-context key of batch
	// evaluations; its value is the batch evaluation ARN.
	BatchEvaluationContextKey = "aws:bedrock-agentcore:batchEvaluationArn"
	// ViaServiceName is the service name in kms:ViaService:
	// bedrock-agentcore.REGION.DNS_SUFFIX.
	ViaServiceName = "bedrock-agentcore"
)

// Limits AWS documents.
const (
	// MaxKeyPolicyBytes is the largest key policy KMS accepts, in bytes
	// (KMS API reference, PutKeyPolicy: Policy length 1-32768; larger is
	// LimitExceededException in the KMS quotas page).
	MaxKeyPolicyBytes = 32768
	// MaxKeyDescriptionChars is the longest key description KMS accepts,
	// in characters (CreateKey and UpdateKeyDescription: 0-8192).
	MaxKeyDescriptionChars = 8192
	// MaxKeyIDChars is the longest KeyId KMS accepts (1-2048).
	MaxKeyIDChars = 2048
	// MaxEvaluators is the most evaluators one batch evaluation takes
	// (StartBatchEvaluation: evaluators, 1-10).
	MaxEvaluators = 10
	// MaxGrantsListLimit is the largest Limit of ListGrants and ListAliases
	// (1-100).
	MaxGrantsListLimit = 100
)
