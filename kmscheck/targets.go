package kmscheck

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// IDKeyMultiRegion is the finding of a consumer target on whether the key
// is a multi-Region key: failed where the consumer's documentation refuses
// them, a warning where it does not say.
const IDKeyMultiRegion = "key.multi-region"

// ConsumerTarget checks a key for one consumer of the keypolicy consumer
// model ([keypolicy.Consumers]), with that consumer's key restrictions.
type ConsumerTarget struct {
	// Name is the consumer's name, one of the keypolicy.Consumer*
	// constants, such as "gateway".
	Name string
	// Params are its parameters: Account and Region (required), the
	// caller Principal, ExecutionRole or ServiceRole, ResourceARN and
	// Variant, as [keypolicy.RequirementsFor] takes them.
	Params keypolicy.Params
}

// ForConsumer returns a Target for consumer name with parameters p. Every
// consumer has one, policy engines and batch evaluations included (whose
// reports are then those of [PolicyEngine] and [BatchEvaluation] targets).
// An unknown name or bad parameters make [Check] return an [*InputError].
func ForConsumer(name string, p keypolicy.Params) Target {
	switch name {
	case keypolicy.ConsumerPolicyEngine:
		return PolicyEngine(keypolicy.PolicyEngineParams{
			Account: p.Account, Region: p.Region, Partition: p.Partition, Principal: p.Principal,
			SourceContext: p.Variant == keypolicy.VariantSourceContext, PolicyEngineARN: p.ResourceARN,
		})
	case keypolicy.ConsumerBatchEvaluation:
		return BatchEvaluation(keypolicy.BatchEvaluationParams{
			Account: p.Account, Region: p.Region, Partition: p.Partition, Principal: p.Principal, BatchEvaluationARN: p.ResourceARN,
		})
	}
	return Target{Consumer: &ConsumerTarget{Name: name, Params: p}}
}

// consumerFeature returns the feature of a Target whose Consumer is set,
// "" when another field is set too; ok is false when Consumer is nil.
func (t Target) consumerFeature() (feature string, ok bool) {
	if t.Consumer == nil {
		return "", false
	}
	if t.PolicyEngine != nil || t.BatchEvaluation != nil || t.Consumer.Name == "" {
		return "", true
	}
	return t.Consumer.Name, true
}

// consumer returns the description of the consumer of a Target whose
// Consumer is set.
func (t Target) consumer() (keypolicy.Consumer, bool) {
	if t.Consumer == nil {
		return keypolicy.Consumer{}, false
	}
	return keypolicy.ConsumerByName(t.Consumer.Name)
}

// checkKeyRef refuses, for a consumer whose key field takes only a key ARN,
// a key reference AgentCore would refuse.
func (t Target) checkKeyRef(keyID string) error {
	if t.Consumer == nil {
		return nil
	}
	c, ok := t.consumer()
	if !ok || c.Restrictions.KeyARNOnly != keypolicy.RuleRequired {
		return nil
	}
	_, err := agentcore.ParseKeyRef(keyID, agentcore.KeyRefRules{Field: "keyID", KeyARNOnly: true, Region: t.Consumer.Params.Region})
	if err != nil {
		return &InputError{Field: "keyID", Reason: "the " + c.Name + " key field takes only a key ARN, as its API pattern says", Err: err}
	}
	return nil
}

// dryRuns reports whether Check probes the caller's GenerateDataKey for t:
// batch evaluations, and every consumer whose caller makes a
// GenerateDataKey request that does not go through AgentCore (a dry run
// from the client carries no kms:ViaService, so a statement that requires
// it would deny the probe although AgentCore's own request is allowed).
func (t Target) dryRuns(reqs []keypolicy.Requirement) bool {
	if t.BatchEvaluation != nil {
		return true
	}
	if t.Consumer == nil {
		return false
	}
	for _, r := range reqs {
		if r.Caller == keypolicy.CallerPrincipal && r.Action == "kms:GenerateDataKey" {
			_, via := r.Request.Context["kms:ViaService"]
			return !via
		}
	}
	return false
}

// dryRunText returns what the dry run is and the remedy when it is denied.
func (t Target) dryRunText() (what, remedy string) {
	if t.Consumer == nil {
		return "GenerateDataKey dry run with the batch evaluation's encryption context",
			fmt.Sprintf("Allow kms:GenerateDataKey with the encryption context %s to the caller (documented statement %q).", keypolicy.BatchEvaluationContextKey, keypolicy.SidBatchCallerCryptoOps)
	}
	c, _ := t.consumer()
	reqs, _ := t.requirements()
	sid := ""
	for _, r := range reqs {
		if r.Caller == keypolicy.CallerPrincipal && r.Action == "kms:GenerateDataKey" {
			sid = r.Statement
			break
		}
	}
	what = "GenerateDataKey dry run with the " + c.Name + "'s encryption context"
	if c.ContextKey == "" {
		what = "GenerateDataKey dry run"
	}
	remedy = fmt.Sprintf("Allow kms:GenerateDataKey to the caller (documented statement %q; keypolicy.For(%q, ...) writes it).", sid, c.Name)
	return what, remedy
}

// regionMismatch says what a key in keyRegion means for t in region: a
// failure where the documentation requires the same Region, a warning
// where it does not say.
func (t Target) regionMismatch(keyRegion, region string) (fail bool, msg, remedy string) {
	switch {
	case t.BatchEvaluation != nil:
		return true, fmt.Sprintf("The key is in %s but the batch evaluation runs in %s; the key must be in the same Region.", keyRegion, region),
			"Use a key in " + region + " (a multi-Region replica there works)."
	case t.Consumer == nil:
		return false, fmt.Sprintf("The key is in %s but the policy engine is in %s; AgentCore documents keys in the engine's Region, and kms:ViaService names %s.", keyRegion, region, region),
			"Prefer a key (or a multi-Region replica) in " + region + "."
	}
	c, _ := t.consumer()
	if c.Restrictions.SameRegion == keypolicy.RuleRequired {
		return true, fmt.Sprintf("The key is in %s but the %s is in %s; its documentation requires a key in the same Region.", keyRegion, c.Name, region),
			"Use a key in " + region + "."
	}
	return false, fmt.Sprintf("The key is in %s but the %s is in %s; its documentation does not say whether a key in another Region works.", keyRegion, c.Name, region),
		"Prefer a key in " + region + "."
}

// generatorCall names the keypolicy call that writes feature's statements.
func generatorCall(feature string) string {
	switch feature {
	case keypolicy.FeaturePolicyEngine:
		return "keypolicy.ForPolicyEngine"
	case keypolicy.FeatureBatchEvaluation:
		return "keypolicy.ForBatchEvaluation"
	}
	return fmt.Sprintf("keypolicy.For(%q, ...)", feature)
}

// statementFix is the fix of a denied requirement whose documented
// statement is missing, or "" when the requirement has no documented key
// policy statement (memory), whose own fix then stands.
func statementFix(r keypolicy.Requirement) string {
	if r.Statement == "" {
		return ""
	}
	return fmt.Sprintf("Add the documented statement %q (%s generates it) to the key policy", r.Statement, generatorCall(r.Feature))
}

// iamAdvice is the remedy of a requirement allowed only if IAM allows it.
func iamAdvice(r keypolicy.Requirement) string {
	if r.Statement == "" {
		return fmt.Sprintf("Attach the documented identity policy (%s writes it) to the caller, so that its IAM policy allows %s.", generatorCall(r.Feature), r.Action)
	}
	return fmt.Sprintf("Add the documented statement %q naming the caller, or make sure the caller's IAM policy allows %s.", r.Statement, r.Action)
}

// consumerFindings adds the findings only consumer targets have: whether a
// multi-Region key is accepted.
func (b *builder) consumerFindings(md *types.KeyMetadata) {
	if b.target.Consumer == nil {
		return
	}
	c, _ := b.target.consumer()
	if md == nil {
		b.unknown(IDKeyMultiRegion, "not checked: DescribeKey gave no key metadata.", "", nil)
		return
	}
	multi := md.MultiRegion != nil && *md.MultiRegion
	switch {
	case !multi:
		b.pass(IDKeyMultiRegion, "The key is a single-Region key.")
	case c.Restrictions.NoMultiRegion == keypolicy.RuleRequired:
		b.fail(IDKeyMultiRegion, "The key is a multi-Region key; the "+c.Name+" documentation says multi-Region keys are not supported.",
			"Use a single-Region symmetric encryption key.", nil, ErrKeyNotUsable)
	default:
		b.warn(IDKeyMultiRegion, "The key is a multi-Region key; the "+c.Name+" documentation does not say whether multi-Region keys are accepted.",
			"Prefer a single-Region key until the documentation says multi-Region keys work.")
	}
}

// unconfirmedFindings adds a finding for each request one page of the
// consumer's documentation names and another leaves out
// ([keypolicy.UnconfirmedRequirementsFor]): passed when the key policy
// allows it, a warning otherwise, never a failure, since the request may
// not be made at all.
func (b *builder) unconfirmedFindings() {
	if b.target.Consumer == nil {
		return
	}
	reqs, err := keypolicy.UnconfirmedRequirementsFor(b.target.Consumer.Name, b.target.Consumer.Params)
	if err != nil || len(reqs) == 0 {
		return
	}
	doc := b.report.Policy
	for _, r := range reqs {
		id := IDPolicyPrefix + r.ID
		if b.report.KeyARN != "" {
			r.Request.Resource = b.report.KeyARN
		}
		what := fmt.Sprintf("%s by %s (%s)", r.Action, r.Request.Principal, r.Description)
		if doc == nil {
			b.unknown(id, "not checked: the key policy could not be read.", "", nil)
			continue
		}
		res := keypolicy.Analyze(doc, []keypolicy.Requirement{r}).Results[0]
		switch {
		case res.Decision.Verdict == keypolicy.Allow && unsupportedDenies(doc, res.Decision.Unsupported) == "":
			b.pass(id, what+": allowed by "+refs(res.Deciding)+".")
		case res.Decision.Verdict == keypolicy.AllowIfIAMAllows:
			b.warn(id, what+": allowed only if IAM allows it: "+res.Reason+".",
				"Make sure the role's IAM policy allows "+r.Action+" on the key.")
		case res.OK():
			b.warn(id, what+": allowed only if "+strings.TrimPrefix(res.Reason, "allowed only if ")+".",
				"Check the Deny statements that cannot be evaluated by hand.")
		default:
			b.warn(id, what+": denied: "+res.Reason+". The documentation does not agree on whether this request is made.",
				"If the operation fails for lack of access, allow "+r.Action+" to "+r.Request.Principal+" in the key policy.")
		}
	}
}
