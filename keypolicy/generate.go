package keypolicy

// ForPolicyEngine returns the key policy that AWS documents for encrypting
// policy engines with a customer managed key: the statements "Allow Policy to
// create grants", "Allow Policy for KMS operations" (or, with
// SourceContext, "Allow Policy for KMS operations with source context") and
// "Allow Policy for KMS validation", for p's account, Region, partition and
// principal.
//
// With the documented parameters, its JSON is byte for byte the documented
// policy. Invalid parameters return a [*ParamError].
//
// ForPolicyEngine is For(ConsumerPolicyEngine, p.Params()); new code can
// call [For], which serves every consumer.
func ForPolicyEngine(p PolicyEngineParams) (*Document, error) {
	doc, err := For(ConsumerPolicyEngine, p.Params())
	return doc, p.fieldError(err)
}

// ForBatchEvaluation returns the key policy that AWS documents for encrypting
// batch evaluations with a customer managed key: the statements
// "AllowCallerAccess", "AllowCallerCryptoOps" and
// "AllowServicePrincipalAccess", for p's account, Region, partition and
// principal.
//
// With the documented parameters, its JSON is byte for byte the documented
// policy. Invalid parameters return a [*ParamError].
//
// ForBatchEvaluation is For(ConsumerBatchEvaluation, p.Params()); new code
// can call [For], which serves every consumer.
func ForBatchEvaluation(p BatchEvaluationParams) (*Document, error) {
	doc, err := For(ConsumerBatchEvaluation, p.Params())
	return doc, p.fieldError(err)
}
