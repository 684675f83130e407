package keypolicy

import (
	"errors"
	"strconv"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// Sids of the statements the identity-policy generators write. IAM allows
// only ASCII letters and digits in the Sid of an identity policy, so the
// policy-engine Sids are the documented key-policy Sids without spaces;
// the batch-evaluation ones are the documented Sids themselves.
const (
	IdentitySidPolicyCreateGrants        = "AllowPolicyToCreateGrants"
	IdentitySidPolicyKMSOperations       = "AllowPolicyForKMSOperations"
	IdentitySidPolicyKMSOperationsSource = "AllowPolicyForKMSOperationsWithSourceContext"
	IdentitySidPolicyKMSValidation       = "AllowPolicyForKMSValidation"
	IdentitySidBatchCallerAccess         = SidBatchCallerAccess
	IdentitySidBatchCallerCryptoOps      = SidBatchCallerCryptoOps
)

// IdentitySid returns the Sid of the statement that [IdentityForPolicyEngine]
// or [IdentityForBatchEvaluation] writes for the documented key-policy
// statement keySid (a [Requirement.Statement]), such as
// "AllowPolicyToCreateGrants" for "Allow Policy to create grants", or ""
// when the identity policy has no counterpart: the service principal's
// statement (AgentCore uses its own credentials there, so no IAM policy of
// the caller is involved) or a Sid the generators do not write.
func IdentitySid(keySid string) string {
	switch keySid {
	case SidPolicyCreateGrants:
		return IdentitySidPolicyCreateGrants
	case SidPolicyKMSOperations:
		return IdentitySidPolicyKMSOperations
	case SidPolicyKMSOperationsSource:
		return IdentitySidPolicyKMSOperationsSource
	case SidPolicyKMSValidation:
		return IdentitySidPolicyKMSValidation
	case SidBatchCallerAccess, SidBatchCallerCryptoOps:
		return keySid
	}
	return ""
}

// keyResource returns the Resource of an identity policy: keyARN after
// checking it, or arn:PARTITION:kms:REGION:ACCOUNT:key/* for every key of
// the target's account and Region.
func (t target) keyResource(keyARN string, sameRegion bool) (string, error) {
	if keyARN == "" {
		return "arn:" + t.partition.ID + ":kms:" + t.region + ":" + t.account + ":key/*", nil
	}
	_, err := agentcore.ParseKeyRef(keyARN, agentcore.KeyRefRules{
		Field: "KeyARN", KeyARNOnly: true, Region: t.region, SameRegion: sameRegion,
	})
	if err != nil {
		var ie *agentcore.InputError
		if errors.As(err, &ie) {
			return "", &InputError{Field: "KeyARN", Value: keyARN, Reason: ie.Reason}
		}
		return "", &InputError{Field: "KeyARN", Value: keyARN, Reason: err.Error()}
	}
	return keyARN, nil
}

// identityStatements turns the caller's statements of a generated key
// policy into identity-policy statements: no Principal, Resource the key,
// the same Action and Condition, and a Sid IAM accepts.
func identityStatements(key *Document, resource string) *Document {
	out := &Document{Version: Version2012}
	for _, s := range key.Statement {
		if s.Principal.Values(PrincipalService) != nil {
			continue // the service principal's own credentials: not IAM's
		}
		c := s.Clone()
		c.Sid = IdentitySid(s.Sid)
		c.Principal = nil
		c.Resource = One(resource)
		out.Statement = append(out.Statement, c)
	}
	return out
}

// IdentityForPolicyEngine returns the least-privilege IAM identity policy
// that the caller of policy engines (p.Principal) needs on one key, beside
// a key policy that delegates to the account: the four actions the
// AgentCore documentation lists for the caller's IAM policy
// (kms:CreateGrant, kms:Decrypt, kms:GenerateDataKey, kms:DescribeKey), in
// the statements [IdentitySidPolicyCreateGrants],
// [IdentitySidPolicyKMSOperations] (or, with p.SourceContext,
// [IdentitySidPolicyKMSOperationsSource]) and
// [IdentitySidPolicyKMSValidation], with the same conditions as the
// statements of [ForPolicyEngine]: kms:ViaService, the encryption context
// (narrowed to p.PolicyEngineARN when set), the grant constraints and, for
// the source-context variant, aws:SourceAccount and aws:SourceArn.
//
// Resource is keyARN, which must be a key ARN in p's partition (not an
// alias: an alias in an identity policy's Resource does not control access
// to the key); when keyARN is empty, every key of p's account and Region,
// arn:PARTITION:kms:REGION:ACCOUNT:key/*.
//
// [Document.JSON] writes it in AWS's JSON, byte for byte stable. Invalid
// parameters return a [*InputError].
func IdentityForPolicyEngine(p PolicyEngineParams, keyARN string) (*Document, error) {
	t, err := newTarget(p.Account, p.Region, p.Partition, p.Principal)
	if err != nil {
		return nil, err
	}
	resource, err := t.keyResource(keyARN, false)
	if err != nil {
		return nil, err
	}
	key, err := ForPolicyEngine(p)
	if err != nil {
		return nil, err
	}
	return identityStatements(key, resource), nil
}

// IdentityForBatchEvaluation returns the least-privilege IAM identity
// policy that the caller of batch evaluations (p.Principal) needs on one
// key, beside a key policy that delegates to the account: what the
// documented key policy grants the caller, in the statements
// [IdentitySidBatchCallerAccess] (kms:DescribeKey) and
// [IdentitySidBatchCallerCryptoOps] (kms:GenerateDataKey and kms:Decrypt
// with the batch evaluation's encryption context, narrowed to
// p.BatchEvaluationARN when set). The service principal's statement has no
// counterpart: AgentCore makes those requests with its own credentials.
//
// Resource is keyARN, which must be a key ARN in p's Region (batch
// evaluations need a key in their own Region); when keyARN is empty,
// arn:PARTITION:kms:REGION:ACCOUNT:key/*. Invalid parameters return a
// [*InputError].
func IdentityForBatchEvaluation(p BatchEvaluationParams, keyARN string) (*Document, error) {
	t, err := newTarget(p.Account, p.Region, p.Partition, p.Principal)
	if err != nil {
		return nil, err
	}
	resource, err := t.keyResource(keyARN, true)
	if err != nil {
		return nil, err
	}
	key, err := ForBatchEvaluation(p)
	if err != nil {
		return nil, err
	}
	return identityStatements(key, resource), nil
}

// EvaluateIdentity decides req against doc read as an IAM identity policy
// (one attached to the caller, or a permissions boundary): its statements
// have no Principal and apply to the caller, req.Principal. It uses the
// statement matcher of [Evaluate], so actions, resources, conditions and
// policy variables follow the same rules.
//
// The verdict is [ExplicitDeny] (a Deny statement matches), [Allow] (an
// Allow statement matches) or [ImplicitDeny]; never [AllowIfIAMAllows].
// A statement with a Principal or NotPrincipal is not valid in an identity
// policy (IAM refuses such a policy) and never matches. A request from a
// service principal (req.Service) or with no principal matches nothing:
// identity policies apply only to IAM identities. Decision.Statements are
// indexes into doc.Statement.
//
// EvaluateIdentity does not modify doc or req and is safe for concurrent
// use.
func EvaluateIdentity(doc *Document, req Request) Decision {
	if doc == nil || req.Principal == "" || req.Service != "" {
		return Decision{}
	}
	// The same document with every statement's Principal set to "*" (it
	// applies to whoever the caller is) or, for the invalid statements that
	// have one, to an empty principal that names nobody.
	view := Document{Version: doc.Version, ID: doc.ID, Statement: make([]Statement, len(doc.Statement))}
	everyone, nobody := &Principal{Wildcard: true}, &Principal{}
	for i, s := range doc.Statement {
		if s.Principal != nil || s.NotPrincipal != nil {
			s.Principal, s.NotPrincipal = nobody, nil
		} else {
			s.Principal = everyone
		}
		view.Statement[i] = s
	}
	d := Evaluate(&view, req)
	// A statement of the caller's own policy is not a delegation to the
	// account, whatever the key's account.
	if d.Verdict == AllowIfIAMAllows {
		d.Verdict = Allow
	}
	return d
}

// ValidateIdentity reports the first problem that makes IAM refuse doc as
// an identity policy (MalformedPolicyDocument): a statement with a
// Principal or NotPrincipal, an Effect other than Allow or Deny, neither
// Action nor NotAction, or neither Resource nor NotResource. The error is
// a [*ParseError] whose Path names the statement, such as "Statement[1]". It returns nil for a policy IAM
// would accept as far as these rules go.
func ValidateIdentity(doc *Document) error {
	if doc == nil {
		return &ParseError{Msg: "the policy is missing"}
	}
	if len(doc.Statement) == 0 {
		return &ParseError{Path: "Statement", Msg: "an identity policy needs at least one statement"}
	}
	for i, s := range doc.Statement {
		path := "Statement[" + strconv.Itoa(i) + "]"
		switch {
		case s.Principal != nil || s.NotPrincipal != nil:
			return &ParseError{Path: path, Msg: "an identity policy statement cannot have a Principal or NotPrincipal"}
		case s.Effect != EffectAllow && s.Effect != EffectDeny:
			return &ParseError{Path: path, Msg: "Effect must be Allow or Deny"}
		case s.Action.IsZero() && s.NotAction.IsZero():
			return &ParseError{Path: path, Msg: "has neither Action nor NotAction"}
		case s.Resource.IsZero() && s.NotResource.IsZero():
			return &ParseError{Path: path, Msg: "has neither Resource nor NotResource"}
		}
	}
	return nil
}
