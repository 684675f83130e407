package keypolicy

import "strconv"

// Request is one KMS request to evaluate against a key policy.
type Request struct {
	// Principal is the ARN of the IAM caller: a role, a user, an STS
	// assumed-role session (which matches its role) or the account root.
	// Leave it empty when Service is set.
	Principal string
	// Service is the service principal making the request with its own
	// credentials, such as "bedrock-agentcore.amazonaws.com".
	Service string
	// Action is the KMS action, such as "kms:Decrypt".
	Action string
	// Resource is the key ARN. If empty, only the Resource pattern "*"
	// matches it, which is what key policies normally use.
	Resource string
	// Context holds the request's condition keys and their values, such as
	// "kms:ViaService" or "kms:EncryptionContext:aws:...". Keys are matched
	// case-insensitively. Multi-valued keys such as kms:GrantOperations hold
	// several values. A key with no values counts as absent.
	Context map[string][]string
}

// Verdict is the outcome of evaluating a [Request] against a key policy.
type Verdict int

// Verdicts, from the key policy's point of view.
const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Verdict = iota
	// Allow: a statement naming the caller (not the account root) allows it.
	Allow
	// AllowIfIAMAllows: the only allowing statements name the account root,
	// which delegates the decision to the account's IAM policies.
	AllowIfIAMAllows
	// ExplicitDeny: a Deny statement matches; nothing can allow it.
	ExplicitDeny
)

// String returns the verdict in words, such as "allow if IAM allows".
func (v Verdict) String() string {
	switch v {
	case ImplicitDeny:
		return "implicit deny"
	case Allow:
		return "allow"
	case AllowIfIAMAllows:
		return "allow if IAM allows"
	case ExplicitDeny:
		return "explicit deny"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Decision is the result of [Evaluate].
type Decision struct {
	Verdict Verdict
	// Statements are the indexes into Document.Statement of the statements
	// that decided: the matching Deny statements for ExplicitDeny, the
	// Allow statements naming the caller for Allow, the Allow statements
	// naming the caller's account root for AllowIfIAMAllows, and none for
	// ImplicitDeny.
	Statements []int
	// Unsupported lists the condition operators this package does not know,
	// found in statements whose effect, principal, action and resource all
	// applied to the request. Each such statement was taken not to match:
	// an Allow that did not allow, or a Deny that did not deny, so the real
	// decision may differ.
	Unsupported []UnsupportedOperator
}

// Allowed reports whether the key policy lets the request through: Allow,
// or AllowIfIAMAllows (then the caller's IAM policies must allow it too).
func (d Decision) Allowed() bool { return d.Verdict == Allow || d.Verdict == AllowIfIAMAllows }

// UnsupportedOperator is a condition operator [Evaluate] does not know.
type UnsupportedOperator struct {
	Statement int    // index into Document.Statement
	Sid       string // the statement's Sid, possibly empty
	Operator  string // as written, such as "StringEqualsFoo"
}

// StatementResult says how one statement applied to a request; see [Explain].
type StatementResult struct {
	Index  int    // index into Document.Statement
	Sid    string // possibly empty
	Effect string // as written
	// Applies reports whether the statement matches the request: effect,
	// principal, action, resource and every condition.
	Applies bool
	// Delegated reports whether the statement applies only through the
	// caller's account root principal (see [AllowIfIAMAllows]).
	Delegated bool
	// Reason says why the statement does not apply; empty when it applies.
	Reason string

	stage stage
}

// stage is how far a statement got before it failed to match.
type stage uint8

const (
	stageEffect    stage = iota // the effect is neither Allow nor Deny
	stagePrincipal              // the principal does not match
	stageAction                 // the action does not match
	stageResource               // the resource does not match
	stageCondition              // a condition is false or unknown
	stageMatched                // everything matched
)

// Evaluate decides req against doc with the IAM rules a key policy needs.
//
// An explicit Deny wins over everything; otherwise an Allow naming the
// caller (or "*", or applying through NotPrincipal) gives [Allow]; otherwise
// an Allow naming only the caller's account root gives [AllowIfIAMAllows];
// otherwise the request is implicitly denied. A nil doc allows nothing.
//
// Principals: "*" and {"AWS": "*"} match every caller, service principals
// included; {"Service": NAME} matches the service principal NAME exactly.
// An AWS principal matches the caller when it is the caller's
// ARN; a role matches an STS assumed-role session of that role (the
// session ARN carries no role path, so the account and role name decide);
// an account id or account root ARN delegates to the IAM policies of that
// account for every caller in it, and allows the root user itself
// outright. A NotPrincipal statement applies unless every identity of the
// caller is listed: its account, its role and its session (or its user).
// AWS says it may check each of these in turn and recommends listing them
// all; this is the strict reading, so a NotPrincipal Deny that lists only
// a role also denies that role's sessions.
//
// Actions and NotActions match with the wildcards * and ?, ignoring case;
// Resources and NotResources match the same way, respecting case (an
// empty Request.Resource is matched only by "*").
//
// Conditions: every operator and every key of a statement must hold (AND);
// the values of one key are alternatives (OR). Keys are case-insensitive,
// values case-sensitive except for the IgnoreCase operators and Bool.
// Supported operators are String(Not)Equals(IgnoreCase), String(Not)Like,
// Numeric*, Date*, Bool, BinaryEquals, (Not)IpAddress, Arn(Not)Equals and
// Arn(Not)Like (the six colon-separated parts of the ARN are matched
// separately, each with wildcards; the value "*" matches any ARN), and
// Null, with the IfExists suffix and the ForAllValues: and ForAnyValue:
// prefixes. A missing key makes a positive operator false and a negated
// one (StringNotEquals, ...) true; IfExists makes it true; ForAllValues is
// true and ForAnyValue false. Operator names are matched exactly. A
// statement using an operator this package does not know never matches,
// and is listed in [Decision.Unsupported] when it would otherwise have
// applied.
//
// Policy variables such as ${aws:username} are not expanded: they match
// only themselves.
//
// Evaluate does not modify doc or req and is safe for concurrent use.
func Evaluate(doc *Document, req Request) Decision {
	var d Decision
	if doc == nil {
		return d
	}
	c := newCaller(req)
	var allows, delegated []int
	for i := range doc.Statement {
		s := &doc.Statement[i]
		st, del, unknown := evalStatement(s, &req, &c, nil)
		if st == stageCondition && unknown {
			d.Unsupported = appendUnsupported(d.Unsupported, i, s)
		}
		if st != stageMatched {
			continue
		}
		switch {
		case s.Effect == EffectDeny:
			d.Statements = append(d.Statements, i)
		case del:
			delegated = append(delegated, i)
		default:
			allows = append(allows, i)
		}
	}
	switch {
	case d.Statements != nil:
		d.Verdict = ExplicitDeny
	case allows != nil:
		d.Verdict, d.Statements = Allow, allows
	case delegated != nil:
		d.Verdict, d.Statements = AllowIfIAMAllows, delegated
	}
	return d
}

// Explain returns, for every statement of doc in order, whether it applies
// to req and, when it does not, why. It follows the rules of [Evaluate].
func Explain(doc *Document, req Request) []StatementResult {
	if doc == nil {
		return nil
	}
	c := newCaller(req)
	out := make([]StatementResult, len(doc.Statement))
	for i := range doc.Statement {
		s := &doc.Statement[i]
		r := StatementResult{Index: i, Sid: s.Sid, Effect: s.Effect}
		st, del, _ := evalStatement(s, &req, &c, &r.Reason)
		r.stage, r.Applies, r.Delegated = st, st == stageMatched, st == stageMatched && del
		out[i] = r
	}
	return out
}

func appendUnsupported(list []UnsupportedOperator, i int, s *Statement) []UnsupportedOperator {
	for _, op := range s.Condition {
		if _, ok := parseOperator(op.Operator); !ok {
			list = append(list, UnsupportedOperator{Statement: i, Sid: s.Sid, Operator: op.Operator})
		}
	}
	return list
}

// evalStatement reports how far s matches req, whether the match is only
// through the account root, and whether it failed on an unknown operator.
// If why is not nil, it receives the reason for a mismatch.
func evalStatement(s *Statement, req *Request, c *caller, why *string) (st stage, delegated, unknown bool) {
	if s.Effect != EffectAllow && s.Effect != EffectDeny {
		if why != nil {
			*why = "effect " + strconv.Quote(s.Effect) + " is neither Allow nor Deny"
		}
		return stageEffect, false, false
	}
	applies, del := principalApplies(s, c)
	if !applies {
		if why != nil {
			*why = principalReason(s, c)
		}
		return stagePrincipal, false, false
	}
	if !actionApplies(s, req.Action) {
		if why != nil {
			*why = "action " + strconv.Quote(req.Action) + " is not covered by " + listReason(s.Action, s.NotAction, "Action", "NotAction")
		}
		return stageAction, false, false
	}
	if !resourceApplies(s, req.Resource) {
		if why != nil {
			*why = "resource " + strconv.Quote(req.Resource) + " is not covered by " + listReason(s.Resource, s.NotResource, "Resource", "NotResource")
		}
		return stageResource, false, false
	}
	ok, unknown := conditionHolds(s.Condition, req.Context, why)
	if !ok {
		return stageCondition, false, unknown
	}
	return stageMatched, del, false
}

func listReason(pos, neg Strings, posName, negName string) string {
	switch {
	case pos.Values != nil:
		return posName + " " + quoteList(pos.Values)
	case neg.Values != nil:
		return "the statement (excluded by " + negName + " " + quoteList(neg.Values) + ")"
	}
	return "the statement (it has neither " + posName + " nor " + negName + ")"
}

func quoteList(vs []string) string {
	b := []byte{'['}
	for i, v := range vs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendQuote(b, v)
	}
	return string(append(b, ']'))
}

func actionApplies(s *Statement, action string) bool {
	switch {
	case s.Action.Values != nil:
		if !anyGlob(s.Action.Values, action, true) {
			return false
		}
		return s.NotAction.Values == nil || !anyGlob(s.NotAction.Values, action, true)
	case s.NotAction.Values != nil:
		return !anyGlob(s.NotAction.Values, action, true)
	}
	return false
}

func resourceApplies(s *Statement, resource string) bool {
	switch {
	case s.Resource.Values != nil:
		if !anyGlob(s.Resource.Values, resource, false) {
			return false
		}
		return s.NotResource.Values == nil || !anyGlob(s.NotResource.Values, resource, false)
	case s.NotResource.Values != nil:
		return !anyGlob(s.NotResource.Values, resource, false)
	}
	return false
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if glob(p, s, fold) {
			return true
		}
	}
	return false
}
