package keypolicy

import "github.com/agentcorekms/agentcorekms/internal/agentcore"

// The descriptions below restate ../shared/spec (the policy engine and
// batch evaluation documents) and ../shared/spec/consumers/ (one sheet per
// other resource). Every "Open" of a sheet is kept in Consumer.Open with
// the choice made for it.

const (
	actDescribeKey   = "kms:DescribeKey"
	actDecrypt       = "kms:Decrypt"
	actEncrypt       = "kms:Encrypt"
	actGenerateKey   = "kms:GenerateDataKey"
	actGenerateNoPT  = "kms:GenerateDataKeyWithoutPlaintext"
	actCreateGrant   = "kms:CreateGrant"
	actReEncryptFrom = "kms:ReEncryptFrom"
	actReEncryptTo   = "kms:ReEncryptTo"

	keyVia        = "kms:ViaService"
	keySrcAccount = "aws:SourceAccount"
	keySrcARN     = "aws:SourceArn"
	keyGrantType  = "kms:GrantConstraintType"
	keyGrantOps   = "kms:GrantOperations"
	keyResAccount = "aws:ResourceAccount"

	ecSubset = "EncryptionContextSubset"
)

// keyARNField is the field rule every consumer but memory documents.
const keyARNField = "length 1-2048, pattern arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}"

// symmetricByRequests explains SymmetricOnly where a page does not state it.
const symmetricByRequests = "symmetric only is not stated on the page; it follows from the documented kms:GenerateDataKey and kms:Decrypt requests, which KMS supports only on symmetric encryption keys"

func catalog() []Consumer {
	names := ConsumerNames()
	out := make([]Consumer, len(names))
	for i, n := range names {
		out[i], _ = consumerBuilder(n)()
	}
	return out
}

// consumerBuilder returns the functions that describe consumer name and
// build its statement and request templates, or nil.
func consumerBuilder(name string) func() (Consumer, func(bool) consumerSpec) {
	pair := func(c func() Consumer, s func(bool) consumerSpec) func() (Consumer, func(bool) consumerSpec) {
		return func() (Consumer, func(bool) consumerSpec) { return c(), s }
	}
	switch name {
	case ConsumerPolicyEngine:
		return pair(policyEngineConsumer, policyEngineSpec)
	case ConsumerBatchEvaluation:
		return pair(batchEvaluationConsumer, batchEvaluationSpec)
	case ConsumerEvaluator:
		return pair(evaluatorConsumer, evaluatorSpec)
	case ConsumerDataset:
		return pair(datasetConsumer, datasetSpec)
	case ConsumerConfigurationBundle:
		return pair(configurationBundleConsumer, configurationBundleSpec)
	case ConsumerRecommendation:
		return pair(recommendationConsumer, recommendationSpec)
	case ConsumerPaymentManager:
		return pair(paymentManagerConsumer, paymentManagerSpec)
	case ConsumerGateway:
		return pair(gatewayConsumer, gatewaySpec)
	case ConsumerMemory:
		return pair(memoryConsumer, memorySpec)
	case ConsumerTokenVault:
		return pair(tokenVaultConsumer, tokenVaultSpec)
	}
	return nil
}

func equals(keys ...ConditionKey) ConditionOperator {
	return ConditionOperator{Operator: "StringEquals", Keys: keys}
}
func like(keys ...ConditionKey) ConditionOperator {
	return ConditionOperator{Operator: "StringLike", Keys: keys}
}
func arnLike(keys ...ConditionKey) ConditionOperator {
	return ConditionOperator{Operator: "ArnLike", Keys: keys}
}
func forAllEquals(keys ...ConditionKey) ConditionOperator {
	return ConditionOperator{Operator: "ForAllValues:StringEquals", Keys: keys}
}
func kv(key string, v Strings) ConditionKey { return ConditionKey{Key: key, Values: v} }

func policyEngineConsumer() Consumer {
	return Consumer{
		Name: ConsumerPolicyEngine, Title: "Policy in AgentCore policy engine", Resource: agentcore.ResourcePolicyEngine,
		KeyFields:  []KeyField{{Operation: "CreatePolicyEngine", Field: "kmsKeyArn", Change: "set at creation"}},
		Access:     "the caller's credentials through AgentCore (forward access session, kms:ViaService), and two grants the caller creates: policy management and policy evaluation",
		ContextKey: agentcore.PolicyEngineContextKey, Kind: KeyPolicy,
		Variants: []string{VariantSourceContext}, Narrowing: NarrowInPlace,
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleOpen, KeyARNOnly: RuleOpen, NoMultiRegion: RuleOpen,
			Notes: []string{"the key must be a symmetric encryption key with ENCRYPT_DECRYPT usage, Enabled", "same Region is not stated; kms:ViaService names the engine's Region, so a key elsewhere is warned about"}},
		Unavailable: []Behaviour{
			{Operation: "authorization decisions", Fails: true, Note: "denied: the engine cannot decrypt policy data"},
			{Operation: "CreatePolicyEngine", Fails: true, Note: agentcore.MessageAccessDenied + " or " + agentcore.MessageKeyNotUsable},
			// policy-encryption.html: "Any operations that require access
			// to the encrypted data (such as creating, reading, updating,
			// or deleting policies) will also fail."
			{Operation: "creating, reading, updating or deleting policies", Fails: true},
			// policy-encryption.html: "to make API calls to a policy engine
			// encrypted by a customer managed key, the IAM user or role
			// which makes the call must also have access to the key"; "you
			// will not be able to read, update, or delete resources
			// encrypted by that key".
			{Operation: "GetPolicyEngine, ListPolicyEngines, UpdatePolicyEngine, DeletePolicyEngine", Fails: true,
				Note: "the caller's access to the key is needed to read, update or delete an encrypted engine"},
			// The API reference of both: "does not require access to the
			// customer's KMS key".
			{Operation: "GetPolicyEngineSummary, ListPolicyEngineSummaries", Fails: false,
				Note: "metadata only: no description or status reasons"},
		},
		Example: Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/ExampleRole"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/policy-encryption.html"},
	}
}

func policyEngineSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.PolicyEngineContextKey)
	via := kv(keyVia, One("{via}"))
	grantOps := []string{"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo"}
	grant := func(ops ...string) []ctxSpec {
		return []ctxSpec{ctx(keyVia, "{via}"), ctx(keyGrantType, ecSubset), ctx(ec, "{res}"), ctx(keyGrantOps, ops...)}
	}
	crypto := []ctxSpec{ctx(keyVia, "{via}"), ctx(ec, "{res}")}
	source := []ctxSpec{ctx(keySrcAccount, "{a}"), ctx(keySrcARN, "{res}")}
	s := consumerSpec{
		sampleID: SamplePolicyEngineID,
		statements: []stmtSpec{
			{sid: SidPolicyCreateGrants, principal: prCaller, action: One(actCreateGrant), condition: Condition{
				equals(via, kv(keyGrantType, One(ecSubset))),
				like(kv(ec, One("{anyscope}"))),
				forAllEquals(kv(keyGrantOps, List(grantOps...))),
			}},
			{sid: SidPolicyKMSOperations, variants: []string{""}, principal: prCaller, action: List(actDecrypt, actGenerateKey), condition: Condition{
				equals(via), like(kv(ec, One("{anyscope}"))),
			}},
			{sid: SidPolicyKMSOperationsSource, variants: []string{VariantSourceContext}, principal: prCaller, action: List(actDecrypt, actGenerateKey), condition: Condition{
				equals(via, kv(keySrcAccount, One("{a}"))),
				like(kv(keySrcARN, One("{scope}")), kv(ec, One("{anyscope}"))),
			}},
			{sid: SidPolicyKMSValidation, principal: prCaller, action: One(actDescribeKey), condition: Condition{equals(via)}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "create-grant-management", action: actCreateGrant, sid: SidPolicyCreateGrants, context: grant(managementGrantOperations()...),
				desc: "CreatePolicyEngine creates the policy management grant with the caller's credentials through AgentCore"},
			{id: "create-grant-evaluation", action: actCreateGrant, sid: SidPolicyCreateGrants, context: grant(evaluationGrantOperations()...),
				desc: "CreatePolicyEngine creates the policy evaluation grant with the caller's credentials through AgentCore"},
			{id: "decrypt", action: actDecrypt, sid: SidPolicyKMSOperations, variant: VariantSourceContext, variantSid: SidPolicyKMSOperationsSource, context: crypto, variantContext: source,
				desc: "AgentCore decrypts policy data for the caller, bound to the engine's encryption context"},
			{id: "generate-data-key", action: actGenerateKey, sid: SidPolicyKMSOperations, variant: VariantSourceContext, variantSid: SidPolicyKMSOperationsSource, context: crypto, variantContext: source,
				desc: "AgentCore generates data keys to encrypt policy data for the caller, bound to the engine's encryption context"},
			{id: "describe-key", action: actDescribeKey, sid: SidPolicyKMSValidation, context: []ctxSpec{ctx(keyVia, "{via}")},
				desc: "CreatePolicyEngine validates the key (symmetric, ENCRYPT_DECRYPT, enabled) through AgentCore"},
		}
	}
	return s
}

func batchEvaluationConsumer() Consumer {
	return Consumer{
		Name: ConsumerBatchEvaluation, Title: "AgentCore Evaluations batch evaluation", Resource: agentcore.ResourceBatchEvaluation,
		KeyFields:  []KeyField{{Operation: "StartBatchEvaluation", Field: "kmsKeyArn", Change: "set at start"}},
		Access:     "S3 SSE-KMS for the service principal bedrock-agentcore.amazonaws.com; a forward-access-session dry run of the caller's permissions at StartBatchEvaluation",
		ContextKey: agentcore.BatchEvaluationContextKey, Kind: KeyPolicy, Narrowing: NarrowInPlace,
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleRequired, KeyARNOnly: RuleOpen, NoMultiRegion: RuleOpen},
		Unavailable: []Behaviour{
			{Operation: "StartBatchEvaluation", Fails: true, Note: "ValidationException"},
			{Operation: "GetBatchEvaluation", Fails: false, Note: "returns metadata; the results in S3 cannot be read"},
			{Operation: "ListBatchEvaluations", Fails: false},
			{Operation: "StopBatchEvaluation", Fails: false},
			{Operation: "DeleteBatchEvaluation", Fails: false},
		},
		Example: Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/evaluations-batch-encryption.html"},
	}
}

func batchEvaluationSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.BatchEvaluationContextKey)
	service := []ctxSpec{ctx(keySrcAccount, "{a}"), ctx(keySrcARN, "{res}"), ctx(ec, "{res}")}
	s := consumerSpec{
		sampleID: SampleBatchEvaluationID,
		statements: []stmtSpec{
			{sid: SidBatchCallerAccess, principal: prCaller, action: One(actDescribeKey)},
			{sid: SidBatchCallerCryptoOps, principal: prCaller, action: List(actGenerateKey, actDecrypt), condition: Condition{like(kv(ec, One("{scope}")))}},
			{sid: SidBatchServicePrincipalAccess, principal: prService, service: agentcore.ServicePrincipal, action: List(actGenerateKey, actDecrypt), condition: Condition{
				equals(kv(keySrcAccount, One("{a}"))), arnLike(kv(keySrcARN, One("{scope}"))),
			}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "describe-key", action: actDescribeKey, sid: SidBatchCallerAccess,
				desc: "StartBatchEvaluation validates the key with the caller's permissions"},
			{id: "caller-generate-data-key", action: actGenerateKey, sid: SidBatchCallerCryptoOps, context: []ctxSpec{ctx(ec, "{res}")},
				desc: "StartBatchEvaluation checks that the caller may encrypt batch evaluation data"},
			{id: "caller-decrypt", action: actDecrypt, sid: SidBatchCallerCryptoOps, context: []ctxSpec{ctx(ec, "{res}")},
				desc: "the caller decrypts batch evaluation data"},
			{id: "service-generate-data-key", caller: CallerService, service: agentcore.ServicePrincipal, action: actGenerateKey, sid: SidBatchServicePrincipalAccess, context: service,
				desc: "AgentCore writes encrypted batch evaluation output to S3 with its own credentials"},
			{id: "service-decrypt", caller: CallerService, service: agentcore.ServicePrincipal, action: actDecrypt, sid: SidBatchServicePrincipalAccess, context: service,
				desc: "AgentCore reads encrypted batch evaluation output from S3 with its own credentials"},
		}
	}
	return s
}

// Sids of the other consumers' documented statements.
const (
	SidCallerAccess                = "AllowCallerAccess"
	SidCallerCryptoOps             = "AllowCallerCryptoOps"
	SidServicePrincipalDecrypt     = "AllowServicePrincipalDecrypt"
	SidServicePrincipalAccess      = "AllowServicePrincipalAccess"
	SidDatasetAccess               = "AllowAgentCoreDatasetAccess"
	SidDatasetWrite                = "AllowAgentCoreDatasetWrite"
	SidDatasetRead                 = "AllowAgentCoreDatasetRead"
	SidPaymentCallerFasAccess      = "AllowCallerFasAccessViaService"
	SidPaymentCallerFasDescribeKey = "AllowCallerFasDescribeKey"
	SidPaymentExecutionRoleCrypto  = "AllowExecutionRoleCryptoOperations"
	SidPaymentExecutionRoleDescKey = "AllowExecutionRoleDescribeKey"
	SidGatewayDescribeKey          = "AllowServiceRoleDescribeKey"
	SidGatewayDecrypt              = "AllowServiceRoleDecryptKey"
	SidGatewayCreateGrant          = "AllowServiceRoleCreateGrant"
	SidGatewayLogging              = "AllowKMSDecryptionLogging"
	SidMemoryIdentity              = "AllowAgentCoreMemoryKMS"
	SidTokenVaultAccess            = "BedrockAgentCoreIdentityKMSAccess"
	SidTokenVaultDescribeKey       = "BedrockAgentCoreIdentityDescribeKeyKMSAccess"
)

func evaluatorConsumer() Consumer {
	return Consumer{
		Name: ConsumerEvaluator, Title: "AgentCore Evaluations custom evaluator (and its online evaluation configurations)", Resource: agentcore.ResourceEvaluator,
		KeyFields: []KeyField{
			{Operation: "CreateEvaluator", Field: "kmsKeyArn", Change: "optional at creation"},
			{Operation: "UpdateEvaluator", Field: "kmsKeyArn", Change: "add or rotate (needs both keys), never removed"},
		},
		Access:     "AWS Encryption SDK with the caller's credentials through forward access sessions (kms:ViaService); the service principal decrypts for online evaluation; no grants",
		ContextKey: agentcore.EvaluatorContextKey, Kind: KeyPolicy, Narrowing: NarrowStringEquals,
		OptionalPrincipal: "ExecutionRole",
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleRequired, KeyARNOnly: RuleRequired, NoMultiRegion: RuleOpen,
			Notes: []string{"key field " + keyARNField}},
		Unavailable: []Behaviour{
			{Operation: "GetEvaluator (ALL_DATA)", Fails: true},
			{Operation: "GetEvaluator (METADATA_ONLY)", Fails: false},
			{Operation: "Evaluate", Fails: true, Note: "for evaluators encrypted with a customer managed key"},
			{Operation: "UpdateEvaluator (key rotation)", Fails: true},
			{Operation: "CreateOnlineEvaluationConfig, UpdateOnlineEvaluationConfig", Fails: true, Note: "the DescribeKey and Decrypt dry run fails"},
			{Operation: "online evaluation execution", Fails: true},
			{Operation: "DeleteEvaluator", Fails: false},
			{Operation: "DeleteOnlineEvaluationConfig", Fails: false},
		},
		Open: []string{
			"the wildcard form (no ResourceARN): the page says to use evaluator/* and change StringEquals to StringLike, but not how the conditions are laid out; the generator keeps kms:ViaService and aws:SourceAccount under StringEquals and puts the ARN keys under StringLike, as the payment manager page lays out its documented wildcard, which matches the same requests",
			"which principal CreateOnlineEvaluationConfig checks (caller, evaluation execution role or service principal): the documented policy is kept as is; with Params.ExecutionRole, the execution role's kms:Decrypt is an unconfirmed requirement (UnconfirmedRequirementsFor), which kmscheck reports as a warning, never a failure",
			"multi-Region keys; error codes and messages; whether an UpdateEvaluator that does not touch the key fails while the key is unavailable",
		},
		Example: Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/MyEvaluationRole",
			ResourceARN: "arn:aws:bedrock-agentcore:us-east-1:111122223333:evaluator/my-evaluator-id"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/evaluations-encryption.html"},
	}
}

func evaluatorSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.EvaluatorContextKey)
	via := kv(keyVia, One("{via}"))
	caller := []ctxSpec{ctx(keyVia, "{via}"), ctx(ec, "{res}")}
	s := consumerSpec{
		sampleID: "my-evaluator-id",
		statements: []stmtSpec{
			{sid: SidCallerAccess, principal: prCaller, action: One(actDescribeKey), condition: Condition{equals(via)}},
			{sid: SidCallerCryptoOps, principal: prCaller, action: List(actGenerateKey, actDecrypt), condition: Condition{
				equals(via), like(kv(ec, One("{scope}"))),
			}},
			{sid: SidServicePrincipalDecrypt, principal: prService, service: agentcore.ServicePrincipal, action: One(actDecrypt), condition: Condition{
				equals(kv(keySrcAccount, One("{a}"))), like(kv(keySrcARN, One("{scope}"))),
			}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "describe-key", action: actDescribeKey, sid: SidCallerAccess, context: []ctxSpec{ctx(keyVia, "{via}")},
				desc: "CreateEvaluator and UpdateEvaluator validate the key through AgentCore with the caller's credentials"},
			{id: "generate-data-key", action: actGenerateKey, sid: SidCallerCryptoOps, context: caller,
				desc: "AgentCore encrypts the evaluator's instructions and rating scale with the caller's credentials"},
			{id: "decrypt", action: actDecrypt, sid: SidCallerCryptoOps, context: caller,
				desc: "AgentCore decrypts the evaluator's instructions for the caller (GetEvaluator ALL_DATA, Evaluate)"},
			{id: "service-decrypt", caller: CallerService, service: agentcore.ServicePrincipal, action: actDecrypt, sid: SidServicePrincipalDecrypt,
				context: []ctxSpec{ctx(keySrcAccount, "{a}"), ctx(keySrcARN, "{res}"), ctx(ec, "{res}")},
				desc:    "online evaluation decrypts the evaluator's instructions with the service's own credentials"},
			{id: "execution-role-decrypt", caller: CallerRole, action: actDecrypt, unconfirmed: true, context: []ctxSpec{ctx(ec, "{res}")},
				desc: "CreateOnlineEvaluationConfig checks that the evaluation execution role may decrypt (the API reference says so; the user guide and the documented key policy do not)"},
		}
	}
	return s
}

func datasetConsumer() Consumer {
	return Consumer{
		Name: ConsumerDataset, Title: "AgentCore Evaluations dataset", Resource: agentcore.ResourceDataset,
		KeyFields:  []KeyField{{Operation: "CreateDataset", Field: "kmsKeyArn", Change: "optional at creation, then fixed"}},
		Access:     "S3 SSE-KMS for the service principal bedrock-agentcore.amazonaws.com; a forward-access-session dry run of the caller's permissions",
		ContextKey: agentcore.DatasetContextKey, Kind: KeyPolicy,
		Variants: []string{VariantScoped}, Narrowing: NarrowInPlace, NarrowVariant: VariantScoped,
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleRequired, KeyARNOnly: RuleRequired, NoMultiRegion: RuleOpen,
			Notes: []string{"key field " + keyARNField}},
		Unavailable: []Behaviour{
			{Operation: "CreateDataset", Fails: true, Note: "ValidationException"},
			{Operation: "AddDatasetExamples, UpdateDatasetExamples, CreateDatasetVersion", Fails: true, Note: "ValidationException"},
			{Operation: "GetDataset, ListDatasetExamples", Fails: true, Note: "ValidationException saying the KMS key is disabled or deleted"},
			{Operation: "DeleteDataset", Fails: false},
		},
		Open: []string{
			"grants; multi-Region keys; message texts; behaviour when the key stays enabled but the policy stops allowing access; what a presigned download returns",
			"the service principal's read (Decrypt) carries no aws:SourceAccount or aws:SourceArn (presigned URLs), so the documented read statement has none on purpose; Lint reports it as a confused-deputy risk all the same",
		},
		Example: Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/MyDatasetRole"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/datasets-encryption.html"},
	}
}

func datasetSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.DatasetContextKey)
	all := List(actGenerateKey, actDecrypt, actDescribeKey)
	s := consumerSpec{
		sampleID: "my-dataset-id",
		statements: []stmtSpec{
			{sid: SidCallerAccess, principal: prCaller, action: all},
			{sid: SidDatasetAccess, variants: []string{""}, principal: prService, service: agentcore.ServicePrincipal, action: all},
			{sid: SidDatasetWrite, variants: []string{VariantScoped}, principal: prService, service: agentcore.ServicePrincipal, action: One(actGenerateKey), condition: Condition{
				equals(kv(keySrcAccount, One("{a}"))),
				like(kv(keySrcARN, One("{scope}")), kv(ec, One("{scope}"))),
			}},
			{sid: SidDatasetRead, variants: []string{VariantScoped}, principal: prService, service: agentcore.ServicePrincipal, action: List(actDecrypt, actDescribeKey)},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "caller-generate-data-key", action: actGenerateKey, sid: SidCallerAccess, desc: "the dry run of the caller's permissions at API time"},
			{id: "caller-decrypt", action: actDecrypt, sid: SidCallerAccess, desc: "the dry run of the caller's permissions at API time"},
			{id: "caller-describe-key", action: actDescribeKey, sid: SidCallerAccess, desc: "CreateDataset validates the key"},
			{id: "service-generate-data-key", caller: CallerService, service: agentcore.ServicePrincipal, action: actGenerateKey, sid: SidDatasetAccess, variant: VariantScoped, variantSid: SidDatasetWrite,
				context: []ctxSpec{ctx(keySrcAccount, "{a}"), ctx(keySrcARN, "{res}"), ctx(ec, "{res}")},
				desc:    "S3 encrypts dataset examples the service writes (SSE-KMS)"},
			{id: "service-decrypt", caller: CallerService, service: agentcore.ServicePrincipal, action: actDecrypt, sid: SidDatasetAccess, variant: VariantScoped, variantSid: SidDatasetRead,
				context: []ctxSpec{ctx(ec, "{res}")},
				desc:    "S3 decrypts dataset content for reads and presigned downloads, which carry no source context"},
		}
	}
	return s
}

func configurationBundleConsumer() Consumer {
	return Consumer{
		Name: ConsumerConfigurationBundle, Title: "AgentCore optimizations configuration bundle", Resource: agentcore.ResourceConfigurationBundle,
		KeyFields: []KeyField{
			{Operation: "CreateConfigurationBundle", Field: "kmsKeyArn", Change: "optional at creation"},
			{Operation: "UpdateConfigurationBundle", Field: "kmsKeyArn", Change: "add or rotate with ReEncrypt (needs both keys), never removed"},
		},
		Access:     "envelope encryption (AES-GCM data key) with the caller's credentials through forward access sessions; no service principal, no grants, no kms:ViaService condition",
		ContextKey: agentcore.ConfigurationBundleContextKey, Kind: KeyPolicy, Narrowing: NarrowNotDocumented,
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleRequired, KeyARNOnly: RuleRequired, NoMultiRegion: RuleOpen,
			Notes: []string{"key field " + keyARNField}},
		Unavailable: []Behaviour{
			{Operation: "CreateConfigurationBundle", Fails: true, Note: "ValidationException"},
			{Operation: "UpdateConfigurationBundle", Fails: true, Note: "the existing data key cannot be decrypted"},
			{Operation: "GetConfigurationBundle, GetConfigurationBundleVersion", Fails: true},
			{Operation: "ListConfigurationBundles, ListConfigurationBundleVersions", Fails: false},
			{Operation: "DeleteConfigurationBundle", Fails: false},
		},
		Open: []string{
			"narrowing to one bundle is not documented, so ResourceARN is refused",
			"an older page revision lacks kms:ReEncrypt*; the current one is followed",
			"multi-Region keys; error codes; behaviour when the key stays enabled but the policy stops allowing the caller",
		},
		Example: Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/MyConfigBundleRole"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/configuration-bundles-encryption.html"},
	}
}

func configurationBundleSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.ConfigurationBundleContextKey)
	crypto := []ctxSpec{ctx(ec, "{res}")}
	s := consumerSpec{
		sampleID: "my-configuration-bundle-id",
		statements: []stmtSpec{
			{sid: SidCallerAccess, principal: prCaller, action: One(actDescribeKey)},
			{sid: SidCallerCryptoOps, principal: prCaller, action: List(actGenerateKey, actDecrypt, "kms:ReEncrypt*"), condition: Condition{like(kv(ec, One("{scope}")))}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "describe-key", action: actDescribeKey, sid: SidCallerAccess, desc: "Create and UpdateConfigurationBundle validate the key"},
			{id: "generate-data-key", action: actGenerateKey, sid: SidCallerCryptoOps, context: crypto, desc: "a bundle is created or gains encryption"},
			{id: "decrypt", action: actDecrypt, sid: SidCallerCryptoOps, context: crypto, desc: "a bundle is read or updated"},
			{id: "reencrypt-from", action: actReEncryptFrom, sid: SidCallerCryptoOps, context: crypto, desc: "rotation re-wraps the data key from the old key"},
			{id: "reencrypt-to", action: actReEncryptTo, sid: SidCallerCryptoOps, context: crypto, desc: "rotation re-wraps the data key to the new key"},
		}
	}
	return s
}

func recommendationConsumer() Consumer {
	return Consumer{
		Name: ConsumerRecommendation, Title: "AgentCore optimizations recommendation", Resource: agentcore.ResourceRecommendation,
		KeyFields:  []KeyField{{Operation: "StartRecommendation (data plane)", Field: "kmsKeyArn", Change: "optional at start, then fixed"}},
		Access:     "AWS Encryption SDK and S3 SSE-KMS; a forward-access-session dry run of the caller's permissions; the service principal runs the asynchronous workflow",
		ContextKey: agentcore.RecommendationContextKey, Kind: KeyPolicy, Narrowing: NarrowNotDocumented,
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleRequired, KeyARNOnly: RuleRequired, NoMultiRegion: RuleOpen,
			Notes: []string{"key field " + keyARNField}},
		Unavailable: []Behaviour{
			{Operation: "StartRecommendation", Fails: true, Note: "ValidationException"},
			{Operation: "GetRecommendation", Fails: true, Note: "ValidationException saying the KMS key is disabled or deleted"},
			{Operation: "ListRecommendations", Fails: false},
			{Operation: "DeleteRecommendation", Fails: false},
		},
		Open: []string{
			"narrowing to one recommendation is not documented, so ResourceARN is refused",
			"grants; whether StartRecommendation checks the service principal's access; multi-Region keys; message texts; key loss during a running workflow",
		},
		Example: Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/MyRecommendationRole"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/recommendations-encryption.html"},
	}
}

func recommendationSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.RecommendationContextKey)
	service := []ctxSpec{ctx(keySrcAccount, "{a}"), ctx(keySrcARN, "{res}"), ctx(ec, "{res}")}
	s := consumerSpec{
		sampleID: "my-recommendation-id",
		statements: []stmtSpec{
			{sid: SidCallerAccess, principal: prCaller, action: One(actDescribeKey)},
			{sid: SidCallerCryptoOps, principal: prCaller, action: List(actGenerateKey, actDecrypt), condition: Condition{like(kv(ec, One("{scope}")))}},
			{sid: SidServicePrincipalAccess, principal: prService, service: agentcore.ServicePrincipal, action: List(actGenerateKey, actDecrypt), condition: Condition{
				equals(kv(keySrcAccount, One("{a}"))), arnLike(kv(keySrcARN, One("{scope}"))),
			}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "describe-key", action: actDescribeKey, sid: SidCallerAccess, desc: "StartRecommendation validates the key"},
			{id: "caller-generate-data-key", action: actGenerateKey, sid: SidCallerCryptoOps, context: []ctxSpec{ctx(ec, "{res}")}, desc: "StartRecommendation encrypts the configuration (dry run of the caller's permissions)"},
			{id: "caller-decrypt", action: actDecrypt, sid: SidCallerCryptoOps, context: []ctxSpec{ctx(ec, "{res}")}, desc: "GetRecommendation decrypts the result for the caller"},
			{id: "service-generate-data-key", caller: CallerService, service: agentcore.ServicePrincipal, action: actGenerateKey, sid: SidServicePrincipalAccess, context: service,
				desc: "the workflow encrypts the result with the service's own credentials"},
			{id: "service-decrypt", caller: CallerService, service: agentcore.ServicePrincipal, action: actDecrypt, sid: SidServicePrincipalAccess, context: service,
				desc: "the workflow decrypts the configuration with the service's own credentials"},
		}
	}
	return s
}

func paymentManagerConsumer() Consumer {
	return Consumer{
		Name: ConsumerPaymentManager, Title: "AgentCore payments payment manager (and its connectors)", Resource: agentcore.ResourcePaymentManager,
		KeyFields: []KeyField{
			{Operation: "CreatePaymentManager", Field: "kmsKeyArn", Change: "optional at creation"},
			{Operation: "UpdatePaymentManager", Field: "kmsKeyArn", Change: "only from no key to a key, then fixed"},
		},
		Access:          "a forward-access-session check of the caller at create and update; AWS Encryption SDK with the execution role (roleArn) the service assumes; no grants, no service principal",
		ContextKey:      agentcore.PaymentManagerContextKey,
		Kind:            KeyPolicy,
		Narrowing:       NarrowStringEquals,
		SecondPrincipal: "ExecutionRole",
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleOpen, KeyARNOnly: RuleRequired, NoMultiRegion: RuleRequired,
			Notes: []string{"key spec SYMMETRIC_DEFAULT, usage ENCRYPT_DECRYPT, state Enabled", "multi-Region keys are not currently supported", "same Region is not stated", "key field " + keyARNField}},
		Unavailable: []Behaviour{
			{Operation: "GetPaymentManager", Fails: true, Note: "an error saying the key can't be accessed"},
			{Operation: "ListPaymentManagers", Fails: false, Note: "encrypted fields are [UNAVAILABLE]"},
			{Operation: "CreatePaymentConnector", Fails: true},
			{Operation: "GetPaymentConnector", Fails: true, Note: "an error saying the key can't be accessed"},
			{Operation: "ListPaymentConnectors", Fails: false, Note: "encrypted fields are [UNAVAILABLE]"},
			{Operation: "DeletePaymentManager, DeletePaymentConnector", Fails: false},
		},
		Open: []string{
			"the page's JSON keeps a literal REGION; its example Region us-west-2 is used",
			"UpdatePaymentManager: only no key to a key is treated as supported; any other key transition as unsupported",
			"same Region; error codes; Create and Update with an unusable key; the CLI namespace",
		},
		Example: Params{Account: "111122223333", Region: "us-west-2", Principal: "arn:aws:iam::111122223333:role/CallerRole",
			ExecutionRole: "arn:aws:iam::111122223333:role/PaymentManagerExecutionRole"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/payments-encryption.html"},
	}
}

func paymentManagerSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.PaymentManagerContextKey)
	via := kv(keyVia, One("{via}"))
	fas := []ctxSpec{ctx(keyVia, "{via}"), ctx(ec, "{res}")}
	role := []ctxSpec{ctx(ec, "{res}")}
	s := consumerSpec{
		sampleID: "pm-abc123",
		statements: []stmtSpec{
			{sid: SidPaymentCallerFasAccess, principal: prCaller, action: List(actGenerateKey, actDecrypt), condition: Condition{equals(via), like(kv(ec, One("{scope}")))}},
			{sid: SidPaymentCallerFasDescribeKey, principal: prCaller, action: One(actDescribeKey), condition: Condition{equals(via)}},
			{sid: SidPaymentExecutionRoleCrypto, principal: prSecond, action: List(actGenerateKey, actDecrypt), condition: Condition{like(kv(ec, One("{scope}")))}},
			{sid: SidPaymentExecutionRoleDescKey, principal: prSecond, action: One(actDescribeKey)},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "caller-generate-data-key", action: actGenerateKey, sid: SidPaymentCallerFasAccess, context: fas, desc: "the authorization check of the caller at create and update"},
			{id: "caller-decrypt", action: actDecrypt, sid: SidPaymentCallerFasAccess, context: fas, desc: "the authorization check of the caller at create and update"},
			{id: "caller-describe-key", action: actDescribeKey, sid: SidPaymentCallerFasDescribeKey, context: []ctxSpec{ctx(keyVia, "{via}")}, desc: "the authorization check of the caller at create and update"},
			{id: "role-generate-data-key", caller: CallerRole, action: actGenerateKey, sid: SidPaymentExecutionRoleCrypto, context: role, desc: "the execution role encrypts manager and connector fields"},
			{id: "role-decrypt", caller: CallerRole, action: actDecrypt, sid: SidPaymentExecutionRoleCrypto, context: role, desc: "the execution role decrypts manager and connector fields"},
			{id: "role-describe-key", caller: CallerRole, action: actDescribeKey, sid: SidPaymentExecutionRoleDescKey, desc: "the execution role describes the key"},
		}
	}
	return s
}

func gatewayConsumer() Consumer {
	return Consumer{
		Name: ConsumerGateway, Title: "AgentCore Gateway gateway", Resource: agentcore.ResourceGateway,
		KeyFields: []KeyField{
			{Operation: "CreateGateway", Field: "kmsKeyArn", Change: "optional at creation"},
			{Operation: "UpdateGateway", Field: "kmsKeyArn", Change: "changeable (what happens to existing data is open)"},
		},
		Access:          "the gateway service role through kms:ViaService, and grants it creates (EncryptionContextSubset, Decrypt and GenerateDataKey); delivery.logs.amazonaws.com when CloudWatch Logs is enabled",
		ContextKey:      agentcore.GatewayContextKey,
		Kind:            KeyPolicy,
		Narrowing:       NarrowRequired,
		SecondPrincipal: "ServiceRole",
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleOpen, KeyARNOnly: RuleRequired, NoMultiRegion: RuleOpen,
			Notes: []string{symmetricByRequests, "same Region is not stated (the page's CLI example uses another Region than its policy)", "key field " + keyARNField}},
		Unavailable: []Behaviour{
			{Operation: "access to the gateway's encrypted data", Fails: true, Note: "per-operation behaviour and messages are not documented"},
		},
		Open: []string{
			"who the gateway service role is (the caller of CreateGateway or the gateway's roleArn): ServiceRole is a required parameter, never defaulted",
			"the value before the gateway exists: the page shows one gateway's ARN and no wildcard, so ResourceARN is required",
			"AllowKMSDecryptionLogging uses StringEquals with a trailing *, which matches only that literal string: the JSON is reproduced as documented and Lint reports it; no requirement is derived from it",
			"grant details; UpdateGateway key changes; symmetric, Region and multi-Region rules; validation; per-operation failures",
			"service principal names outside the aws partition are not documented: delivery.logs.amazonaws.com is written in every partition, as bedrock-agentcore.amazonaws.com is",
		},
		Example: Params{Account: "123456789012", Region: "us-east-1", ServiceRole: "arn:aws:iam::123456789012:role/GatewayServiceRole",
			ResourceARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/GatewayId"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-encryption.html"},
	}
}

func gatewaySpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.GatewayContextKey)
	via := kv(keyVia, List("{via}"))
	crypto := []ctxSpec{ctx(keyVia, "{via}"), ctx(ec, "{res}")}
	s := consumerSpec{
		sampleID: "GatewayId",
		statements: []stmtSpec{
			{sid: SidGatewayDescribeKey, principal: prSecond, action: List(actDescribeKey), condition: Condition{equals(via)}},
			{sid: SidGatewayDecrypt, principal: prSecond, action: List(actDecrypt, actGenerateKey), condition: Condition{equals(via), like(kv(ec, One("{scope}")))}},
			{sid: SidGatewayCreateGrant, principal: prSecond, action: One(actCreateGrant), condition: Condition{
				equals(via, kv(keyGrantType, One(ecSubset))),
				forAllEquals(kv(keyGrantOps, List("Decrypt", "GenerateDataKey"))),
				like(kv(ec, One("{scope}"))),
			}},
			{sid: SidGatewayLogging, principal: prService, service: agentcore.LogsDeliveryPrincipal, action: List(actGenerateKey, actDecrypt), condition: Condition{
				equals(kv(ecKey(agentcore.LogsContextKey), One("arn:{p}:logs:{r}:{a}:*"))),
			}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "role-describe-key", caller: CallerRole, action: actDescribeKey, sid: SidGatewayDescribeKey, context: []ctxSpec{ctx(keyVia, "{via}")}, desc: "the gateway service role describes the key through AgentCore"},
			{id: "role-decrypt", caller: CallerRole, action: actDecrypt, sid: SidGatewayDecrypt, context: crypto, desc: "the gateway service role decrypts gateway data through AgentCore"},
			{id: "role-generate-data-key", caller: CallerRole, action: actGenerateKey, sid: SidGatewayDecrypt, context: crypto, desc: "the gateway service role encrypts gateway data through AgentCore"},
			{id: "role-create-grant", caller: CallerRole, action: actCreateGrant, sid: SidGatewayCreateGrant,
				context: []ctxSpec{ctx(keyVia, "{via}"), ctx(keyGrantType, ecSubset), ctx(ec, "{res}"), ctx(keyGrantOps, "Decrypt", "GenerateDataKey")},
				desc:    "the gateway service role creates a grant bound to the gateway's encryption context"},
		}
	}
	return s
}

func memoryConsumer() Consumer {
	return Consumer{
		Name: ConsumerMemory, Title: "AgentCore Memory memory", Resource: "",
		KeyFields:  []KeyField{{Operation: "CreateMemory", Field: "encryptionKeyArn", Change: "optional at creation, then fixed (UpdateMemory has no key field)"}},
		Access:     "only an IAM identity policy for the caller that sets up memory is documented (kms:CreateGrant and more, through kms:ViaService); no key policy",
		ContextKey: "", Kind: IdentityPolicy, Narrowing: NarrowNotDocumented,
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleOpen, KeyARNOnly: RuleOpen, NoMultiRegion: RuleOpen,
			Notes: []string{symmetricByRequests, "the key field takes a generic ARN pattern, which an alias ARN matches syntactically", "Region, alias and multi-Region rules are not documented"}},
		Unavailable: []Behaviour{{Operation: "memory operations", Fails: true, Note: "not documented; GetMemory with view without_decryption returns the memory without the encrypted content"}},
		Open: []string{
			"the key policy memory needs: none is documented, so no key policy is generated; the requirements are the identity policy's requests with no documented statement",
			"grants, forward access sessions, a service principal or the memory execution role; encryption context; key restrictions; validation; failure behaviour",
			"whether the identity policy is for the customer managed key case, the AWS managed key case or both",
		},
		Example: Params{Account: "111122223333", Region: "us-east-1"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/storage-encryption.html"},
	}
}

func memorySpec(withRequests bool) consumerSpec {
	via := []ctxSpec{ctx(keyVia, "{via}")}
	req := func(id, action string) reqSpec {
		return reqSpec{id: id, action: action, context: via, desc: "the caller that sets up memory, through AgentCore (from the documented identity policy)"}
	}
	s := consumerSpec{
		statements: []stmtSpec{
			{sid: SidMemoryIdentity, principal: prNone, action: List(actCreateGrant, actDecrypt, actDescribeKey, actGenerateKey, actGenerateNoPT, "kms:ReEncrypt*"),
				resource: One("arn:{p}:kms:*:{a}:key/*"), condition: Condition{equals(kv(keyVia, One("{via}")))}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			req("create-grant", actCreateGrant), req("decrypt", actDecrypt), req("describe-key", actDescribeKey),
			req("generate-data-key", actGenerateKey), req("generate-data-key-without-plaintext", actGenerateNoPT),
			req("reencrypt-from", actReEncryptFrom), req("reencrypt-to", actReEncryptTo),
		}
	}
	return s
}

func tokenVaultConsumer() Consumer {
	return Consumer{
		Name: ConsumerTokenVault, Title: "AgentCore Identity token vault", Resource: agentcore.ResourceTokenVault,
		KeyFields: []KeyField{
			{Operation: "SetTokenVaultCMK", Field: "kmsConfiguration.kmsKeyArn", Change: "changeable: another customer managed key, or back to the service key"},
			{Operation: "ResetTokenVaultKeyMaterial", Field: "tokenVaultId", Change: "only after the key is deleted; deletes the stored tokens"},
		},
		Access:     "requests through kms:ViaService bedrock-agentcore-identity.*, limited by aws:ResourceAccount = ${aws:PrincipalAccount}; the documented JSON names no principal",
		ContextKey: agentcore.TokenVaultContextKey, Kind: KeyPolicy, Narrowing: NarrowNotDocumented,
		Restrictions: Restrictions{SymmetricOnly: RuleRequired, SameRegion: RuleOpen, KeyARNOnly: RuleRequired, NoMultiRegion: RuleRequired,
			Notes: []string{"only single-Region symmetric keys; a key ARN, not an alias", "same Region is implied by single-Region but not stated"}},
		Unavailable: []Behaviour{
			{Operation: "ResetTokenVaultKeyMaterial (key disabled or pending deletion)", Fails: true, Note: "ValidationException"},
			{Operation: "ResetTokenVaultKeyMaterial (key deleted)", Fails: false, Note: "re-encrypts with an AWS managed key and deletes the stored OAuth2 tokens"},
			{Operation: "other Identity operations", Fails: true, Note: "not documented; the vault is implied to be unusable"},
		},
		Open: []string{
			"the missing Principal: the documented JSON cannot be attached; Documented reproduces it, Lint reports it, and For requires Principal to be chosen instead of guessing one",
			"SetTokenVaultCMK validation and errors; behaviour with a disabled key; the aws-crypto-ec: prefix; an explicit same-Region rule; grants",
		},
		Example: Params{Account: "111122223333", Region: "us-east-1"},
		Sources: []string{"https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/kms-key-policy-configuration.html"},
	}
}

func tokenVaultSpec(withRequests bool) consumerSpec {
	ec := ecKey(agentcore.TokenVaultContextKey)
	via := kv(keyVia, One(agentcore.IdentityViaServiceName+".*.{dns}"))
	account := kv(keyResAccount, One("${aws:PrincipalAccount}"))
	crypto := []ctxSpec{ctx(keyVia, "{idvia}"), ctx(keyResAccount, "{a}"), ctx(ec, "{res}")}
	s := consumerSpec{
		sampleID: agentcore.DefaultTokenVaultID, needsPrincipal: true, docID: "identity-service-cmk-policy",
		statements: []stmtSpec{
			{sid: SidTokenVaultAccess, principal: prChosen, action: List(actEncrypt, actDecrypt, actGenerateNoPT), condition: Condition{
				like(via), equals(account),
				arnLike(kv(ec, One("arn:{p}:"+ServiceName+":*:*:"+agentcore.ResourceTokenVault+"/"+agentcore.DefaultTokenVaultID))),
			}},
			{sid: SidTokenVaultDescribeKey, principal: prChosen, action: List(actDescribeKey), condition: Condition{equals(account), like(via)}},
		},
	}
	if withRequests {
		s.requests = []reqSpec{
			{id: "encrypt", action: actEncrypt, sid: SidTokenVaultAccess, context: crypto, desc: "AgentCore Identity encrypts tokens in the vault"},
			{id: "decrypt", action: actDecrypt, sid: SidTokenVaultAccess, context: crypto, desc: "AgentCore Identity decrypts tokens from the vault"},
			{id: "generate-data-key-without-plaintext", action: actGenerateNoPT, sid: SidTokenVaultAccess, context: crypto, desc: "AgentCore Identity generates data keys for the vault"},
			{id: "describe-key", action: actDescribeKey, sid: SidTokenVaultDescribeKey, context: []ctxSpec{ctx(keyVia, "{idvia}"), ctx(keyResAccount, "{a}")}, desc: "AgentCore Identity describes the key"},
		}
	}
	return s
}
