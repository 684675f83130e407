package keypolicy

import (
	"strconv"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// Names of the consumers [For], [RequirementsFor] and [ConsumerByName]
// take: every AgentCore resource that takes a customer managed key.
const (
	ConsumerPolicyEngine        = agentcore.ConsumerPolicyEngine
	ConsumerBatchEvaluation     = agentcore.ConsumerBatchEvaluation
	ConsumerEvaluator           = agentcore.ConsumerEvaluator
	ConsumerDataset             = agentcore.ConsumerDataset
	ConsumerConfigurationBundle = agentcore.ConsumerConfigurationBundle
	ConsumerRecommendation      = agentcore.ConsumerRecommendation
	ConsumerPaymentManager      = agentcore.ConsumerPaymentManager
	ConsumerGateway             = agentcore.ConsumerGateway
	ConsumerMemory              = agentcore.ConsumerMemory
	ConsumerTokenVault          = agentcore.ConsumerTokenVault
)

// Variants of a consumer's documented policy, for Params.Variant.
const (
	// VariantSourceContext is the policy engine variant whose KMS
	// operations statement also requires aws:SourceAccount and
	// aws:SourceArn.
	VariantSourceContext = "source-context"
	// VariantScoped is the dataset's scoped-down policy: the service
	// principal's write statement conditioned on the source and the
	// encryption context, its read statement unconditioned.
	VariantScoped = "scoped"
)

// Params are the parameters of every consumer's generator ([For]) and
// requirements ([RequirementsFor]). Fields a consumer does not use are
// ignored, so that one Params serves several consumers sharing a key.
type Params struct {
	// Account is the 12-digit AWS account that owns the key and the
	// resources. Required.
	Account string
	// Region is the AWS Region of the resources, such as "us-east-1".
	// Required.
	Region string
	// Partition is the AWS partition, such as "aws" or "aws-cn". If empty,
	// it is inferred from Region.
	Partition string
	// Principal is the ARN of the IAM role or user that calls AgentCore
	// (creates or uses the resources), or the account root. If empty, the
	// account root arn:PARTITION:iam::ACCOUNT:root is used, except for the
	// token vault, whose documentation names no principal: there it is
	// required.
	Principal string
	// ExecutionRole is the ARN of the payment manager's execution role
	// (CreatePaymentManager roleArn), which the service assumes to encrypt
	// and decrypt. Required for the payment manager.
	ExecutionRole string
	// ServiceRole is the ARN of the gateway service role that the gateway
	// key policy names. The documentation does not say whether this is the
	// caller of CreateGateway or the gateway's roleArn, so it is never
	// defaulted. Required for the gateway.
	ServiceRole string
	// ResourceARN, if set, narrows the policy from every resource of the
	// consumer in the account and Region to this one, where the
	// documentation shows how (see [Consumer.Narrowing]). The gateway
	// requires it.
	ResourceARN string
	// Variant selects a documented variant of the policy (see
	// [Consumer.Variants]); empty selects the main one.
	Variant string
}

// PolicyKind says what kind of policy a consumer's documentation gives.
type PolicyKind int

const (
	// KeyPolicy is a KMS key policy, to put on the key.
	KeyPolicy PolicyKind = iota
	// IdentityPolicy is an IAM identity policy, to attach to the caller;
	// it grants nothing unless the key policy lets IAM policies allow
	// access (as the default key policy does).
	IdentityPolicy
)

// String returns "key policy" or "identity policy".
func (k PolicyKind) String() string {
	switch k {
	case KeyPolicy:
		return "key policy"
	case IdentityPolicy:
		return "identity policy"
	}
	return "PolicyKind(" + strconv.Itoa(int(k)) + ")"
}

// Narrowing says how a consumer's policy narrows to one resource.
type Narrowing int

const (
	// NarrowNotDocumented: the documentation shows no narrowing; a
	// ResourceARN is refused.
	NarrowNotDocumented Narrowing = iota
	// NarrowInPlace: the wildcard ARN is replaced by the resource ARN and
	// the condition operators stay as they are.
	NarrowInPlace
	// NarrowStringEquals: the wildcard ARN is replaced by the resource ARN
	// and its keys move from StringLike to StringEquals.
	NarrowStringEquals
	// NarrowRequired: the documentation shows only the policy for one
	// resource and no wildcard; a ResourceARN is required.
	NarrowRequired
)

// String returns "not documented", "in place", "to StringEquals" or
// "required".
func (n Narrowing) String() string {
	switch n {
	case NarrowNotDocumented:
		return "not documented"
	case NarrowInPlace:
		return "in place"
	case NarrowStringEquals:
		return "to StringEquals"
	case NarrowRequired:
		return "required"
	}
	return "Narrowing(" + strconv.Itoa(int(n)) + ")"
}

// Rule says whether a consumer's documentation states a key restriction.
type Rule int

const (
	// RuleOpen: the documentation does not say (the zero value).
	RuleOpen Rule = iota
	// RuleRequired: the documentation states the restriction.
	RuleRequired
	// RuleNotRequired: the documentation states the opposite.
	RuleNotRequired
)

// String returns "open", "required" or "not required".
func (r Rule) String() string {
	switch r {
	case RuleOpen:
		return "open"
	case RuleRequired:
		return "required"
	case RuleNotRequired:
		return "not required"
	}
	return "Rule(" + strconv.Itoa(int(r)) + ")"
}

// Restrictions are the rules a consumer documents for its key.
type Restrictions struct {
	// SymmetricOnly: the key must be a symmetric encryption key
	// (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).
	SymmetricOnly Rule
	// SameRegion: the key must be in the resource's Region.
	SameRegion Rule
	// KeyARNOnly: the key field takes only a key ARN (no alias, no bare
	// key id), as its API pattern says.
	KeyARNOnly Rule
	// NoMultiRegion: multi-Region keys are refused.
	NoMultiRegion Rule
	// Notes say where a rule comes from when the page does not state it,
	// and what stays open.
	Notes []string
}

// KeyField is one API field that takes the consumer's key.
type KeyField struct {
	// Operation is the API operation, such as "CreateGateway".
	Operation string
	// Field is its JSON member name, such as "kmsKeyArn".
	Field string
	// Change says what the field allows: "fixed after creation",
	// "add or rotate, never removed", and so on.
	Change string
}

// Behaviour is what one operation does while the key is unavailable
// (disabled, pending deletion, deleted, or its permissions revoked).
type Behaviour struct {
	Operation string
	// Fails reports whether the operation fails.
	Fails bool
	// Note gives the documented error or detail, or says it is open.
	Note string
}

// Consumer describes once what AWS documents for one AgentCore resource
// that takes a customer managed key: its key fields and access model, its
// encryption context, the requests it makes, its documented statements and
// their variants, its key restrictions and what fails when the key is
// unavailable. [For], [RequirementsFor], kmscheck's consumer targets and
// the emulators all derive from it.
//
// A Consumer is a value: [Consumers] and [ConsumerByName] return a new copy
// on every call.
type Consumer struct {
	// Name is the consumer's name, such as "gateway".
	Name string
	// Title names the resource as its documentation does.
	Title string
	// Resource is the resource type in its ARN
	// arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:TYPE/ID.
	Resource string
	// KeyFields are the API fields that take the key.
	KeyFields []KeyField
	// Access describes in a sentence who calls KMS, and how.
	Access string
	// ContextKey is the encryption-context key whose value is the
	// resource's ARN, or "" where none is documented.
	ContextKey string
	// Kind is the kind of policy the documentation gives.
	Kind PolicyKind
	// Variants are the documented variants besides the main policy.
	Variants []string
	// Narrowing says how the policy narrows to one resource.
	Narrowing Narrowing
	// NarrowVariant, if set, is the only variant that narrows.
	NarrowVariant string
	// SecondPrincipal names the Params field of a principal other than
	// the caller that the policy names ("ExecutionRole", "ServiceRole"),
	// or is empty.
	SecondPrincipal string
	// OptionalPrincipal names the Params field of a principal the
	// documentation mentions inconsistently ("ExecutionRole" for the
	// evaluator's online evaluation execution role): it is validated when
	// given and appears only in [UnconfirmedRequirementsFor].
	OptionalPrincipal string
	// Restrictions are the key restrictions.
	Restrictions Restrictions
	// Unavailable says what fails when the key is unavailable.
	Unavailable []Behaviour
	// Open lists what the documentation leaves open, and the conservative
	// choice made for it.
	Open []string
	// Example are the documentation page's example values: [For] with them
	// writes the documented JSON byte for byte (the token vault needs a
	// principal the page does not name; see [Documented]).
	Example Params
	// Sources are the documentation pages.
	Sources []string
}

// Consumers returns every consumer, policy engines and batch evaluations
// first.
func Consumers() []Consumer { return catalog() }

// ConsumerNames returns the names of every consumer, in the order of
// [Consumers].
func ConsumerNames() []string {
	return []string{
		ConsumerPolicyEngine, ConsumerBatchEvaluation, ConsumerEvaluator, ConsumerDataset, ConsumerConfigurationBundle,
		ConsumerRecommendation, ConsumerPaymentManager, ConsumerGateway, ConsumerMemory, ConsumerTokenVault,
	}
}

// ConsumerByName returns the consumer named name, and reports whether
// there is one.
func ConsumerByName(name string) (Consumer, bool) {
	if build := consumerBuilder(name); build != nil {
		c, _ := build()
		return c, true
	}
	return Consumer{}, false
}

// ConsumerForResource returns the consumer whose resource ARN has type typ,
// such as "gateway" or "batch-evaluate", and reports whether there is one.
func ConsumerForResource(typ string) (Consumer, bool) {
	for _, name := range ConsumerNames() {
		if c, _ := ConsumerByName(name); c.Resource == typ && typ != "" {
			return c, true
		}
	}
	return Consumer{}, false
}

func consumerOrError(name string) (Consumer, error) {
	c, ok := ConsumerByName(name)
	if !ok {
		return c, &ParamError{Field: "consumer", Value: name, Reason: "is not a consumer; want one of " + strings.Join(ConsumerNames(), ", ")}
	}
	return c, nil
}

// For returns the policy AWS documents for consumer name (one of the
// Consumer* constants) with p's account, Region, partition, principals,
// narrowing and variant. For a [KeyPolicy] consumer it is a key policy; for
// memory it is the IAM identity policy of the caller that sets up memory.
//
// With the page's example values ([Consumer.Example]) its JSON is byte for
// byte the documented JSON. An unknown name or invalid parameters return a
// [*ParamError].
func For(name string, p Params) (*Document, error) {
	c, err := consumerOrError(name)
	if err != nil {
		return nil, err
	}
	return c.For(p)
}

// For returns the policy of the consumer named c.Name for p: it is
// For(c.Name, p), whatever else c's copy holds.
func (c *Consumer) For(p Params) (*Document, error) {
	if c == nil || c.Name == "" {
		return nil, &ParamError{Field: "consumer", Reason: "is nil or empty"}
	}
	e, err := c.resolve(p, false, false)
	if err != nil {
		return nil, err
	}
	return e.document(), nil
}

// Documented returns the policy exactly as consumer name's documentation
// shows it, with the page's example values. For every consumer but the
// token vault it equals For(name, c.Example). The token vault's documented
// key policy has no Principal in either statement, so KMS cannot accept it
// as written; [Lint] says so, and [For] requires the principal to be chosen
// explicitly instead of guessing one.
func Documented(name string) (*Document, error) {
	c, err := consumerOrError(name)
	if err != nil {
		return nil, err
	}
	e, err := c.resolve(c.Example, true, false)
	if err != nil {
		return nil, err
	}
	return e.document(), nil
}

// RequirementsFor returns the KMS requests consumer name makes, as its
// documentation describes them, each mapped to the documented statement
// that allows it; [Analyze] checks a key policy against them. See
// [Consumer.Requirements].
func RequirementsFor(name string, p Params) ([]Requirement, error) {
	c, err := consumerOrError(name)
	if err != nil {
		return nil, err
	}
	return c.Requirements(p)
}

// Requirements returns the KMS requests the consumer named c.Name makes
// for p (it is RequirementsFor(c.Name, p)).
//
// The resource is p.ResourceARN, or a sample one in p's account and Region
// with the id of the documentation's example. The caller is p.Principal, or
// a sample role [SampleCallerRole] of the account when that is the account
// root; the second principal is p.ExecutionRole or p.ServiceRole.
//
// A request carries a context key only where the documentation shows it
// (a documented condition on kms:ViaService, the documented encryption
// context, aws:SourceAccount and aws:SourceArn for the service principal),
// plus the keys AWS puts in every request of its caller. A policy that
// demands more is reported as failing, the safe side.
//
// Memory documents no key policy: its requirements are the requests of its
// identity policy, with no documented statement, so a key policy passes
// them only by delegating to IAM or by allowing them itself.
//
// Invalid parameters return a [*ParamError], as [For] does.
func (c *Consumer) Requirements(p Params) ([]Requirement, error) {
	if c == nil || c.Name == "" {
		return nil, &ParamError{Field: "consumer", Reason: "is nil or empty"}
	}
	e, err := c.resolve(p, false, true)
	if err != nil {
		return nil, err
	}
	return e.filterRequirements(false), nil
}

// FailsWhenUnavailable reports whether operation op (as written in
// [Consumer.Unavailable], such as "GetDataset, ListDatasetExamples" or one
// name of such a list) fails while the key is unavailable, and whether the
// documentation says so at all. Emulators use it to refuse exactly what
// AWS documents as failing; an operation the documentation does not list
// is reported as not known, and the caller decides the conservative side.
func (c *Consumer) FailsWhenUnavailable(op string) (fails, known bool) {
	if c == nil || op == "" {
		return false, false
	}
	for _, b := range c.Unavailable {
		if b.Operation == op {
			return b.Fails, true
		}
		for _, name := range strings.Split(b.Operation, ",") {
			if strings.TrimSpace(name) == op {
				return b.Fails, true
			}
		}
	}
	return false, false
}

// UnconfirmedRequirementsFor returns the KMS requests that one page of
// consumer name's documentation says it makes and another leaves out, such
// as the evaluator's online evaluation execution role decrypting (given
// p.ExecutionRole). The documented policy does not allow them; a key
// policy that denies them may still work, so report them apart from
// [RequirementsFor], as a warning. Most consumers have none.
func UnconfirmedRequirementsFor(name string, p Params) ([]Requirement, error) {
	c, err := consumerOrError(name)
	if err != nil {
		return nil, err
	}
	e, err := c.resolve(p, false, true)
	if err != nil {
		return nil, err
	}
	return e.filterRequirements(true), nil
}
