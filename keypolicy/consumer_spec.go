package keypolicy

import (
	"slices"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// consumerSpec is the part of a consumer's description that the generator
// and the requirements are made from. Values are templates; see
// resolved.replacer for the placeholders.
type consumerSpec struct {
	// sampleID is the resource id requests use when ResourceARN is empty.
	sampleID string
	// narrowIn, if set, is the only variant that narrows.
	narrowIn string
	// needsPrincipal: Principal must be given (the token vault).
	needsPrincipal bool
	// docID is the policy's documented Id, if any.
	docID      string
	statements []stmtSpec
	requests   []reqSpec
}

// Principal templates of a stmtSpec.
const (
	prCaller  = "caller"  // Params.Principal, or the account root
	prSecond  = "second"  // Params.ExecutionRole or Params.ServiceRole
	prChosen  = "chosen"  // Params.Principal, absent in the documented form
	prService = "service" // stmtSpec.service
	prNone    = ""        // an identity policy
)

type stmtSpec struct {
	sid string
	// variants, if set, are the only variants with this statement ("" is
	// the main policy).
	variants  []string
	principal string
	service   string
	action    Strings
	resource  Strings // if zero, "*"
	condition []opSpec
}

type opSpec struct {
	op   string
	keys []keySpec
}

type keySpec struct {
	key    string
	values Strings
}

type reqSpec struct {
	id     string
	caller CallerKind
	// service is the service principal of a CallerService request.
	service string
	action  string
	sid     string
	// sidIn overrides sid in a variant.
	sidIn map[string]string
	// context holds the keys of the request; variantContext adds keys in
	// a variant.
	context        []ctxSpec
	variantContext map[string][]ctxSpec
	desc           string
}

type ctxSpec struct {
	key    string
	values []string
}

func ctx(key string, values ...string) ctxSpec { return ctxSpec{key: key, values: values} }

func ecKey(contextKey string) string { return "kms:EncryptionContext:" + contextKey }

// resolved is a consumer with validated parameters.
type resolved struct {
	c          *Consumer
	t          target
	variant    string
	second     string
	documented bool
	repl       *strings.Replacer
}

// resolve validates p for c. documented allows the token vault's form
// without a principal.
func (c *Consumer) resolve(p Params, documented bool) (*resolved, error) {
	spec := &c.spec
	if spec.needsPrincipal && p.Principal == "" && !documented {
		return nil, &ParamError{Field: "Principal", Value: "", Reason: "is required for the " + c.Name + ": its documented key policy names no principal and the documentation does not say which one a working policy needs, so choose it (such as the account root arn:aws:iam::ACCOUNT:root)"}
	}
	t, err := newTarget(p.Account, p.Region, p.Partition, p.Principal)
	if err != nil {
		return nil, err
	}
	if p.Variant != "" && !slices.Contains(c.Variants, p.Variant) {
		reason := "is not a documented variant of the " + c.Name + " policy"
		if len(c.Variants) > 0 {
			reason += "; want one of " + strings.Join(c.Variants, ", ")
		} else {
			reason += ", which has none"
		}
		return nil, &ParamError{Field: "Variant", Value: p.Variant, Reason: reason}
	}
	r := &resolved{c: c, t: t, variant: p.Variant, documented: documented && spec.needsPrincipal && p.Principal == ""}
	switch {
	case p.ResourceARN == "" && c.Narrowing == NarrowRequired:
		return nil, &ParamError{Field: "ResourceARN", Reason: "is required for the " + c.Name + ": its documentation shows the policy for one " + c.Resource + " ARN and documents no wildcard"}
	case p.ResourceARN == "":
	case c.Narrowing == NarrowNotDocumented:
		return nil, &ParamError{Field: "ResourceARN", Value: p.ResourceARN, Reason: "cannot narrow the " + c.Name + " policy: its documentation shows no narrowing to one resource"}
	case spec.narrowIn != "" && p.Variant != spec.narrowIn:
		return nil, &ParamError{Field: "ResourceARN", Value: p.ResourceARN, Reason: "narrows only the " + spec.narrowIn + " variant of the " + c.Name + " policy; set Variant " + spec.narrowIn}
	default:
		if err := t.checkResource("ResourceARN", p.ResourceARN, c.Resource); err != nil {
			return nil, err
		}
		r.t.resource = p.ResourceARN
	}
	switch c.SecondPrincipal {
	case "ExecutionRole":
		r.second = p.ExecutionRole
	case "ServiceRole":
		r.second = p.ServiceRole
	}
	if c.SecondPrincipal != "" {
		if r.second == "" {
			return nil, &ParamError{Field: c.SecondPrincipal, Reason: "is required for the " + c.Name + ": the ARN of the IAM role its key policy names"}
		}
		if err := checkRole(c.SecondPrincipal, r.second, t.partition.ID); err != nil {
			return nil, err
		}
	}
	r.repl = r.replacer()
	return r, nil
}

// replacer expands the placeholders of templates:
//
//	{p} partition, {r} Region, {a} account, {dns} DNS suffix,
//	{via} bedrock-agentcore.REGION.DNS, {idvia} bedrock-agentcore-identity.REGION.DNS,
//	{scope} the resource ARN, or arn:{p}:bedrock-agentcore:{r}:{a}:TYPE/*,
//	{anyscope} the resource ARN, or arn:aws*:bedrock-agentcore:*:*:TYPE/*,
//	{res} the resource ARN, or the sample resource ARN.
func (r *resolved) replacer() *strings.Replacer {
	t := r.t
	typ := r.c.Resource
	scope, anyScope, res := t.resourceARN(typ), "arn:aws*:"+ServiceName+":*:*:"+typ+"/*", t.sampleARN(typ, r.c.spec.sampleID)
	if t.resource != "" {
		scope, anyScope, res = t.resource, t.resource, t.resource
	}
	return strings.NewReplacer(
		"{p}", t.partition.ID, "{r}", t.region, "{a}", t.account, "{dns}", t.partition.DNSSuffix,
		"{via}", t.viaService(), "{idvia}", t.partition.ServiceHost(agentcore.IdentityViaServiceName, t.region),
		"{scope}", scope, "{anyscope}", anyScope, "{res}", res,
	)
}

func (r *resolved) expand(s Strings) Strings {
	if s.Values == nil {
		return s
	}
	out := Strings{Values: make([]string, len(s.Values)), Single: s.Single}
	for i, v := range s.Values {
		out.Values[i] = r.repl.Replace(v)
	}
	return out
}

func (r *resolved) inVariant(variants []string) bool {
	return variants == nil || slices.Contains(variants, r.variant)
}

func (r *resolved) document() *Document {
	var stmts []Statement
	for i := range r.c.spec.statements {
		s := &r.c.spec.statements[i]
		if r.inVariant(s.variants) {
			stmts = append(stmts, r.statement(s))
		}
	}
	d := &Document{Version: Version2012, ID: r.c.spec.docID, Statement: stmts}
	if d.ID != "" {
		// The token vault's page writes Id before Version.
		d.keys = []string{"Id", "Version", "Statement"}
	}
	return d
}

func (r *resolved) principal(s *stmtSpec) *Principal {
	switch s.principal {
	case prCaller:
		return AWSPrincipal(r.t.principal)
	case prSecond:
		return AWSPrincipal(r.second)
	case prChosen:
		if r.documented {
			return nil
		}
		return AWSPrincipal(r.t.principal)
	case prService:
		return ServicePrincipal(s.service)
	}
	return nil
}

func (r *resolved) statement(s *stmtSpec) Statement {
	out := Statement{
		Sid: s.sid, Effect: EffectAllow, Principal: r.principal(s),
		Action: r.expand(s.action), Resource: One("*"),
	}
	if !s.resource.IsZero() {
		out.Resource = r.expand(s.resource)
	}
	if s.condition == nil {
		return out
	}
	out.Condition = make(Condition, 0, len(s.condition))
	for _, op := range s.condition {
		keys := make([]ConditionKey, len(op.keys))
		for i, k := range op.keys {
			keys[i] = ConditionKey{Key: k.key, Values: r.expand(k.values)}
		}
		out.Condition = append(out.Condition, ConditionOperator{Operator: op.op, Keys: keys})
	}
	if r.c.Narrowing == NarrowStringEquals && r.t.resource != "" {
		out.Condition = narrowToEquals(s.condition, out.Condition)
	}
	return out
}

// narrowToEquals moves the keys whose template value is {scope} from
// StringLike to StringEquals: appended to the statement's StringEquals
// operator if it has one, or the StringLike operator renamed in place if it
// does not. spec and got are the template and its expansion.
func narrowToEquals(spec []opSpec, got Condition) Condition {
	equals := slices.IndexFunc(got, func(op ConditionOperator) bool { return op.Operator == "StringEquals" })
	var moved []ConditionKey
	like := -1
	for i, op := range spec {
		if op.op != "StringLike" {
			continue
		}
		like = i
		var keep []ConditionKey
		for j, k := range op.keys {
			if slices.ContainsFunc(k.values.Values, func(v string) bool { return strings.Contains(v, "{scope}") }) {
				moved = append(moved, got[i].Keys[j])
			} else {
				keep = append(keep, got[i].Keys[j])
			}
		}
		got[i].Keys = keep
	}
	if like < 0 || len(moved) == 0 {
		return got
	}
	if equals < 0 {
		got[like].Operator = "StringEquals"
		got[like].Keys = append(got[like].Keys, moved...)
		return got
	}
	got[equals].Keys = append(got[equals].Keys, moved...)
	if len(got[like].Keys) == 0 {
		got = slices.Delete(got, like, like+1)
	}
	return got
}

func (r *resolved) requirements() []Requirement {
	reqs := r.c.spec.requests
	out := make([]Requirement, 0, len(reqs))
	for i := range reqs {
		q := &reqs[i]
		m := map[string][]string{}
		add := func(cs []ctxSpec) {
			for _, c := range cs {
				vs := make([]string, len(c.values))
				for j, v := range c.values {
					vs[j] = r.repl.Replace(v)
				}
				m[c.key] = vs
			}
		}
		add(q.context)
		add(q.variantContext[r.variant])
		sid := q.sid
		if s, ok := q.sidIn[r.variant]; ok {
			sid = s
		}
		who := r.t.callerARN()
		switch q.caller {
		case CallerService:
			who = q.service
		case CallerRole:
			who = r.second
		}
		out = append(out, newRequirement(r.c.Name, q.id, q.caller, who, q.action, sid, q.desc, m))
	}
	return out
}

// checkRole accepts the ARN of an IAM role in partition for field.
func checkRole(field, role, partition string) error {
	if err := checkPrincipal(role, partition); err != nil {
		var pe *ParamError
		if asParamError(err, &pe) {
			pe.Field = field
		}
		return err
	}
	if !strings.Contains(role, ":role/") {
		return &ParamError{Field: field, Value: role, Reason: "must name an IAM role (arn:" + partition + ":iam::ACCOUNT:role/NAME)"}
	}
	return nil
}

func asParamError(err error, pe **ParamError) bool {
	p, ok := err.(*ParamError)
	if ok {
		*pe = p
	}
	return ok
}
