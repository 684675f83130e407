package keypolicy

import (
	"fmt"
	"slices"
	"strconv"
)

// Request is one KMS request to evaluate against a key policy. See
// [Request.Validate] for what makes one valid.
type Request struct {
	// Principal is the ARN of the IAM caller: a role, a user, an STS
	// assumed-role session (which matches its role) or the account root
	// (an ARN or a bare account id). Leave it empty when Service is set.
	Principal string
	// Service is the service principal making the request with its own
	// credentials, such as "bedrock-agentcore.amazonaws.com". Leave it
	// empty when Principal is set.
	Service string
	// Action is the KMS action, such as "kms:Decrypt".
	Action string
	// Resource is the key ARN. It gives the key's account, which decides
	// whether the caller is from another account (see [Evaluate]), and is
	// matched against the statements' Resource and NotResource. If empty,
	// the key's account is taken to be the caller's, and a statement whose
	// Resource is anything but "*" (or that has a NotResource) cannot be
	// decided: it is taken not to match and listed in
	// [Decision.Unsupported].
	Resource string
	// Context holds the request's condition keys and their values, such as
	// "kms:ViaService" or "kms:EncryptionContext:aws:...". Keys are matched
	// case-insensitively. Multivalued keys such as kms:GrantOperations hold
	// several values. A key with no values counts as absent.
	//
	// The keys AWS derives from the caller need not be set: for an IAM
	// caller, aws:PrincipalArn (for a role session, the role's ARN, without
	// a path since the session ARN has none; not derived for a bare account
	// id), aws:PrincipalAccount, kms:CallerAccount, aws:PrincipalType
	// ("Account", "User" or "AssumedRole"), aws:username for a user and
	// aws:PrincipalIsAWSService "false"; for a service principal,
	// aws:PrincipalServiceName and aws:PrincipalIsAWSService "true". A key
	// set in Context, even with no values, overrides the derived one.
	Context map[string][]string
}

// Verdict is the outcome of evaluating a [Request] against a key policy.
//
// Its text form ([Verdict.String], [Verdict.MarshalText]) is a stable name:
// "implicit-deny", "allow", "allow-if-iam" or "explicit-deny".
type Verdict int

// Verdicts, from the key policy's point of view.
const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Verdict = iota
	// Allow: the key policy alone allows it: a statement naming the caller
	// (not only its account root), "*", or applying through NotPrincipal,
	// for a caller of the key's own account.
	Allow
	// AllowIfIAMAllows: the key policy allows it, and the caller's IAM
	// policies must allow it too. Either the only allowing statements name
	// the caller's account root, which delegates the decision to the
	// account's IAM policies, or the caller is from another account than
	// the key's, where KMS always requires both.
	AllowIfIAMAllows
	// ExplicitDeny: a Deny statement matches; nothing can allow it.
	ExplicitDeny
)

var verdictNames = [...]string{
	ImplicitDeny:     "implicit-deny",
	Allow:            "allow",
	AllowIfIAMAllows: "allow-if-iam",
	ExplicitDeny:     "explicit-deny",
}

// String returns the verdict's name, such as "allow-if-iam", or
// "Verdict(N)" for a value that is not a verdict.
func (v Verdict) String() string {
	if v >= 0 && int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// MarshalText returns the verdict's name, such as "allow-if-iam", so that
// a Verdict is a JSON string. A value that is not a verdict is an error.
func (v Verdict) MarshalText() ([]byte, error) {
	if v < 0 || int(v) >= len(verdictNames) {
		return nil, fmt.Errorf("keypolicy: %v is not a verdict", v)
	}
	return []byte(verdictNames[v]), nil
}

// UnmarshalText sets v from a name MarshalText writes; any other text is an
// error, and v is left unchanged. v must not be nil.
func (v *Verdict) UnmarshalText(text []byte) error {
	for i, n := range verdictNames {
		if string(text) == n {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("keypolicy: unknown verdict %q (want implicit-deny, allow, allow-if-iam or explicit-deny)", text)
}

// Decision is the result of [Evaluate].
type Decision struct {
	Verdict Verdict
	// Statements are the indexes into Document.Statement of the statements
	// that decided: the matching Deny statements for ExplicitDeny, the
	// Allow statements naming the caller for Allow, for AllowIfIAMAllows
	// the Allow statements naming the caller's account root or, for a
	// caller from another account, every matching Allow statement, and
	// none for ImplicitDeny.
	Statements []int
	// CrossAccount reports whether the caller is an IAM identity of
	// another account than the key's (Request.Resource), so that no
	// statement can give more than AllowIfIAMAllows.
	CrossAccount bool
	// Unsupported lists the statements whose effect, principal, action and
	// resource all applied to the request but which cannot be evaluated: a
	// condition operator this package does not know, a single-valued
	// operator on a multivalued key (AWS documents no outcome for it), or
	// a Resource to match when the request has no key ARN. Each such
	// statement was taken not to match: an Allow that did not allow, or a
	// Deny that did not deny, so the real decision may differ.
	Unsupported []UnsupportedOperator
	// Err is the [*RequestError] for a request [Request.Validate] rejects;
	// the verdict is then ImplicitDeny and nothing else is set.
	Err error
}

// Allowed reports whether the key policy lets the request through: Allow,
// or AllowIfIAMAllows (then the caller's IAM policies must allow it too).
func (d Decision) Allowed() bool { return d.Verdict == Allow || d.Verdict == AllowIfIAMAllows }

// UnsupportedOperator is part of a statement that [Evaluate] cannot decide.
type UnsupportedOperator struct {
	Statement int    // index into Document.Statement
	Sid       string // the statement's Sid, possibly empty
	// Operator is the condition operator as written, such as
	// "StringEqualsFoo" or "StringEquals"; empty for a Resource that
	// cannot be matched.
	Operator string
	// Key is the multivalued condition key a single-valued Operator is
	// applied to, such as "kms:GrantOperations"; empty for an unknown
	// operator.
	Key string
	// Reason says in a phrase why it cannot be decided.
	Reason string
}

// String describes u, such as `"StringEquals" on kms:GrantOperations in
// "Sid" (#0)`.
func (u UnsupportedOperator) String() string {
	where := " in " + StatementRef{Index: u.Statement, Sid: u.Sid}.String()
	switch {
	case u.Operator == "":
		return "Resource" + where + " (" + u.Reason + ")"
	case u.Key != "":
		return strconv.Quote(u.Operator) + " on multivalued key " + u.Key + where
	}
	return strconv.Quote(u.Operator) + where
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

// Evaluate decides req against doc with the rules of IAM policy
// evaluation a key policy needs, as the IAM User Guide's "policy evaluation
// logic" page and the KMS Developer Guide describe them.
//
// An explicit Deny wins over everything; otherwise an Allow naming the
// caller (or "*", or applying through NotPrincipal) gives [Allow]; otherwise
// an Allow naming only the caller's account root gives [AllowIfIAMAllows];
// otherwise the request is implicitly denied. A caller from another
// account than the key's (the account of Request.Resource) gets at most
// AllowIfIAMAllows: for cross-account access KMS requires both the key
// policy and the caller's IAM policy, and neither alone is sufficient.
// Without a Resource the key is taken to be in the caller's account. A nil
// doc allows nothing, and so does a request [Request.Validate] rejects
// (with the error in [Decision.Err]).
//
// Principals: "*" and {"AWS": "*"} match every caller, service principals
// included; {"Service": NAME} matches the service principal NAME exactly.
// An AWS principal matches the caller when it is the caller's
// ARN; a role matches an STS assumed-role session of that role (the
// session ARN carries no role path, so the account and role name decide);
// an account id or account root ARN delegates to the IAM policies of that
// account for every caller in it, and allows the root user itself
// outright. Principals of another partition never match. A NotPrincipal
// statement applies unless every identity of the caller is listed: its
// account, its role and its session (or its user). AWS says it may check
// each of these in turn and recommends listing them all; this is the
// strict reading, so a NotPrincipal Deny that lists only a role also
// denies that role's sessions.
//
// Actions and NotActions match with the wildcards * and ?, ignoring case;
// Resources and NotResources match Request.Resource the same way,
// respecting case. In a key policy "*" means the key itself; any other
// pattern needs the key ARN in Request.Resource, and without it the
// statement cannot be decided (see [Decision.Unsupported]).
//
// Conditions: every operator and every key of a statement must hold (AND);
// the values of one key are alternatives (OR). Keys are case-insensitive,
// values case-sensitive except for the IgnoreCase operators and Bool.
// Supported operators are String(Not)Equals(IgnoreCase), String(Not)Like,
// Numeric*, Date* (ISO 8601 or epoch seconds, compared as instants), Bool,
// BinaryEquals, (Not)IpAddress (a bare address is a /32 or /128),
// Arn(Not)Equals and Arn(Not)Like (the six colon-separated parts of the
// ARN are matched separately, each with wildcards; the value "*" matches
// any ARN), and Null, with the IfExists suffix and the ForAllValues: and
// ForAnyValue: prefixes. A missing key makes a positive operator false and
// a negated one (StringNotEquals, ...) true; IfExists makes it true;
// ForAllValues is true and ForAnyValue false. Operator names are matched
// exactly. The keys AWS derives from the caller need not be in the
// request (see [Request].Context).
//
// A statement that cannot be evaluated never matches, and is listed in
// [Decision.Unsupported] when it would otherwise have applied: one using
// an operator this package does not know, or an operator without
// ForAllValues: or ForAnyValue: (other than Null) on a multivalued key
// such as kms:GrantOperations, aws:TagKeys or aws:CalledVia, for which AWS
// documents no outcome.
//
// Policy variables: in a policy whose Version is "2012-10-17", ${key} in
// Resource, NotResource and the values of the string and ARN condition
// operators is replaced by the request's value of key (derived keys
// included); ${key, 'default'} gives default when the key has no value;
// ${*}, ${?} and ${$} are a literal *, ? and $. Substituted text is
// literal, never a wildcard. A variable whose key is absent or multivalued,
// without a default, makes that value match nothing. In a 2008-10-17
// policy, or one without Version, variables are literal text.
//
// Evaluate does not modify doc or req and is safe for concurrent use.
func Evaluate(doc *Document, req Request) Decision {
	var d Decision
	if doc == nil {
		return d
	}
	var c caller
	c.newCaller(&req)
	if err := req.check(&c); err != nil {
		d.Err = err
		return d
	}
	e := newEnv(doc, &req, &c)
	var allows, delegated []int
	for i := range doc.Statement {
		s := &doc.Statement[i]
		st, del, unknown := evalStatement(s, &req, &e, nil)
		if unknown {
			d.Unsupported = appendUnsupported(d.Unsupported, i, s, st)
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
	d.CrossAccount = c.crossAccount()
	switch {
	case d.Statements != nil:
		d.Verdict = ExplicitDeny
	case allows != nil && d.CrossAccount:
		d.Verdict, d.Statements = AllowIfIAMAllows, mergeSorted(allows, delegated)
	case allows != nil:
		d.Verdict, d.Statements = Allow, allows
	case delegated != nil:
		d.Verdict, d.Statements = AllowIfIAMAllows, delegated
	}
	return d
}

// mergeSorted merges two increasing lists of indexes.
func mergeSorted(a, b []int) []int {
	if len(b) == 0 {
		return a
	}
	out := make([]int, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// Explain returns, for every statement of doc in order, whether it applies
// to req and, when it does not, why. It follows the rules of [Evaluate];
// for a request [Request.Validate] rejects, no statement applies and the
// reason is the error.
func Explain(doc *Document, req Request) []StatementResult {
	if doc == nil {
		return nil
	}
	var c caller
	c.newCaller(&req)
	invalid := req.check(&c)
	e := newEnv(doc, &req, &c)
	cross := c.crossAccount()
	out := make([]StatementResult, len(doc.Statement))
	for i := range doc.Statement {
		s := &doc.Statement[i]
		r := StatementResult{Index: i, Sid: s.Sid, Effect: s.Effect}
		if invalid != nil {
			r.Reason = invalid.Error()
			out[i] = r
			continue
		}
		st, del, _ := evalStatement(s, &req, &e, &r.Reason)
		r.stage, r.Applies = st, st == stageMatched
		r.Delegated = r.Applies && (del || (cross && s.Effect == EffectAllow))
		out[i] = r
	}
	return out
}

// appendUnsupported lists what makes statement i, which stopped at st,
// undecidable.
func appendUnsupported(list []UnsupportedOperator, i int, s *Statement, st stage) []UnsupportedOperator {
	if st == stageResource {
		return append(list, UnsupportedOperator{Statement: i, Sid: s.Sid, Reason: "the request has no key ARN to match " + listReason(s.Resource, s.NotResource, "Resource", "NotResource")})
	}
	for _, op := range s.Condition {
		o, known := parseOperator(op.Operator)
		if !known {
			list = append(list, UnsupportedOperator{Statement: i, Sid: s.Sid, Operator: op.Operator, Reason: "the condition operator is not supported"})
			continue
		}
		for _, k := range op.Keys {
			if o.undecidable(k.Key) {
				list = append(list, UnsupportedOperator{Statement: i, Sid: s.Sid, Operator: op.Operator, Key: k.Key,
					Reason: "AWS documents no outcome for a single-valued operator on a multivalued key; use ForAllValues: or ForAnyValue:"})
			}
		}
	}
	return list
}

// evalStatement reports how far s matches the request, whether the match
// is only through the account root, and whether it cannot be decided (an
// unknown operator, a single-valued operator on a multivalued key, or a
// Resource to match without a key ARN) although effect, principal and
// action applied. If why is not nil, it receives the reason for a mismatch.
func evalStatement(s *Statement, req *Request, e *env, why *string) (st stage, delegated, unknown bool) {
	if s.Effect != EffectAllow && s.Effect != EffectDeny {
		if why != nil {
			*why = "effect " + strconv.Quote(s.Effect) + " is neither Allow nor Deny"
		}
		return stageEffect, false, false
	}
	applies, del := principalApplies(s, e.c)
	if !applies {
		if why != nil {
			*why = principalReason(s, e.c)
		}
		return stagePrincipal, false, false
	}
	if !actionApplies(s, req.Action) {
		if why != nil {
			*why = "action " + strconv.Quote(req.Action) + " is not covered by " + listReason(s.Action, s.NotAction, "Action", "NotAction")
		}
		return stageAction, false, false
	}
	if req.Resource == "" && !resourceIsStar(s) {
		if why != nil {
			*why = "resource \"\" (the request has no key ARN) cannot be matched against " + listReason(s.Resource, s.NotResource, "Resource", "NotResource") + ", so the statement is taken not to match"
		}
		return stageResource, false, true
	}
	if !resourceApplies(s, req.Resource, e) {
		if why != nil {
			*why = "resource " + strconv.Quote(req.Resource) + " is not covered by " + listReason(s.Resource, s.NotResource, "Resource", "NotResource")
		}
		return stageResource, false, false
	}
	ok, unknown := conditionHolds(s.Condition, e, why)
	if !ok {
		return stageCondition, false, unknown
	}
	return stageMatched, del, false
}

// resourceIsStar reports whether s applies to every resource by its
// Resource alone: "Resource": "*" (or a list holding "*") and no
// NotResource.
func resourceIsStar(s *Statement) bool {
	return s.NotResource.Values == nil && slices.Contains(s.Resource.Values, "*")
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

func resourceApplies(s *Statement, resource string, e *env) bool {
	switch {
	case s.Resource.Values != nil:
		if !anyResource(s.Resource.Values, resource, e) {
			return false
		}
		return s.NotResource.Values == nil || !anyResource(s.NotResource.Values, resource, e)
	case s.NotResource.Values != nil:
		return !anyResource(s.NotResource.Values, resource, e)
	}
	return false
}

// anyResource reports whether resource matches one of patterns, with
// policy variables expanded when e says so.
func anyResource(patterns []string, resource string, e *env) bool {
	for _, p := range patterns {
		if e.vars && hasVariable(p) {
			if x, _, ok := expand(p, e, true); ok && globEscaped(x, resource, false) {
				return true
			}
			continue
		}
		if glob(p, resource, false) {
			return true
		}
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
