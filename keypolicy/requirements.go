package keypolicy

import (
	"slices"
	"strconv"
)

// Features a [Requirement] belongs to.
const (
	FeaturePolicyEngine    = ConsumerPolicyEngine
	FeatureBatchEvaluation = ConsumerBatchEvaluation
)

// Sample values used in requirements when the parameters leave them open.
const (
	// SamplePolicyEngineID is the policy engine id in the documented
	// CreatePolicyEngine response; requirements use it when
	// PolicyEngineParams.PolicyEngineARN is empty.
	SamplePolicyEngineID = "MyPolicyEngine-abc123"
	// SampleBatchEvaluationID is the id in the documented batch-evaluation
	// encryption context; requirements use it when
	// BatchEvaluationParams.BatchEvaluationARN is empty.
	SampleBatchEvaluationID = "batch-evaluation-id"
	// SampleCallerRole is the role name (from the documented policy engine
	// key policy) of the caller in requirements whose parameters name the
	// account root: the root delegates to IAM, and the request comes from
	// some role of the account, never from the root user.
	SampleCallerRole = "ExampleRole"
)

// CallerKind says who makes a required request.
type CallerKind int

const (
	// CallerPrincipal is the IAM role or user that uses the feature, either
	// directly or through AgentCore with a forward access session (then the
	// request carries kms:ViaService).
	CallerPrincipal CallerKind = iota
	// CallerService is the AgentCore service principal with its own
	// credentials.
	CallerService
	// CallerRole is an IAM role other than the caller that the parameters
	// name and that calls KMS itself: the payment manager's execution role
	// (Params.ExecutionRole), the gateway service role (Params.ServiceRole).
	CallerRole
)

// String returns "caller", "service principal" or "role".
func (k CallerKind) String() string {
	switch k {
	case CallerPrincipal:
		return "caller"
	case CallerService:
		return "service principal"
	case CallerRole:
		return "role"
	}
	return "CallerKind(" + strconv.Itoa(int(k)) + ")"
}

// Requirement is one KMS request a feature makes, which the key policy must
// allow.
type Requirement struct {
	// ID names the requirement uniquely within its feature, such as
	// "create-grant-management".
	ID string
	// Feature is FeaturePolicyEngine or FeatureBatchEvaluation.
	Feature string
	// Caller says who makes the request.
	Caller CallerKind
	// Action is the KMS action, the same as Request.Action.
	Action string
	// ContextKeys are the condition keys the request carries, sorted; the
	// same as the keys of Request.Context.
	ContextKeys []string
	// Description says in a sentence what the request is for.
	Description string
	// Statement is the Sid of the documented statement that allows it.
	Statement string
	// Request is a concrete request with sample values where the parameters
	// leave them open. Set Request.Resource to the key ARN, or
	// Request.Principal to the real caller, before [Analyze] if you know
	// them.
	Request Request
}

// String returns the feature and ID, such as "policy-engine/decrypt".
func (r Requirement) String() string { return r.Feature + "/" + r.ID }

func newRequirement(feature, id string, who CallerKind, principal, action, sid, desc string, ctx map[string][]string) Requirement {
	// The keys AWS puts in every request of such a caller.
	if who == CallerService {
		ctx["aws:PrincipalServiceName"] = []string{principal}
	} else {
		account := parseIdentity(principal).account
		ctx["kms:CallerAccount"] = []string{account}
		ctx["aws:PrincipalAccount"] = []string{account}
		ctx["aws:PrincipalArn"] = []string{principal}
	}
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	req := Request{Action: action, Context: ctx}
	if who == CallerService {
		req.Service = principal
	} else {
		req.Principal = principal
	}
	return Requirement{
		ID: id, Feature: feature, Caller: who, Action: action, ContextKeys: keys,
		Description: desc, Statement: sid, Request: req,
	}
}

// callerARN is the caller of requirements: the principal of the
// parameters, or a sample role of the account when that is the root.
func (t target) callerARN() string {
	if t.principal == "arn:"+t.partition.ID+":iam::"+t.account+":root" {
		return "arn:" + t.partition.ID + ":iam::" + t.account + ":role/" + SampleCallerRole
	}
	return t.principal
}

// sampleARN returns arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:TYPE/ID.
func (t target) sampleARN(typ, id string) string {
	return "arn:" + t.partition.ID + ":" + ServiceName + ":" + t.region + ":" + t.account + ":" + typ + "/" + id
}

// Grant operations of the two grants Policy in AgentCore creates.
func managementGrantOperations() []string {
	return []string{"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"}
}

func evaluationGrantOperations() []string {
	return []string{"Decrypt", "ReEncryptFrom", "ReEncryptTo"}
}

// PolicyEngineRequirements returns the KMS requests Policy in AgentCore
// makes for a policy engine encrypted with a customer managed key, as the
// documentation describes them, in this order:
//
//   - create-grant-management, create-grant-evaluation: the caller's
//     kms:CreateGrant through AgentCore (forward access session) for the
//     policy management grant (Encrypt, Decrypt, GenerateDataKey,
//     GenerateDataKeyWithoutPlaintext) and the policy evaluation grant
//     (Decrypt, ReEncryptFrom, ReEncryptTo), with kms:ViaService,
//     kms:GrantConstraintType EncryptionContextSubset, the engine's
//     encryption context and kms:GrantOperations.
//   - decrypt, generate-data-key: kms:Decrypt and kms:GenerateDataKey by
//     the caller through AgentCore with the engine's encryption context;
//     with p.SourceContext, also aws:SourceAccount and aws:SourceArn.
//   - describe-key: kms:DescribeKey by the caller through AgentCore.
//
// The engine is p.PolicyEngineARN, or a sample engine with id
// [SamplePolicyEngineID] in p's account and Region. The caller is
// p.Principal, or a sample role [SampleCallerRole] of the account when that
// is the account root.
//
// Every request also carries the keys AWS sets in every request of its
// caller: kms:CallerAccount, aws:PrincipalAccount and aws:PrincipalArn.
//
// Choices where the documentation leaves room: the source-context keys are
// only in the requests when p.SourceContext is set (the documentation
// promises them only for that variant, so without it a policy that demands
// them is reported as failing); the grant's encryption context is given as
// kms:EncryptionContext:KEY, which is how KMS exposes grant constraints to
// key policies; kms:GrantIsForAWSResource is not assumed.
//
// Invalid parameters return a [*ParamError], as [ForPolicyEngine] does.
// It is RequirementsFor(ConsumerPolicyEngine, p.Params()).
func PolicyEngineRequirements(p PolicyEngineParams) ([]Requirement, error) {
	reqs, err := RequirementsFor(ConsumerPolicyEngine, p.Params())
	return reqs, p.fieldError(err)
}

// BatchEvaluationRequirements returns the KMS requests AgentCore
// Evaluations makes for a batch evaluation encrypted with a customer
// managed key, as the documentation describes them, in this order:
//
//   - describe-key: the caller's kms:DescribeKey when the batch evaluation
//     starts.
//   - caller-generate-data-key, caller-decrypt: the caller's
//     kms:GenerateDataKey and kms:Decrypt with the batch evaluation's
//     encryption context.
//   - service-generate-data-key, service-decrypt: the service principal's
//     kms:GenerateDataKey and kms:Decrypt with aws:SourceAccount,
//     aws:SourceArn and the batch evaluation's encryption context.
//
// The batch evaluation is p.BatchEvaluationARN, or a sample one with id
// [SampleBatchEvaluationID] in p's account and Region. The caller is
// p.Principal, or a sample role [SampleCallerRole] of the account when that
// is the account root.
//
// Every request also carries the keys AWS sets in every request of its
// caller: kms:CallerAccount, aws:PrincipalAccount and aws:PrincipalArn for
// the caller, aws:PrincipalServiceName for the service principal.
//
// Choices where the documentation leaves room: the caller's requests carry
// no kms:ViaService, because the documented statements do not rely on it
// and the documentation does not say which service's name KMS would see
// (a policy that demands it is reported as failing, the safe side); the
// service principal's requests carry the encryption context too, since the
// documentation says it is in all KMS operations.
//
// Invalid parameters return a [*ParamError], as [ForBatchEvaluation] does.
// It is RequirementsFor(ConsumerBatchEvaluation, p.Params()).
func BatchEvaluationRequirements(p BatchEvaluationParams) ([]Requirement, error) {
	reqs, err := RequirementsFor(ConsumerBatchEvaluation, p.Params())
	return reqs, p.fieldError(err)
}
