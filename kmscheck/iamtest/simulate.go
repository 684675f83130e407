package iamtest

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Limits of SimulatePrincipalPolicy, from the IAM API reference.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

// source is one policy taking part in a simulation.
type source struct {
	id  string
	typ types.PolicySourceType
	pol *policy
}

// matched returns the simulation's statements for the indexes of src.
func (s source) matched(idx []int) []types.Statement {
	spans := s.pol.spans
	out := make([]types.Statement, 0, len(idx))
	for _, i := range idx {
		st := types.Statement{SourcePolicyId: aws.String(s.id), SourcePolicyType: s.typ}
		if i < len(spans) {
			start, end := spans[i].start, spans[i].end
			st.StartPosition, st.EndPosition = &start, &end
		}
		out = append(out, st)
	}
	return out
}

// simulation is a validated SimulatePrincipalPolicy request.
type simulation struct {
	caller    string // the principal the policies are evaluated for
	identity  []source
	boundary  *source
	scp       *policy
	resource  *keypolicy.Document // nil without ResourcePolicy
	resSpans  []span
	owner     string // ResourceOwner's account, or ""
	context   map[string][]string
	resources []string
}

// SimulatePrincipalPolicy simulates the policies of the role or user
// PolicySourceArn (with PolicyInputList, the permissions boundary or
// PermissionsBoundaryPolicyInputList, the service control policy, and
// ResourcePolicy) for each action in ActionNames on each resource in
// ResourceArns, as the package documentation describes. MaxItems and
// Marker page through the results, one per action.
func (m *IAM) SimulatePrincipalPolicy(ctx context.Context, params *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	return serve(ctx, m, "SimulatePrincipalPolicy", params, m.simulate)
}

func (m *IAM) simulate(in *iam.SimulatePrincipalPolicyInput) (*iam.SimulatePrincipalPolicyOutput, error) {
	if len(in.ActionNames) == 0 {
		return nil, invalidInput("ActionNames must contain at least one action.")
	}
	for _, a := range in.ActionNames {
		svc, name, ok := strings.Cut(a, ":")
		if !ok || svc == "" || name == "" || len(a) < 3 || len(a) > 128 {
			return nil, invalidInput("Action name " + strconv.Quote(a) + " must be service:Action, such as kms:Decrypt.")
		}
	}
	sim, err := m.prepare(in)
	if err != nil {
		return nil, err
	}
	start, limit := 0, defaultMaxItems
	if in.MaxItems != nil {
		if *in.MaxItems < 1 || *in.MaxItems > maxMaxItems {
			return nil, invalidInput("MaxItems must be between 1 and 1000.")
		}
		limit = int(*in.MaxItems)
	}
	if mk := aws.ToString(in.Marker); mk != "" {
		n, err := strconv.Atoi(mk)
		if err != nil || n < 0 || n > len(in.ActionNames) {
			return nil, invalidInput("Marker " + strconv.Quote(mk) + " is not valid.")
		}
		start = n
	}
	end := min(start+limit, len(in.ActionNames))
	out := &iam.SimulatePrincipalPolicyOutput{EvaluationResults: []types.EvaluationResult{}}
	for _, action := range in.ActionNames[start:end] {
		out.EvaluationResults = append(out.EvaluationResults, sim.evaluate(action))
	}
	if end < len(in.ActionNames) {
		out.IsTruncated, out.Marker = true, aws.String(strconv.Itoa(end))
	}
	return out, nil
}

// prepare checks the request and gathers its policies.
func (m *IAM) prepare(in *iam.SimulatePrincipalPolicyInput) (*simulation, error) {
	srcARN := aws.ToString(in.PolicySourceArn)
	a, err := arn.Parse(srcARN)
	if err != nil {
		return nil, invalidInput("PolicySourceArn " + strconv.Quote(srcARN) + " is not an ARN.")
	}
	kind, _, _ := strings.Cut(a.Resource, "/")
	switch {
	case a.Service == "sts":
		return nil, invalidInput("PolicySourceArn must be the ARN of a user, group or role, not " + strconv.Quote(srcARN) + "; simulate a session as its role.")
	case a.Service != "iam" || (kind != "role" && kind != "user" && kind != "group"):
		return nil, invalidInput("PolicySourceArn must be the ARN of a user, group or role, not " + strconv.Quote(srcARN) + ".")
	case kind == "group":
		return nil, invalidInput("iamtest does not model groups: " + srcARN)
	}
	callerARN := aws.ToString(in.CallerArn)
	if callerARN != "" {
		c, err := arn.Parse(callerARN)
		if err != nil || c.Service != "iam" || !strings.HasPrefix(c.Resource, "user/") {
			return nil, invalidInput("CallerArn must be the ARN of an IAM user, not " + strconv.Quote(callerARN) + ".")
		}
	}
	if in.ResourcePolicy != nil && callerARN == "" && kind != "user" {
		return nil, invalidInput("CallerArn is required when you include a ResourcePolicy and PolicySourceArn is not an IAM user.")
	}
	if len(in.PermissionsBoundaryPolicyInputList) > 1 {
		return nil, invalidInput("PermissionsBoundaryPolicyInputList can hold only one policy.")
	}
	sim := &simulation{caller: callerARN, resources: in.ResourceArns, context: map[string][]string{}}
	if len(sim.resources) == 0 {
		sim.resources = []string{"*"}
	}
	for _, ce := range in.ContextEntries {
		name := aws.ToString(ce.ContextKeyName)
		if name == "" {
			return nil, invalidInput("A context entry has no ContextKeyName.")
		}
		if !knownContextType(ce.ContextKeyType) {
			return nil, invalidInput("ContextKeyType " + strconv.Quote(string(ce.ContextKeyType)) + " of " + name + " is not valid.")
		}
		sim.context[name] = append(sim.context[name], ce.ContextKeyValues...)
	}
	if owner := aws.ToString(in.ResourceOwner); owner != "" {
		o, err := arn.Parse(owner)
		if err != nil || o.AccountID == "" {
			return nil, invalidInput(strconv.Quote(owner) + " is not valid as a Resource Owner.")
		}
		sim.owner = o.AccountID
	}
	if in.ResourcePolicy != nil {
		doc, err := keypolicy.Parse([]byte(*in.ResourcePolicy))
		if err != nil {
			return nil, invalidInput("ResourcePolicy is not a valid policy: " + strings.TrimPrefix(err.Error(), "keypolicy: "))
		}
		sim.resource, sim.resSpans = doc, statementSpans(*in.ResourcePolicy)
	}
	var extra []source
	for i, text := range in.PolicyInputList {
		p, err := parsePolicy(text, maxSimulationPolicyChars)
		if err != nil {
			return nil, invalidInput("PolicyInputList." + strconv.Itoa(i+1) + ": " + errorMessage(err))
		}
		extra = append(extra, source{id: "PolicyInputList." + strconv.Itoa(i+1), typ: types.PolicySourceTypeNone, pol: p})
	}
	var boundaryIn *source
	if len(in.PermissionsBoundaryPolicyInputList) == 1 {
		p, err := parsePolicy(in.PermissionsBoundaryPolicyInputList[0], maxSimulationPolicyChars)
		if err != nil {
			return nil, invalidInput("PermissionsBoundaryPolicyInputList.1: " + errorMessage(err))
		}
		boundaryIn = &source{id: "PermissionsBoundaryPolicyInputList.1", typ: types.PolicySourceTypeNone, pol: p}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if a.Partition != m.opts.Partition || a.AccountID != m.opts.Account {
		return nil, noSuchEntity("The " + kind + " " + srcARN + " cannot be found.")
	}
	name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	e, err := m.lookupLocked(kind, name)
	if err != nil || e.arn != srcARN {
		return nil, noSuchEntity("The " + kind + " with ARN " + srcARN + " cannot be found.")
	}
	if sim.caller == "" {
		sim.caller = e.arn
	}
	typ := types.PolicySourceTypeRole
	if kind == "user" {
		typ = types.PolicySourceTypeUser
	}
	for _, np := range e.inline {
		sim.identity = append(sim.identity, source{id: np.name, typ: typ, pol: np.pol})
	}
	for _, pa := range e.attached {
		sim.identity = append(sim.identity, source{id: pa, typ: types.PolicySourceTypeUserManaged, pol: m.policies[pa].pol})
	}
	sim.identity = append(sim.identity, extra...)
	switch {
	case boundaryIn != nil:
		sim.boundary = boundaryIn
	case e.boundary != "":
		sim.boundary = &source{id: e.boundary, typ: types.PolicySourceTypeUserManaged, pol: m.policies[e.boundary].pol}
	}
	sim.scp = m.scp
	return sim, nil
}

func knownContextType(t types.ContextKeyTypeEnum) bool {
	if t == "" {
		return false
	}
	for _, v := range t.Values() {
		if v == t {
			return true
		}
	}
	return false
}

func errorMessage(err error) string {
	if f, ok := err.(interface{ ErrorMessage() string }); ok {
		return f.ErrorMessage()
	}
	return err.Error()
}

// rank orders decisions from least to most restrictive.
func rank(d types.PolicyEvaluationDecisionType) int {
	switch d {
	case types.PolicyEvaluationDecisionTypeAllowed:
		return 0
	case types.PolicyEvaluationDecisionTypeImplicitDeny:
		return 1
	}
	return 2
}

// evaluate decides one action on every resource.
func (s *simulation) evaluate(action string) types.EvaluationResult {
	res := types.EvaluationResult{
		EvalActionName: aws.String(action), EvalDecision: types.PolicyEvaluationDecisionTypeAllowed,
		MatchedStatements: []types.Statement{}, MissingContextValues: []string{},
	}
	for _, r := range s.resources {
		rr := s.decide(action, r)
		res.ResourceSpecificResults = append(res.ResourceSpecificResults, rr.ResourceSpecificResult)
		if rank(rr.EvalResourceDecision) > rank(res.EvalDecision) {
			res.EvalDecision = rr.EvalResourceDecision
		}
		res.MatchedStatements = append(res.MatchedStatements, rr.MatchedStatements...)
		if rr.PermissionsBoundaryDecisionDetail != nil {
			if res.PermissionsBoundaryDecisionDetail == nil || !rr.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
				res.PermissionsBoundaryDecisionDetail = rr.PermissionsBoundaryDecisionDetail
			}
		}
		if rr.org != nil && (res.OrganizationsDecisionDetail == nil || !rr.org.AllowedByOrganizations) {
			res.OrganizationsDecisionDetail = rr.org
		}
	}
	if len(s.resources) == 1 {
		res.EvalResourceName = aws.String(s.resources[0])
	} else {
		res.EvalResourceName = aws.String("*")
	}
	return res
}

type resourceResult struct {
	types.ResourceSpecificResult
	org *types.OrganizationsDecisionDetail
}

// decide applies the evaluation logic to one action on one resource.
func (s *simulation) decide(action, resource string) resourceResult {
	req := keypolicy.Request{Principal: s.caller, Action: action, Context: s.context}
	if resource != "*" {
		req.Resource = resource
	}
	out := resourceResult{ResourceSpecificResult: types.ResourceSpecificResult{
		EvalResourceName: aws.String(resource), MatchedStatements: []types.Statement{}, MissingContextValues: []string{},
	}}
	var denies, allows []types.Statement
	identityAllows := false
	for _, src := range s.identity {
		d := keypolicy.EvaluateIdentity(src.pol.doc, req)
		switch d.Verdict {
		case keypolicy.ExplicitDeny:
			denies = append(denies, src.matched(d.Statements)...)
		case keypolicy.Allow:
			identityAllows = true
			allows = append(allows, src.matched(d.Statements)...)
		}
	}
	boundaryAllows := true
	if s.boundary != nil {
		d := keypolicy.EvaluateIdentity(s.boundary.pol.doc, req)
		if d.Verdict == keypolicy.ExplicitDeny {
			denies = append(denies, s.boundary.matched(d.Statements)...)
		}
		boundaryAllows = d.Verdict == keypolicy.Allow
		out.PermissionsBoundaryDecisionDetail = &types.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: boundaryAllows}
	}
	orgAllows := true
	if s.scp != nil {
		// SCP statements are not reported among the matched statements.
		d := keypolicy.EvaluateIdentity(s.scp.doc, req)
		orgAllows = d.Verdict == keypolicy.Allow
		out.org = &types.OrganizationsDecisionDetail{AllowedByOrganizations: orgAllows}
	}
	resourceAllows, resourceDelegates := false, false
	if s.resource != nil {
		d := keypolicy.Evaluate(s.resource, req)
		src := source{id: "ResourcePolicy", typ: types.PolicySourceTypeResource, pol: &policy{doc: s.resource, spans: s.resSpans}}
		switch {
		case d.Verdict == keypolicy.ExplicitDeny:
			denies = append(denies, src.matched(d.Statements)...)
		case d.Verdict == keypolicy.Allow:
			resourceAllows = true
			allows = append(allows, src.matched(d.Statements)...)
		case d.Allowed():
			resourceDelegates = true
			allows = append(allows, src.matched(d.Statements)...)
		}
	}
	crossAccount := s.crossAccount(resource)
	var allowed bool
	switch {
	case crossAccount:
		allowed = identityAllows && (resourceAllows || resourceDelegates)
	default:
		allowed = identityAllows || resourceAllows
	}
	switch {
	case len(denies) > 0:
		out.EvalResourceDecision, out.MatchedStatements = types.PolicyEvaluationDecisionTypeExplicitDeny, denies
	case allowed && boundaryAllows && orgAllows:
		out.EvalResourceDecision, out.MatchedStatements = types.PolicyEvaluationDecisionTypeAllowed, allows
	default:
		out.EvalResourceDecision = types.PolicyEvaluationDecisionTypeImplicitDeny
	}
	if !orgAllows && out.EvalResourceDecision != types.PolicyEvaluationDecisionTypeExplicitDeny {
		out.EvalResourceDecision = types.PolicyEvaluationDecisionTypeImplicitDeny
		out.MatchedStatements = []types.Statement{}
	}
	return out
}

// crossAccount reports whether resource belongs to another account than
// the caller: the account in its ARN, or else ResourceOwner's.
func (s *simulation) crossAccount(resource string) bool {
	owner := s.owner
	if a, err := arn.Parse(resource); err == nil && a.AccountID != "" {
		owner = a.AccountID
	}
	if owner == "" {
		return false
	}
	c, err := arn.Parse(s.caller)
	return err == nil && c.AccountID != owner
}
