package keypolicy

import (
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awspartition"
)

// Names AgentCore documents for its KMS integration.
const (
	// ServiceName is the endpoint prefix of Amazon Bedrock AgentCore, the
	// first label of kms:ViaService values.
	ServiceName = agentcore.ViaServiceName
	// ServicePrincipalName is the AgentCore service principal that calls KMS
	// for batch evaluations.
	ServicePrincipalName = agentcore.ServicePrincipal

	// PolicyEngineContextKey is the encryption-context key Policy in AgentCore
	// sets to the policy engine's ARN in every KMS call.
	PolicyEngineContextKey = agentcore.PolicyEngineContextKey
	// BatchEvaluationContextKey is the encryption-context key AgentCore
	// Evaluations sets to the batch evaluation's ARN in every KMS call.
	BatchEvaluationContextKey = agentcore.BatchEvaluationContextKey
)

// Sids of the statements the generators write, as AWS documents them.
const (
	SidPolicyCreateGrants        = "Allow Policy to create grants"
	SidPolicyKMSOperations       = "Allow Policy for KMS operations"
	SidPolicyKMSOperationsSource = "Allow Policy for KMS operations with source context"
	SidPolicyKMSValidation       = "Allow Policy for KMS validation"

	SidBatchCallerAccess           = "AllowCallerAccess"
	SidBatchCallerCryptoOps        = "AllowCallerCryptoOps"
	SidBatchServicePrincipalAccess = "AllowServicePrincipalAccess"
)

// PolicyEngineParams describes the key policy for encrypting Policy in
// AgentCore policy engines with a customer managed key.
type PolicyEngineParams struct {
	// Account is the 12-digit AWS account that owns the key and the engines.
	// Required.
	Account string
	// Region is the AWS Region of the policy engines, such as "us-east-1".
	// Required.
	Region string
	// Partition is the AWS partition, such as "aws" or "aws-cn". If empty, it
	// is inferred from Region.
	Partition string
	// Principal is the ARN of the IAM role or user that creates and calls
	// policy engines, or the account root. If empty, the account root
	// arn:PARTITION:iam::ACCOUNT:root is used.
	Principal string
	// SourceContext selects the documented variant whose KMS operations
	// statement also requires aws:SourceAccount and aws:SourceArn.
	SourceContext bool
	// PolicyEngineARN, if set, narrows the encryption-context condition (and
	// the aws:SourceArn condition of the source-context variant) from every
	// policy engine to this one.
	PolicyEngineARN string
}

// BatchEvaluationParams describes the key policy for encrypting AgentCore
// batch evaluations with a customer managed key.
type BatchEvaluationParams struct {
	// Account is the 12-digit AWS account that owns the key and runs the
	// batch evaluations. Required.
	Account string
	// Region is the AWS Region of the batch evaluations, which must also be
	// the key's Region. Required.
	Region string
	// Partition is the AWS partition. If empty, it is inferred from Region.
	Partition string
	// Principal is the ARN of the IAM role or user that starts batch
	// evaluations, or the account root. If empty, the account root is used.
	Principal string
	// BatchEvaluationARN, if set, narrows the encryption-context and
	// aws:SourceArn conditions from every batch evaluation to this one.
	BatchEvaluationARN string
}

// target is the validated, defaulted form shared by both features.
type target struct {
	account   string
	region    string
	partition awspartition.Partition
	principal string
	resource  string // narrowing ARN, or ""
}

func (t target) viaService() string { return t.partition.ServiceHost(ServiceName, t.region) }

// resourceARN returns the ARN pattern arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:TYPE/*.
func (t target) resourceARN(typ string) string {
	return "arn:" + t.partition.ID + ":" + ServiceName + ":" + t.region + ":" + t.account + ":" + typ + "/*"
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	// IAM role and user names, and paths, as IAM's API documents them.
	iamNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	// Paths may hold any printable ASCII character, except that a key policy
	// principal cannot hold wildcards, and quotes or backslashes in an ARN are
	// always a mistake.
	iamPathRE = regexp.MustCompile(`^/([\x21\x23-\x29\x2B-\x2E\x30-\x3E\x40-\x5B\x5D-\x7E]+/)*$`)
	// Region names: lower-case words joined by hyphens, ending in a number.
	regionRE = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+-[0-9]{1,3}$`)
	// Resource ids in AgentCore ARNs.
	resourceIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)
)

// Params returns p as the parameters of [For] and [RequirementsFor].
func (p PolicyEngineParams) Params() Params {
	out := Params{Account: p.Account, Region: p.Region, Partition: p.Partition, Principal: p.Principal, ResourceARN: p.PolicyEngineARN}
	if p.SourceContext {
		out.Variant = VariantSourceContext
	}
	return out
}

// fieldError names p's field in a *ParamError about ResourceARN.
func (p PolicyEngineParams) fieldError(err error) error { return renameField(err, "PolicyEngineARN") }

// Params returns p as the parameters of [For] and [RequirementsFor].
func (p BatchEvaluationParams) Params() Params {
	return Params{Account: p.Account, Region: p.Region, Partition: p.Partition, Principal: p.Principal, ResourceARN: p.BatchEvaluationARN}
}

// fieldError names p's field in a *ParamError about ResourceARN.
func (p BatchEvaluationParams) fieldError(err error) error {
	return renameField(err, "BatchEvaluationARN")
}

func renameField(err error, field string) error {
	if pe, ok := err.(*ParamError); ok && pe.Field == "ResourceARN" {
		pe.Field = field
	}
	return err
}

func newTarget(account, region, partition, principal string) (target, error) {
	var t target
	if !accountRE.MatchString(account) {
		return t, &ParamError{Field: "Account", Value: account, Reason: "must be 12 digits"}
	}
	part, ok := awspartition.ForRegion(region)
	if !ok || !regionRE.MatchString(region) {
		return t, &ParamError{Field: "Region", Value: region, Reason: "is not an AWS Region name such as us-east-1"}
	}
	if partition != "" && partition != part.ID {
		if !knownPartition(partition) {
			return t, &ParamError{Field: "Partition", Value: partition, Reason: "is not an AWS partition"}
		}
		return t, &ParamError{Field: "Partition", Value: partition, Reason: "does not contain Region " + region + " (it is in " + part.ID + ")"}
	}
	t.account, t.region, t.partition = account, region, part
	if principal == "" {
		t.principal = "arn:" + part.ID + ":iam::" + account + ":root"
		return t, nil
	}
	if err := checkPrincipal(principal, part.ID); err != nil {
		return t, err
	}
	t.principal = principal
	return t, nil
}

func knownPartition(id string) bool {
	_, ok := awspartition.ByID(id)
	return ok
}

// checkPrincipal accepts an IAM role, user, or account root ARN in partition.
func checkPrincipal(principal, partition string) error {
	bad := func(reason string) error {
		return &ParamError{Field: "Principal", Value: principal, Reason: reason}
	}
	a, err := arn.Parse(principal)
	if err != nil {
		return bad("is not an ARN")
	}
	if a.Partition != partition {
		return bad("is in partition " + a.Partition + ", not " + partition)
	}
	if a.Service == "sts" {
		return bad("is an STS session; name the IAM role (arn:" + partition + ":iam::ACCOUNT:role/NAME) instead")
	}
	if a.Service != "iam" || a.Region != "" {
		return bad("is not an IAM principal ARN")
	}
	if !accountRE.MatchString(a.AccountID) {
		return bad("has an account that is not 12 digits")
	}
	if a.Resource == "root" {
		return nil
	}
	typ, rest, _ := strings.Cut(a.Resource, "/")
	if typ != "role" && typ != "user" {
		return bad("must name a role, a user, or the account root")
	}
	path, name := "/", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		path, name = "/"+rest[:i+1], rest[i+1:]
	}
	if !iamNameRE.MatchString(name) || !iamPathRE.MatchString(path) || len(path) > 512 {
		return bad("has an invalid " + typ + " name or path")
	}
	return nil
}

// checkResource accepts arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:TYPE/ID
// in the target's partition, Region and account.
func (t target) checkResource(field, value, typ string) error {
	bad := func(reason string) error { return &ParamError{Field: field, Value: value, Reason: reason} }
	a, err := arn.Parse(value)
	if err != nil {
		return bad("is not an ARN")
	}
	if a.Service != ServiceName {
		return bad("is not a " + ServiceName + " ARN")
	}
	id, ok := strings.CutPrefix(a.Resource, typ+"/")
	if !ok || !resourceIDRE.MatchString(id) {
		return bad("must name one " + typ + " resource: " + strings.TrimSuffix(t.resourceARN(typ), "*") + "ID")
	}
	switch {
	case a.Partition != t.partition.ID:
		return bad("is in partition " + a.Partition + ", not " + t.partition.ID)
	case a.Region != t.region:
		return bad("is in Region " + a.Region + ", not " + t.region)
	case a.AccountID != t.account:
		return bad("is in account " + a.AccountID + ", not " + t.account)
	}
	return nil
}
