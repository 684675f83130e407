package keypolicy

import (
	"errors"
	"strconv"
	"strings"
)

// StatementRef names one statement of a key policy.
type StatementRef struct {
	Index int    // index into Document.Statement
	Sid   string // possibly empty
}

// String returns the Sid in quotes and the index, such as
// `"AllowCallerAccess" (#0)`, or only the index when there is no Sid.
func (r StatementRef) String() string {
	if r.Sid == "" {
		return "#" + strconv.Itoa(r.Index)
	}
	return strconv.Quote(r.Sid) + " (#" + strconv.Itoa(r.Index) + ")"
}

// Result is the verdict of a key policy on one [Requirement].
type Result struct {
	Requirement Requirement
	Decision    Decision
	// Deciding are the statements that decided (see Decision.Statements).
	Deciding []StatementRef
	// Reason says why the request is denied, or for AllowIfIAMAllows what
	// else must hold; empty for Allow, unless a Deny statement that applies
	// has a condition operator Evaluate does not know (see
	// Decision.Unsupported): then the allow is not certain, and Reason
	// names that statement.
	Reason string
	// Fix is a one-line change to the key policy that would satisfy the
	// requirement; empty when it is satisfied.
	Fix string

	undecidedDeny bool // a Deny statement in Decision.Unsupported
}

// OK reports whether the key policy lets the requirement through: Allow, or
// AllowIfIAMAllows (the caller's IAM policies must then allow it too). An
// OK result may still be [Result.Undecided].
func (r Result) OK() bool { return r.Decision.Allowed() }

// Undecided reports whether the requirement is allowed only if a Deny
// statement that cannot be evaluated (see [Decision.Unsupported]) does not
// match: whether AWS allows it is unknown.
func (r Result) Undecided() bool { return r.OK() && r.undecidedDeny }

// String returns one line: "ok" or "FAIL", the requirement, the verdict,
// the deciding statements, and the reason and fix if any.
func (r Result) String() string {
	var b strings.Builder
	if r.OK() {
		b.WriteString("ok   ")
	} else {
		b.WriteString("FAIL ")
	}
	b.WriteString(r.Requirement.String())
	b.WriteString(" (" + r.Requirement.Action + " by " + r.Requirement.Caller.String() + "): " + r.Decision.Verdict.String())
	if len(r.Deciding) > 0 {
		b.WriteString(" by ")
		for i, s := range r.Deciding {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(s.String())
		}
	}
	if r.Reason != "" {
		b.WriteString("; " + r.Reason)
	}
	if r.Fix != "" {
		b.WriteString("; fix: " + r.Fix)
	}
	return b.String()
}

// Analysis is the verdict of a key policy on a list of requirements.
// Each result is allowed ([Result.OK]), possibly only if IAM allows it too
// ([Analysis.NeedsIAM]) or only if a Deny that cannot be evaluated does not
// match ([Analysis.Undecided]), or denied ([Analysis.Failed]).
type Analysis struct {
	Results []Result // one per requirement, in order
}

// OK reports whether every requirement is allowed (possibly only if IAM
// allows it too, or only if a Deny that cannot be evaluated does not match:
// check [Analysis.Undecided] as well). An Analysis of no requirements is
// OK: pass the feature's requirements, not an empty list, to learn
// anything.
func (a Analysis) OK() bool {
	for _, r := range a.Results {
		if !r.OK() {
			return false
		}
	}
	return true
}

// Failed returns the results of the requirements that are denied.
func (a Analysis) Failed() []Result {
	var out []Result
	for _, r := range a.Results {
		if !r.OK() {
			out = append(out, r)
		}
	}
	return out
}

// NeedsIAM returns the results that are allowed only if the caller's IAM
// policies allow the request too ([AllowIfIAMAllows]).
func (a Analysis) NeedsIAM() []Result {
	var out []Result
	for _, r := range a.Results {
		if r.Decision.Verdict == AllowIfIAMAllows {
			out = append(out, r)
		}
	}
	return out
}

// Undecided returns the results that are allowed only if a Deny statement
// that cannot be evaluated does not match ([Result.Undecided]).
func (a Analysis) Undecided() []Result {
	var out []Result
	for _, r := range a.Results {
		if r.Undecided() {
			out = append(out, r)
		}
	}
	return out
}

// String returns one line per requirement, each ending in a newline.
func (a Analysis) String() string {
	var b strings.Builder
	for _, r := range a.Results {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Analyze evaluates every requirement's Request against doc with
// [Evaluate] and, for each one that fails, says why and how to fix it.
// Requirements come from [PolicyEngineRequirements] or
// [BatchEvaluationRequirements], or are written by hand.
//
// A nil doc allows nothing: every requirement fails, each with the fix of
// adding its documented statement.
//
// Analyze does not modify doc or reqs and is safe for concurrent use.
func Analyze(doc *Document, reqs []Requirement) Analysis {
	a := Analysis{Results: make([]Result, len(reqs))}
	for i, req := range reqs {
		d := Evaluate(doc, req.Request)
		r := Result{Requirement: req, Decision: d}
		if len(d.Statements) > 0 {
			r.Deciding = make([]StatementRef, len(d.Statements))
			for j, idx := range d.Statements {
				r.Deciding[j] = StatementRef{Index: idx, Sid: doc.Statement[idx].Sid}
			}
		}
		switch d.Verdict {
		case AllowIfIAMAllows:
			r.Reason = "the key policy delegates to the account's IAM policies, which must allow " + req.Action + " for " + callerName(req.Request)
			if d.CrossAccount {
				_, key := resourceAccount(req.Request.Resource)
				r.Reason = "the caller is in account " + parseIdentity(req.Request.Principal).account + ", not the key's account " + key +
					": for cross-account access KMS requires the caller's IAM policies to allow " + req.Action + " too"
			}
		case ExplicitDeny:
			r.Reason = "a Deny statement matches the request"
			r.Fix = "narrow or remove Deny statement " + r.Deciding[0].String() + " so that it no longer matches this request"
		case ImplicitDeny:
			if d.Err != nil {
				r.Reason, r.Fix = invalidRequest(d.Err)
				break
			}
			r.Reason, r.Fix = explainDenial(doc, req)
		}
		r.undecidedDeny = unsupportedDeny(doc, d.Unsupported)
		switch {
		case len(d.Unsupported) > 0 && r.Reason != "":
			r.Reason += "; statements that cannot be evaluated were taken as not matching: " + unsupportedList(d.Unsupported)
		case d.Allowed() && r.undecidedDeny:
			// The Deny was taken as not matching; it may deny in AWS.
			r.Reason = "allowed only if the Deny statements that cannot be evaluated do not match; they were taken as not matching: " + unsupportedList(d.Unsupported)
		}
		a.Results[i] = r
	}
	return a
}

// invalidRequest gives the reason and fix for a request Evaluate rejected.
func invalidRequest(err error) (reason, fix string) {
	reason = "the request is invalid: " + strings.TrimPrefix(err.Error(), "keypolicy: ")
	var re *RequestError
	if errors.As(err, &re) {
		reason = "the request is invalid: its " + re.Field + " " + strconv.Quote(re.Value) + ": " + re.Reason
	}
	return reason, "correct the requirement's request; the key policy was not evaluated"
}

// unsupportedDeny reports whether one of us is in a Deny statement.
func unsupportedDeny(doc *Document, us []UnsupportedOperator) bool {
	for _, u := range us {
		if doc.Statement[u.Statement].Effect == EffectDeny {
			return true
		}
	}
	return false
}

func callerName(req Request) string {
	if req.Service != "" {
		return req.Service
	}
	return req.Principal
}

func unsupportedList(us []UnsupportedOperator) string {
	parts := make([]string, len(us))
	for i, u := range us {
		parts[i] = u.String()
	}
	return strings.Join(parts, ", ")
}

// explainDenial finds the statement meant for the requirement (by Sid) and
// says why it does not apply and how to change it; without one, it names
// the closest Allow statement and says to add the documented statement.
func explainDenial(doc *Document, req Requirement) (reason, fix string) {
	results := Explain(doc, req.Request)
	target := -1
	for i, r := range results {
		if r.Sid == req.Statement && r.Sid != "" && r.Effect != EffectDeny {
			target = i
			break
		}
	}
	addFix := "add statement " + strconv.Quote(req.Statement) + generatorHint(req.Feature)
	if req.Statement == "" {
		addFix = "add a statement that allows " + req.Action + " for " + callerName(req.Request)
	}
	if target < 0 {
		// No statement is meant for this request. The Allow statement that
		// got furthest (past principal and action) is named in the reason,
		// but changing it could break what it is for, so the fix is to add
		// the documented statement.
		closest, best := -1, stageAction
		for i, r := range results {
			if r.Effect == EffectAllow && r.stage > best {
				closest, best = i, r.stage
			}
		}
		reason = "no statement allows " + req.Action + " for " + callerName(req.Request)
		if closest >= 0 {
			r := results[closest]
			reason += "; the closest, " + StatementRef{Index: r.Index, Sid: r.Sid}.String() + ", does not apply: " + r.Reason
		}
		return reason, addFix
	}
	r := results[target]
	ref := StatementRef{Index: r.Index, Sid: r.Sid}.String()
	s := &doc.Statement[target]
	reason = "statement " + ref + " does not apply: " + r.Reason
	switch r.stage {
	case stageEffect:
		fix = "set the Effect of statement " + ref + ` to "Allow"`
	case stagePrincipal:
		if s.Principal != nil {
			fix = "name " + callerName(req.Request) + " in the Principal of statement " + ref
		} else {
			fix = "replace the NotPrincipal of statement " + ref + " with a Principal naming " + callerName(req.Request)
		}
	case stageAction:
		fix = "add " + strconv.Quote(req.Action) + " to the Action of statement " + ref
	case stageResource:
		fix = `set the Resource of statement ` + ref + ` to "*"`
		if req.Request.Resource == "" {
			fix = "give the requirement's Request.Resource the key ARN, or set the Resource of statement " + ref + ` to "*"`
		}
	case stageCondition:
		fix = conditionFix(doc, s, req.Request, ref)
	}
	return reason, fix
}

// conditionFix names the first condition of s that rejects req.
func conditionFix(doc *Document, s *Statement, req Request, ref string) string {
	for _, op := range s.Condition {
		o, ok := parseOperator(op.Operator)
		if !ok {
			return "replace the unsupported condition operator " + strconv.Quote(op.Operator) + " in statement " + ref
		}
		for _, k := range op.Keys {
			if o.undecidable(k.Key) {
				return "write ForAllValues:" + op.Operator + " (every value must match) or ForAnyValue:" + op.Operator + " (one value must match) for the multivalued key " + k.Key + " in statement " + ref
			}
		}
	}
	c := newCaller(req)
	e := newEnv(doc, &req, &c)
	for _, op := range s.Condition {
		o, _ := parseOperator(op.Operator)
		for _, k := range op.Keys {
			vals, present := e.get(k.Key)
			if o.holds(k.Values.Values, vals, present, &e) {
				continue
			}
			if !present {
				return "remove the condition " + op.Operator + " on " + k.Key + " from statement " + ref + ": the request does not carry " + k.Key
			}
			return "make the condition " + op.Operator + " on " + k.Key + " in statement " + ref + " accept " + quoteList(vals)
		}
	}
	return "change the conditions of statement " + ref
}

func generatorHint(feature string) string {
	switch feature {
	case FeaturePolicyEngine:
		return " as keypolicy.ForPolicyEngine writes it (keypolicy.Merge adds it to an existing policy)"
	case FeatureBatchEvaluation:
		return " as keypolicy.ForBatchEvaluation writes it (keypolicy.Merge adds it to an existing policy)"
	}
	if _, ok := ConsumerByName(feature); ok {
		return " as keypolicy.For(\"" + feature + "\", ...) writes it (keypolicy.Merge adds it to an existing policy)"
	}
	return " that allows this request"
}
