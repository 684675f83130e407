package keypolicy

import (
	"slices"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// consumerSpec holds the templates a consumer's generator and requirements
// are made from; see resolved.value for the placeholders. A spec is
// built for each call and expanded in place.
type consumerSpec struct {
	// sampleID is the resource id requests use when ResourceARN is empty.
	sampleID string
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
	condition Condition
}

type reqSpec struct {
	id     string
	caller CallerKind
	// service is the service principal of a CallerService request.
	service string
	action  string
	sid     string
	// In variant, the request is allowed by variantSid (if set) and
	// carries variantContext too.
	variant, variantSid string
	// context holds the keys of the request.
	context        []ctxSpec
	variantContext []ctxSpec
	desc           string
	// unconfirmed: documented on one page and not another; see
	// UnconfirmedRequirementsFor.
	unconfirmed bool
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
	spec       consumerSpec
	t          target
	variant    string
	second     string
	documented bool
}

// resolve validates p for the consumer named c.Name, as the model describes
// it (fields of c other than Name are not read). documented allows the
// token vault's form without a principal; withRequests builds the request
// templates too.
func (c *Consumer) resolve(p Params, documented, withRequests bool) (*resolved, error) {
	build := consumerBuilder(c.Name)
	if build == nil {
		return nil, &ParamError{Field: "consumer", Value: c.Name, Reason: "is not a consumer; want one of " + strings.Join(ConsumerNames(), ", ")}
	}
	model, specOf := build()
	c = &model // the model, whatever the caller's copy says
	spec := specOf(withRequests)
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
	r := &resolved{c: c, spec: spec, t: t, variant: p.Variant, documented: documented && spec.needsPrincipal && p.Principal == ""}
	switch {
	case p.ResourceARN == "" && c.Narrowing == NarrowRequired:
		return nil, &ParamError{Field: "ResourceARN", Reason: "is required for the " + c.Name + ": its documentation shows the policy for one " + c.Resource + " ARN and documents no wildcard"}
	case p.ResourceARN == "":
	case c.Narrowing == NarrowNotDocumented:
		return nil, &ParamError{Field: "ResourceARN", Value: p.ResourceARN, Reason: "cannot narrow the " + c.Name + " policy: its documentation shows no narrowing to one resource"}
	case c.NarrowVariant != "" && p.Variant != c.NarrowVariant:
		return nil, &ParamError{Field: "ResourceARN", Value: p.ResourceARN, Reason: "narrows only the " + c.NarrowVariant + " variant of the " + c.Name + " policy; set Variant " + c.NarrowVariant}
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
	if c.OptionalPrincipal == "ExecutionRole" && p.ExecutionRole != "" {
		if err := checkRole(c.OptionalPrincipal, p.ExecutionRole, t.partition.ID); err != nil {
			return nil, err
		}
		r.second = p.ExecutionRole
	}
	if c.SecondPrincipal != "" {
		if r.second == "" {
			return nil, &ParamError{Field: c.SecondPrincipal, Reason: "is required for the " + c.Name + ": the ARN of the IAM role its key policy names"}
		}
		if err := checkRole(c.SecondPrincipal, r.second, t.partition.ID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// value returns the value of placeholder name in templates:
//
//	{p} partition, {r} Region, {a} account, {dns} DNS suffix,
//	{via} bedrock-agentcore.REGION.DNS, {idvia} bedrock-agentcore-identity.REGION.DNS,
//	{scope} the resource ARN, or arn:{p}:bedrock-agentcore:{r}:{a}:TYPE/*,
//	{anyscope} the resource ARN, or arn:aws*:bedrock-agentcore:*:*:TYPE/*,
//	{res} the resource ARN, or the sample resource ARN.
func (r *resolved) value(name string) (string, bool) {
	t := &r.t
	narrowed := t.resource != ""
	switch name {
	case "p":
		return t.partition.ID, true
	case "r":
		return t.region, true
	case "a":
		return t.account, true
	case "dns":
		return t.partition.DNSSuffix, true
	case "via":
		return t.viaService(), true
	case "idvia":
		return t.partition.ServiceHost(agentcore.IdentityViaServiceName, t.region), true
	case "scope":
		if narrowed {
			return t.resource, true
		}
		return t.resourceARN(r.c.Resource), true
	case "anyscope":
		if narrowed {
			return t.resource, true
		}
		return "arn:aws*:" + ServiceName + ":*:*:" + r.c.Resource + "/*", true
	case "res":
		if narrowed {
			return t.resource, true
		}
		return t.sampleARN(r.c.Resource, r.spec.sampleID), true
	}
	return "", false
}

// replace expands the placeholders in v. Text in braces that is not a
// placeholder, such as the policy variable ${aws:PrincipalAccount}, is kept.
func (r *resolved) replace(v string) string {
	i := strings.IndexByte(v, '{')
	if i < 0 {
		return v
	}
	if i == 0 && strings.IndexByte(v, '}') == len(v)-1 {
		if val, ok := r.value(v[1 : len(v)-1]); ok {
			return val // the common case: the whole value is one placeholder
		}
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '}')
		if j < 0 {
			break
		}
		if val, ok := r.value(v[i+1 : i+j]); ok {
			b.WriteString(v[:i])
			b.WriteString(val)
		} else {
			b.WriteString(v[:i+j+1])
		}
		v = v[i+j+1:]
	}
	b.WriteString(v)
	return b.String()
}

// expand expands the placeholders of s in place.
func (r *resolved) expand(s Strings) Strings {
	for i, v := range s.Values {
		s.Values[i] = r.replace(v)
	}
	return s
}

func (r *resolved) inVariant(variants []string) bool {
	return variants == nil || slices.Contains(variants, r.variant)
}

func (r *resolved) document() *Document {
	stmts := make([]Statement, 0, len(r.spec.statements))
	for i := range r.spec.statements {
		s := &r.spec.statements[i]
		if r.inVariant(s.variants) {
			stmts = append(stmts, r.statement(s))
		}
	}
	d := &Document{Version: Version2012, ID: r.spec.docID, Statement: stmts}
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
	if r.c.Narrowing == NarrowStringEquals && r.t.resource != "" {
		s.condition = narrowToEquals(s.condition)
	}
	for _, op := range s.condition {
		for i := range op.Keys {
			op.Keys[i].Values = r.expand(op.Keys[i].Values)
		}
	}
	out.Condition = s.condition
	return out
}

// narrowToEquals moves the keys whose value is the {scope} template from
// StringLike to StringEquals: appended to the statement's StringEquals
// operator if it has one, or the StringLike operator renamed in place if it
// does not.
func narrowToEquals(c Condition) Condition {
	equals := slices.IndexFunc(c, func(op ConditionOperator) bool { return op.Operator == "StringEquals" })
	like := slices.IndexFunc(c, func(op ConditionOperator) bool { return op.Operator == "StringLike" })
	if like < 0 {
		return c
	}
	var moved, keep []ConditionKey
	for _, k := range c[like].Keys {
		if slices.ContainsFunc(k.Values.Values, func(v string) bool { return strings.Contains(v, "{scope}") }) {
			moved = append(moved, k)
		} else {
			keep = append(keep, k)
		}
	}
	switch {
	case len(moved) == 0:
	case equals < 0:
		c[like] = ConditionOperator{Operator: "StringEquals", Keys: append(keep, moved...)}
	case len(keep) == 0:
		c[equals].Keys = append(c[equals].Keys, moved...)
		c = slices.Delete(c, like, like+1)
	default:
		c[equals].Keys = append(c[equals].Keys, moved...)
		c[like].Keys = keep
	}
	return c
}

// filterRequirements returns the requirements whose unconfirmed flag is
// unconfirmed; those of a role that was not given are left out.
func (r *resolved) filterRequirements(unconfirmed bool) []Requirement {
	reqs := r.spec.requests
	out := make([]Requirement, 0, len(reqs))
	for i := range reqs {
		q := &reqs[i]
		if q.unconfirmed != unconfirmed || q.caller == CallerRole && r.second == "" {
			continue
		}
		m := make(map[string][]string, len(q.context)+len(q.variantContext)+4)
		add := func(cs []ctxSpec) {
			for _, c := range cs {
				// A copy per request: templates share their slices.
				vs := make([]string, len(c.values))
				for j, v := range c.values {
					vs[j] = r.replace(v)
				}
				m[c.key] = vs
			}
		}
		add(q.context)
		sid := q.sid
		if q.variant != "" && q.variant == r.variant {
			add(q.variantContext)
			if q.variantSid != "" {
				sid = q.variantSid
			}
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
