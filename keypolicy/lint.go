package keypolicy

import (
	"slices"
	"strconv"
	"strings"
)

// Severity ranks a [Finding].
type Severity int

const (
	// SeverityInfo is worth knowing but usually intended.
	SeverityInfo Severity = iota
	// SeverityWarning weakens the policy or is likely a mistake.
	SeverityWarning
	// SeverityError exposes the key, is rejected by KMS, or makes a
	// statement silently ineffective.
	SeverityError
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// Finding ids reported by [Lint].
const (
	// LintWildcardPrincipal: an Allow statement for "*" (or a NotPrincipal)
	// without a condition that narrows who may call. Error.
	LintWildcardPrincipal = "wildcard-principal"
	// LintConfusedDeputy: an Allow statement for a service principal
	// without both aws:SourceAccount and aws:SourceArn. Error.
	LintConfusedDeputy = "confused-deputy"
	// LintForAllValuesSingleValued: ForAllValues: on an aws: or kms:
	// condition key that holds one value, where it is true whenever the key
	// is missing. Warning.
	LintForAllValuesSingleValued = "forallvalues-single-valued"
	// LintForAllValuesEncryptionContext: ForAllValues: on a
	// kms:EncryptionContext:KEY condition, which KMS rejects. Error.
	LintForAllValuesEncryptionContext = "forallvalues-encryption-context"
	// LintBroadAction: an Allow statement for "kms:*", "*" or a NotAction.
	// Warning, or info for the account root alone (the default key policy).
	LintBroadAction = "broad-action"
	// LintMissingViaService: a caller statement made for a service
	// integration (grant constraints, source context or the policy engine
	// encryption context) without kms:ViaService. Warning.
	LintMissingViaService = "missing-via-service"
	// LintDuplicateSid: two statements share a Sid. Error.
	LintDuplicateSid = "duplicate-sid"
	// LintUnknownOperator: a condition operator that is not an IAM
	// operator; the statement never matches. Error.
	LintUnknownOperator = "unknown-operator"
	// LintUnknownEffect: an Effect other than "Allow" or "Deny". Error.
	LintUnknownEffect = "unknown-effect"
	// LintNoStatement: the policy has no statement, so it allows nothing
	// (often a file that is not a key policy at all). Error.
	LintNoStatement = "no-statement"
	// LintInvalidPrincipal: an AWS principal that is not "*", an account
	// id or an ARN, or a principal with a wildcard inside it, which AWS
	// does not accept: it never matches. Error.
	LintInvalidPrincipal = "invalid-principal"
	// LintUnknownField: a field that is not part of the policy language,
	// which KMS rejects as a malformed policy. Error.
	LintUnknownField = "unknown-field"
	// LintMultivaluedWithoutSet: an operator without ForAllValues: or
	// ForAnyValue: on a multivalued key such as kms:GrantOperations. AWS
	// documents no outcome for it, so Evaluate cannot decide the
	// statement. Error.
	LintMultivaluedWithoutSet = "multivalued-without-set-operator"
	// LintLiteralVariable: a policy variable such as ${aws:PrincipalAccount}
	// in a policy whose Version is not "2012-10-17", where it is literal
	// text. Warning.
	LintLiteralVariable = "literal-policy-variable"
)

// Finding is one problem [Lint] found in a key policy.
type Finding struct {
	ID        string // one of the Lint* constants
	Severity  Severity
	Statement int    // index into Document.Statement, or -1 for the whole policy
	Sid       string // the statement's Sid, possibly empty
	Message   string
}

// String returns "severity id statement: message", where statement is
// "policy" for a finding about the whole policy.
func (f Finding) String() string {
	where := "policy"
	if f.Statement >= 0 {
		where = StatementRef{Index: f.Statement, Sid: f.Sid}.String()
	}
	return f.Severity.String() + " " + f.ID + " " + where + ": " + f.Message
}

// Lint checks doc for security and correctness problems: wildcard
// principals without a narrowing condition, service principals without
// aws:SourceAccount and aws:SourceArn (confused deputy), ForAllValues: on a
// single-valued key or on kms:EncryptionContext:KEY, a single-valued
// operator on a multivalued key, policy variables in a policy where they
// are literal, "kms:*" and "*" actions, caller statements for a service integration without
// kms:ViaService, duplicate Sids, unknown condition operators and effects,
// principals AWS does not accept, statements without a principal,
// wildcards that an exact operator takes literally, unknown fields and a
// policy without statements. Findings about the whole policy come first, then the others
// in statement order. The policies [ForPolicyEngine] and
// [ForBatchEvaluation] write have none.
//
// Lint does not modify doc and is safe for concurrent use.
func Lint(doc *Document) []Finding {
	if doc == nil {
		return nil
	}
	var out []Finding
	for _, f := range doc.Extra {
		out = append(out, Finding{ID: LintUnknownField, Severity: SeverityError, Statement: -1,
			Message: "field " + strconv.Quote(f.Name) + " is not part of a key policy; KMS rejects it"})
	}
	if len(doc.Statement) == 0 {
		out = append(out, Finding{ID: LintNoStatement, Severity: SeverityError, Statement: -1,
			Message: "the policy has no statement, so it allows nothing, not even key administration"})
	}
	add := func(i int, id string, sev Severity, msg string) {
		out = append(out, Finding{ID: id, Severity: sev, Statement: i, Sid: doc.Statement[i].Sid, Message: msg})
	}
	seen := map[string]int{}
	for i := range doc.Statement {
		s := &doc.Statement[i]
		if s.Sid != "" {
			if j, dup := seen[s.Sid]; dup {
				add(i, LintDuplicateSid, SeverityError, "Sid "+strconv.Quote(s.Sid)+" is also used by statement #"+strconv.Itoa(j)+"; KMS rejects duplicate Sids and merging by Sid becomes ambiguous")
			} else {
				seen[s.Sid] = i
			}
		}
		for _, f := range s.Extra {
			add(i, LintUnknownField, SeverityError, "field "+strconv.Quote(f.Name)+" is not part of a statement; KMS rejects it")
		}
		for _, p := range []*Principal{s.Principal, s.NotPrincipal} {
			if msg := invalidPrincipal(p); msg != "" {
				add(i, LintInvalidPrincipal, SeverityError, msg)
			}
		}
		if s.Effect != EffectAllow && s.Effect != EffectDeny {
			add(i, LintUnknownEffect, SeverityError, "Effect "+strconv.Quote(s.Effect)+" is neither \"Allow\" nor \"Deny\"")
		}
		for _, op := range s.Condition {
			o, known := parseOperator(op.Operator)
			if !known {
				add(i, LintUnknownOperator, SeverityError, "condition operator "+strconv.Quote(op.Operator)+" is not an IAM operator; the statement never matches")
				continue
			}
			for _, k := range op.Keys {
				if o.undecidable(k.Key) {
					add(i, LintMultivaluedWithoutSet, SeverityError, op.Operator+" on multivalued key "+k.Key+" has no documented outcome, so the statement cannot be evaluated; write ForAllValues:"+op.Operator+" (every value in the request must match) or ForAnyValue:"+op.Operator+" (at least one must)")
				}
			}
			if o.set != setAllValues {
				continue
			}
			for _, k := range op.Keys {
				switch {
				case hasPrefixFold(k.Key, "kms:EncryptionContext:"):
					add(i, LintForAllValuesEncryptionContext, SeverityError, op.Operator+" on "+k.Key+": KMS rejects set operators on encryption-context keys; use a plain operator, or kms:EncryptionContextKeys to restrict the keys")
				case (hasPrefixFold(k.Key, "aws:") || hasPrefixFold(k.Key, "kms:")) && !multiValuedKey(k.Key):
					add(i, LintForAllValuesSingleValued, SeverityWarning, op.Operator+" on single-valued key "+k.Key+" is true when the key is missing; use "+strings.TrimPrefix(op.Operator, "ForAllValues:"))
				}
			}
		}
		if doc.Version != Version2012 {
			if v := firstVariable(s); v != "" {
				add(i, LintLiteralVariable, SeverityWarning, "policy variables are literal text in a policy whose Version is "+strconv.Quote(doc.Version)+", so "+strconv.Quote(v)+" matches only itself; set \"Version\": \"2012-10-17\"")
			}
		}
		lintConsumerStatement(s, func(id string, sev Severity, msg string) { add(i, id, sev, msg) })
		if s.Effect != EffectAllow {
			continue
		}
		lintAllow(s, func(id string, sev Severity, msg string) { add(i, id, sev, msg) })
	}
	return out
}

func lintAllow(s *Statement, add func(id string, sev Severity, msg string)) {
	wildcard := s.NotPrincipal != nil
	rootOnly := s.Principal != nil && !s.Principal.Wildcard
	if s.Principal != nil {
		wildcard = wildcard || s.Principal.Wildcard
		for _, e := range s.Principal.Entries {
			for _, v := range e.Values.Values {
				if v == "*" {
					wildcard = true
				}
				if e.Type != PrincipalAWS || parseIdentity(v).kind != idRoot {
					rootOnly = false
				}
			}
		}
	}
	if wildcard && !narrowsCaller(s.Condition) {
		add(LintWildcardPrincipal, SeverityError, "allows every AWS principal; add a condition on aws:PrincipalAccount, aws:PrincipalOrgID, kms:CallerAccount or aws:PrincipalArn, or name the principals")
	}
	if len(s.Principal.Values(PrincipalService)) > 0 {
		var missing []string
		for _, k := range []string{"aws:SourceAccount", "aws:SourceArn"} {
			if !positiveCondition(s.Condition, k) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			add(LintConfusedDeputy, SeverityError, "allows a service principal without "+strings.Join(missing, " and ")+"; the service could be made to use the key for another account's resources (confused deputy)")
		}
	}
	broad := s.NotAction.Values != nil
	for _, a := range s.Action.Values {
		if a == "*" || equalFold(a, "kms:*") {
			broad = true
		}
	}
	if broad {
		if rootOnly {
			add(LintBroadAction, SeverityInfo, "allows every KMS action to the account root, delegating to IAM policies (the default key policy does this)")
		} else {
			add(LintBroadAction, SeverityWarning, "allows every KMS action (kms:*, * or NotAction); list the actions needed")
		}
	}
	if len(s.Principal.Values(PrincipalAWS)) > 0 && serviceIntegration(s.Condition) && !positiveCondition(s.Condition, "kms:ViaService") {
		add(LintMissingViaService, SeverityWarning, "conditions are for requests made through an AWS service but kms:ViaService is not required, so the caller can also use the key directly")
	}
}

// invalidPrincipal describes the first principal value of p that AWS does
// not accept, or returns "".
func invalidPrincipal(p *Principal) string {
	if p == nil {
		return ""
	}
	for _, e := range p.Entries {
		for _, v := range e.Values.Values {
			switch e.Type {
			case PrincipalAWS:
				if v == "*" || isAccountID(v) {
					continue
				}
				if !strings.HasPrefix(v, "arn:") || strings.Count(v, ":") < 5 {
					return "AWS principal " + strconv.Quote(v) + " is neither \"*\", an account id nor an ARN; it matches nobody"
				}
				if strings.ContainsAny(v, "*?") {
					return "AWS principal " + strconv.Quote(v) + " has a wildcard; principals take only the whole \"*\", so it matches nobody"
				}
			case PrincipalService:
				if strings.ContainsAny(v, "*?") {
					return "service principal " + strconv.Quote(v) + " has a wildcard; name the service, such as " + ServicePrincipalName
				}
			}
		}
	}
	return ""
}

// narrowsCaller reports whether c limits who the caller is.
func narrowsCaller(c Condition) bool {
	for _, k := range []string{
		"aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
		"kms:CallerAccount", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths",
		"aws:userid", "aws:username", "aws:SourceVpc", "aws:SourceVpce",
	} {
		if positiveCondition(c, k) {
			return true
		}
	}
	return false
}

// serviceIntegration reports whether c uses keys that only requests made
// through an AWS service carry. The batch-evaluation encryption context is
// not one of them: the documented caller statement uses it without
// kms:ViaService.
func serviceIntegration(c Condition) bool {
	for _, op := range c {
		for _, k := range op.Keys {
			switch {
			case equalFold(k.Key, "kms:GrantConstraintType"), equalFold(k.Key, "kms:GrantIsForAWSResource"),
				equalFold(k.Key, "aws:SourceAccount"), equalFold(k.Key, "aws:SourceArn"),
				equalFold(k.Key, "kms:EncryptionContext:"+PolicyEngineContextKey):
				return true
			}
		}
	}
	return false
}

// positiveCondition reports whether c requires key to be present with a
// value: a known, non-negated operator without IfExists or ForAllValues,
// none of whose values is a wildcard that accepts every value.
func positiveCondition(c Condition, key string) bool {
	for _, op := range c {
		o, ok := parseOperator(op.Operator)
		if !ok || o.negated || o.ifExists || o.set == setAllValues || o.base == opNull {
			continue
		}
		for _, k := range op.Keys {
			if equalFold(k.Key, key) && !slices.ContainsFunc(k.Values.Values, o.acceptsAll) {
				return true
			}
		}
	}
	return false
}

// acceptsAll reports whether policy value v matches every request value
// under o, such as "*" for StringLike or ArnLike: a condition with such a
// value (the values are ORed) narrows nothing.
func (o operator) acceptsAll(v string) bool {
	onlyStars := func(s string) bool { return strings.Trim(s, "*") == "" && s != "" }
	switch o.base {
	case opStringLike:
		return onlyStars(v)
	case opArnLike, opArnEquals:
		if v == "*" {
			return true
		}
		parts := strings.SplitN(v, ":", 6)
		if len(parts) != 6 || parts[0] != "arn" {
			return false
		}
		for _, p := range parts[1:] {
			if !onlyStars(p) {
				return false
			}
		}
		return true
	}
	return false
}

// firstVariable returns the first Resource, NotResource or condition value
// of s that holds "${", or "".
func firstVariable(s *Statement) string {
	for _, vs := range [][]string{s.Resource.Values, s.NotResource.Values} {
		for _, v := range vs {
			if hasVariable(v) {
				return v
			}
		}
	}
	for _, op := range s.Condition {
		for _, k := range op.Keys {
			for _, v := range k.Values.Values {
				if hasVariable(v) {
					return v
				}
			}
		}
	}
	return ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}
