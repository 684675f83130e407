package keypolicy

// policyEngineContextPattern is the documented encryption-context condition
// value for every policy engine, in every partition ("arn:aws*").
const policyEngineContextPattern = "arn:aws*:bedrock-agentcore:*:*:policy-engine/*"

// policyEngineGrantOperations returns the operations the documented
// CreateGrant statement allows in the two grants, in a new slice.
func policyEngineGrantOperations() []string {
	return []string{
		"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
		"ReEncryptFrom", "ReEncryptTo",
	}
}

// ForPolicyEngine returns the key policy that AWS documents for encrypting
// policy engines with a customer managed key: the statements "Allow Policy to
// create grants", "Allow Policy for KMS operations" (or, with
// SourceContext, "Allow Policy for KMS operations with source context") and
// "Allow Policy for KMS validation", for p's account, Region, partition and
// principal.
//
// With the documented parameters, its JSON is byte for byte the documented
// policy. Invalid parameters return a [*ParamError].
func ForPolicyEngine(p PolicyEngineParams) (*Document, error) {
	t, err := p.target()
	if err != nil {
		return nil, err
	}
	via := ConditionKey{Key: "kms:ViaService", Values: One(t.viaService())}
	context := policyEngineContextPattern
	if t.resource != "" {
		context = t.resource
	}
	contextKey := ConditionKey{Key: "kms:EncryptionContext:" + PolicyEngineContextKey, Values: One(context)}
	caller := AWSPrincipal(t.principal)

	grants := Statement{
		Sid: SidPolicyCreateGrants, Effect: EffectAllow, Principal: caller,
		Action: One("kms:CreateGrant"), Resource: One("*"),
		Condition: Condition{
			{Operator: "StringEquals", Keys: []ConditionKey{
				via,
				{Key: "kms:GrantConstraintType", Values: One("EncryptionContextSubset")},
			}},
			{Operator: "StringLike", Keys: []ConditionKey{contextKey}},
			{Operator: "ForAllValues:StringEquals", Keys: []ConditionKey{
				{Key: "kms:GrantOperations", Values: List(policyEngineGrantOperations()...)},
			}},
		},
	}
	ops := Statement{
		Sid: SidPolicyKMSOperations, Effect: EffectAllow, Principal: caller.clone(),
		Action: List("kms:Decrypt", "kms:GenerateDataKey"), Resource: One("*"),
		Condition: Condition{
			{Operator: "StringEquals", Keys: []ConditionKey{via}},
			{Operator: "StringLike", Keys: []ConditionKey{contextKey}},
		},
	}
	if p.SourceContext {
		sourceARN := t.resourceARN("policy-engine")
		if t.resource != "" {
			sourceARN = t.resource
		}
		ops.Sid = SidPolicyKMSOperationsSource
		ops.Condition = Condition{
			{Operator: "StringEquals", Keys: []ConditionKey{
				via,
				{Key: "aws:SourceAccount", Values: One(t.account)},
			}},
			{Operator: "StringLike", Keys: []ConditionKey{
				{Key: "aws:SourceArn", Values: One(sourceARN)},
				contextKey,
			}},
		}
	}
	validation := Statement{
		Sid: SidPolicyKMSValidation, Effect: EffectAllow, Principal: caller.clone(),
		Action: One("kms:DescribeKey"), Resource: One("*"),
		Condition: Condition{{Operator: "StringEquals", Keys: []ConditionKey{via}}},
	}
	return &Document{Version: Version2012, Statement: []Statement{grants, ops, validation}}, nil
}

// ForBatchEvaluation returns the key policy that AWS documents for encrypting
// batch evaluations with a customer managed key: the statements
// "AllowCallerAccess", "AllowCallerCryptoOps" and
// "AllowServicePrincipalAccess", for p's account, Region, partition and
// principal.
//
// With the documented parameters, its JSON is byte for byte the documented
// policy. Invalid parameters return a [*ParamError].
func ForBatchEvaluation(p BatchEvaluationParams) (*Document, error) {
	t, err := p.target()
	if err != nil {
		return nil, err
	}
	scope := t.resourceARN("batch-evaluate")
	if t.resource != "" {
		scope = t.resource
	}
	caller := AWSPrincipal(t.principal)
	return &Document{Version: Version2012, Statement: []Statement{
		{
			Sid: SidBatchCallerAccess, Effect: EffectAllow, Principal: caller,
			Action: One("kms:DescribeKey"), Resource: One("*"),
		},
		{
			Sid: SidBatchCallerCryptoOps, Effect: EffectAllow, Principal: caller.clone(),
			Action: List("kms:GenerateDataKey", "kms:Decrypt"), Resource: One("*"),
			Condition: Condition{{Operator: "StringLike", Keys: []ConditionKey{
				{Key: "kms:EncryptionContext:" + BatchEvaluationContextKey, Values: One(scope)},
			}}},
		},
		{
			Sid: SidBatchServicePrincipalAccess, Effect: EffectAllow, Principal: ServicePrincipal(ServicePrincipalName),
			Action: List("kms:GenerateDataKey", "kms:Decrypt"), Resource: One("*"),
			Condition: Condition{
				{Operator: "StringEquals", Keys: []ConditionKey{{Key: "aws:SourceAccount", Values: One(t.account)}}},
				{Operator: "ArnLike", Keys: []ConditionKey{{Key: "aws:SourceArn", Values: One(scope)}}},
			},
		},
	}}, nil
}
