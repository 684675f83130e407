package agentcore

// Names of the AgentCore resources that take a customer managed key, as
// keypolicy's consumer model, kmscheck and the emulators call them.
const (
	ConsumerPolicyEngine        = "policy-engine"
	ConsumerBatchEvaluation     = "batch-evaluation"
	ConsumerEvaluator           = "evaluator"
	ConsumerDataset             = "dataset"
	ConsumerConfigurationBundle = "configuration-bundle"
	ConsumerRecommendation      = "recommendation"
	ConsumerPaymentManager      = "payment-manager"
	ConsumerGateway             = "gateway"
	ConsumerMemory              = "memory"
	ConsumerTokenVault          = "token-vault"
)

// Resource types in the ARN arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:TYPE/ID
// of each consumer, as its documentation writes them.
const (
	ResourcePolicyEngine        = "policy-engine"
	ResourceBatchEvaluation     = "batch-evaluate"
	ResourceEvaluator           = "evaluator"
	ResourceDataset             = "dataset"
	ResourceConfigurationBundle = "configuration-bundle"
	ResourceRecommendation      = "recommendation"
	ResourcePaymentManager      = "payment-manager"
	ResourceGateway             = "gateway"
	ResourceTokenVault          = "token-vault"
)

// Encryption-context keys of the other consumers (see
// ../shared/spec/consumers/). Each value is the resource's ARN.
const (
	// EvaluatorContextKey is set to the custom evaluator's ARN.
	EvaluatorContextKey = "aws:bedrock-agentcore:evaluatorArn"
	// DatasetContextKey is set to the dataset's ARN on writes.
	DatasetContextKey = "aws:bedrock-agentcore:datasetArn"
	// ConfigurationBundleContextKey is set to the configuration bundle's ARN.
	ConfigurationBundleContextKey = "aws:bedrock-agentcore:configurationBundleArn"
	// RecommendationContextKey is set to the recommendation's ARN.
	RecommendationContextKey = "aws:bedrock-agentcore:recommendationArn"
	// PaymentManagerContextKey is set to the payment manager's ARN. Its
	// prefix is aws:payments-manager:, not aws:bedrock-agentcore:.
	PaymentManagerContextKey = "aws:payments-manager:arn"
	// GatewayContextKey is set to the gateway's ARN (taken from the
	// documented policy's conditions; the page has no encryption-context
	// section).
	GatewayContextKey = "aws:bedrock-agentcore-gateway:arn"
	// TokenVaultContextKey is set to the token vault's ARN. The documented
	// condition key is kms:EncryptionContext: followed by this key; the
	// meaning of its aws-crypto-ec: prefix is not documented.
	TokenVaultContextKey = "aws-crypto-ec:aws:bedrock-agentcore-identity:token-vault-arn"
	// LogsContextKey is the encryption-context key CloudWatch Logs delivery
	// uses; its value is a CloudWatch Logs ARN.
	LogsContextKey = "SourceArn"
)

// Service names and principals beyond [ServicePrincipal] and [ViaServiceName].
const (
	// IdentityViaServiceName is the service name in the token vault's
	// kms:ViaService: bedrock-agentcore-identity.REGION.DNS_SUFFIX.
	IdentityViaServiceName = "bedrock-agentcore-identity"
	// LogsDeliveryPrincipal is the service principal of CloudWatch Logs
	// vended log delivery, which a gateway's key policy allows when logging
	// is enabled.
	LogsDeliveryPrincipal = "delivery.logs.amazonaws.com"
	// DefaultTokenVaultID is the id of an account's default token vault.
	DefaultTokenVaultID = "default"
)
