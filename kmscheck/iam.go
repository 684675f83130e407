package kmscheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"golang.org/x/sync/errgroup"

	"github.com/agentcorekms/agentcorekms/internal/awsarn"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// SimulatePrincipalPolicyAPIClient is the IAM SimulatePrincipalPolicy
// operation, with the signature of [iam.Client.SimulatePrincipalPolicy].
// Give one in [Options].IAM to resolve the key-policy findings that are
// allowed only if IAM allows them.
type SimulatePrincipalPolicyAPIClient interface {
	SimulatePrincipalPolicy(ctx context.Context, params *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error)
}

// SimulatePrincipalPolicyFunc adapts a function to
// [SimulatePrincipalPolicyAPIClient], for one-line fakes.
type SimulatePrincipalPolicyFunc func(ctx context.Context, params *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error)

// SimulatePrincipalPolicy calls f(ctx, params, optFns...).
func (f SimulatePrincipalPolicyFunc) SimulatePrincipalPolicy(ctx context.Context, params *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	return f(ctx, params, optFns...)
}

var (
	_ SimulatePrincipalPolicyAPIClient     = SimulatePrincipalPolicyFunc(nil)
	_ SimulatePrincipalPolicyAPIClient     = (*iam.Client)(nil)
	_ iam.SimulatePrincipalPolicyAPIClient = SimulatePrincipalPolicyAPIClient(nil)
)

// simulation is one SimulatePrincipalPolicy question: the requirements
// that share a caller and a request context, asked together.
type simulation struct {
	source    string // PolicySourceArn
	account   string // the caller's account
	user      bool   // the caller is an IAM user
	results   []keypolicy.Result
	actions   []string
	context   []iamtypes.ContextEntry
	answers   []iamtypes.EvaluationResult
	err       error
	crossRole bool // a role of another account than the key's
}

// resolveIAM resolves, with one SimulatePrincipalPolicy call per caller
// and request context (all concurrent: one round trip), every key-policy
// finding that is allowed only if IAM allows it. It returns an error only
// when ctx ends.
func (b *builder) resolveIAM(ctx context.Context, client SimulatePrincipalPolicyAPIClient) error {
	an := b.report.Analysis
	if an == nil {
		return nil
	}
	var pending []keypolicy.Result
	for _, res := range an.Results {
		f, ok := b.report.Finding(IDPolicyPrefix + res.Requirement.ID)
		if ok && f.Status == StatusWarn && res.Decision.Verdict == keypolicy.AllowIfIAMAllows && res.Requirement.Caller == keypolicy.CallerPrincipal {
			pending = append(pending, res)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	keyARN := b.report.KeyARN
	if keyARN == "" {
		for _, res := range pending {
			b.unresolved(res, "the key ARN is not known (DescribeKey failed), so IAM cannot be asked about the key", remedyRetry)
		}
		return nil
	}
	keyAccount, keyPartition := "", ""
	if a, err := arn.Parse(keyARN); err == nil {
		keyAccount, keyPartition = a.AccountID, a.Partition
	}
	sims := groupSimulations(pending, keyAccount)
	var resourcePolicy *string
	if b.report.Policy != nil {
		resourcePolicy = aws.String(string(b.report.Policy.Compact()))
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range sims {
		in := &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(s.source),
			ActionNames:     s.actions,
			ResourceArns:    []string{keyARN},
			ContextEntries:  s.context,
		}
		// IAM takes a ResourcePolicy only with a caller whose ARN its
		// Principal can match, and that must be an IAM user: for a role
		// AWS requires a CallerArn and accepts only a user's there. So a
		// role is simulated with its IAM policies alone, which is the
		// question left open: the key policy, evaluated above, delegates
		// the request to them.
		if s.user {
			in.ResourcePolicy = resourcePolicy
			// IAM documents ResourceOwner as required with a
			// ResourcePolicy owned by another account than the caller's.
			if s.account != keyAccount && keyPartition != "" {
				in.ResourceOwner = aws.String("arn:" + keyPartition + ":iam::" + keyAccount + ":root")
			}
		}
		g.Go(func() (err error) {
			// A panic in a hand-made client becomes an error of Check.
			defer func() {
				if p := recover(); p != nil {
					err = &InputError{Field: "Options.IAM", Reason: fmt.Sprintf("panicked in SimulatePrincipalPolicy: %v", p)}
				}
			}()
			s.answers, s.err = simulate(gctx, client, in)
			return nil
		})
	}
	// Wait in another goroutine, so that a client that ignores its
	// context cannot hold Check past the end of ctx.
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, s := range sims {
		for _, res := range s.results {
			b.applySimulation(s, res, keyARN)
		}
	}
	return nil
}

// simulate asks one question, following the pages of the answer.
func simulate(ctx context.Context, client SimulatePrincipalPolicyAPIClient, in *iam.SimulatePrincipalPolicyInput) ([]iamtypes.EvaluationResult, error) {
	var out []iamtypes.EvaluationResult
	p := iam.NewSimulatePrincipalPolicyPaginator(answering{client}, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.EvaluationResults...)
	}
	return out, nil
}

// answering turns a client's nil answer without an error into an error,
// which the SDK's paginator would otherwise dereference.
type answering struct {
	client SimulatePrincipalPolicyAPIClient
}

func (a answering) SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	out, err := a.client.SimulatePrincipalPolicy(ctx, in, optFns...)
	if err == nil && out == nil {
		return nil, errors.New("SimulatePrincipalPolicy returned no answer")
	}
	return out, err
}

// groupSimulations groups results by caller and request context, in the
// order of the first result of each group.
func groupSimulations(results []keypolicy.Result, keyAccount string) []*simulation {
	var sims []*simulation
	byKey := map[string]*simulation{}
	for _, res := range results {
		principal, _ := awsarn.SessionRole(res.Requirement.Request.Principal)
		entries, ctxKey := contextEntries(res.Requirement.Request.Context)
		key := principal + "\x00" + ctxKey
		s := byKey[key]
		if s == nil {
			s = &simulation{source: principal, context: entries}
			if a, err := arn.Parse(principal); err == nil {
				s.user, s.account = strings.HasPrefix(a.Resource, "user/"), a.AccountID
				s.crossRole = !s.user && keyAccount != "" && a.AccountID != keyAccount
			}
			byKey[key] = s
			sims = append(sims, s)
		}
		s.results = append(s.results, res)
		if !slices.Contains(s.actions, res.Requirement.Action) {
			s.actions = append(s.actions, res.Requirement.Action)
		}
	}
	return sims
}

// contextEntries returns the request context as SimulatePrincipalPolicy
// context entries, sorted by key, and a string that identifies it.
// Multivalued keys (kms:GrantOperations, or any with several values) are
// string lists.
func contextEntries(ctx map[string][]string) ([]iamtypes.ContextEntry, string) {
	keys := make([]string, 0, len(ctx))
	for k, v := range ctx {
		if len(v) > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var id strings.Builder
	entries := make([]iamtypes.ContextEntry, 0, len(keys))
	for _, k := range keys {
		v := ctx[k]
		typ := iamtypes.ContextKeyTypeEnumString
		if len(v) > 1 || strings.EqualFold(k, "kms:GrantOperations") {
			typ = iamtypes.ContextKeyTypeEnumStringList
		}
		entries = append(entries, iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyType: typ, ContextKeyValues: slices.Clone(v)})
		id.WriteString(k)
		for _, s := range v {
			id.WriteString("\x01" + s)
		}
		id.WriteString("\x00")
	}
	return entries, id.String()
}

// answer is IAM's decision on one action for the key.
type answer struct {
	decision iamtypes.PolicyEvaluationDecisionType
	matched  []iamtypes.Statement
	boundary *iamtypes.PermissionsBoundaryDecisionDetail
	org      *iamtypes.OrganizationsDecisionDetail
}

// answerFor finds the simulation's answer for action on keyARN: the
// resource-specific result when there is one, else the top-level one.
func answerFor(results []iamtypes.EvaluationResult, action, keyARN string) (answer, error) {
	for _, r := range results {
		if !strings.EqualFold(aws.ToString(r.EvalActionName), action) {
			continue
		}
		a := answer{decision: r.EvalDecision, matched: r.MatchedStatements, boundary: r.PermissionsBoundaryDecisionDetail, org: r.OrganizationsDecisionDetail}
		for _, rr := range r.ResourceSpecificResults {
			if aws.ToString(rr.EvalResourceName) == keyARN {
				a.decision, a.matched = rr.EvalResourceDecision, rr.MatchedStatements
				if rr.PermissionsBoundaryDecisionDetail != nil {
					a.boundary = rr.PermissionsBoundaryDecisionDetail
				}
			}
		}
		switch a.decision {
		case iamtypes.PolicyEvaluationDecisionTypeAllowed, iamtypes.PolicyEvaluationDecisionTypeImplicitDeny, iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
			return a, nil
		case "":
			return a, errors.New("the simulation gave no decision for " + action)
		}
		return a, fmt.Errorf("the simulation gave the unknown decision %q for %s", a.decision, action)
	}
	return answer{}, errors.New("the simulation gave no result for " + action)
}

// applySimulation turns IAM's answer into the requirement's finding.
func (b *builder) applySimulation(s *simulation, res keypolicy.Result, keyARN string) {
	r := res.Requirement
	if s.err != nil {
		b.unresolved(res, "IAM SimulatePrincipalPolicy failed: "+s.err.Error(), remedySimulate)
		return
	}
	a, err := answerFor(s.answers, r.Action, keyARN)
	if err != nil {
		b.unresolved(res, err.Error(), remedyByHand)
		return
	}
	id := IDPolicyPrefix + r.ID
	what := fmt.Sprintf("%s by %s (%s)", r.Action, r.Request.Principal, r.Description)
	delegation := "the key policy delegates it to IAM (" + refs(res.Deciding) + ")"
	identitySid := keypolicy.IdentitySid(r.Statement)
	addStatement := fmt.Sprintf("Allow %s on %s in an IAM policy of %s", r.Action, keyARN, s.source)
	if identitySid != "" {
		addStatement = fmt.Sprintf("Add the statement %q of %s (examples/keypolicy -identity-policy prints it) to an IAM policy of %s",
			identitySid, identityGenerator(r.Feature), s.source)
	}
	switch a.decision {
	case iamtypes.PolicyEvaluationDecisionTypeAllowed:
		var identity []string
		for _, st := range a.matched {
			if st.SourcePolicyType != iamtypes.PolicySourceTypeResource {
				identity = append(identity, describeStatement(st))
			}
		}
		if len(identity) == 0 {
			// KMS counts a key-policy statement naming the account root
			// only together with an IAM policy; an allow that names none
			// does not show that one allows it.
			b.unresolved(res, "the simulation allowed it without naming an IAM policy statement that does", remedyByHand)
			return
		}
		b.replace(Finding{ID: id, Status: StatusPass,
			Message: what + ": allowed: " + delegation + ", and IAM allows it by " + strings.Join(identity, ", ") + "."})
	case iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
		var denies []string
		for _, st := range a.matched {
			denies = append(denies, describeStatement(st))
		}
		by := "a Deny statement"
		if len(denies) > 0 {
			by = strings.Join(denies, ", ")
		}
		msg := what + ": denied: " + delegation + ", but IAM denies it explicitly by " + by + "."
		b.replaceFail(id, msg, "Remove or narrow the Deny statement so that it does not match this request.")
	default:
		var msg, remedy string
		switch {
		case a.org != nil && !a.org.AllowedByOrganizations:
			msg = what + ": denied: " + delegation + ", but a service control policy of the organization does not allow it."
			remedy = "Ask the organization's administrators to allow " + r.Action + " on the key in the service control policies of account " + accountOf(s.source) + "."
		case a.boundary != nil && !a.boundary.AllowedByPermissionsBoundary:
			msg = what + ": denied: " + delegation + ", but the permissions boundary of " + s.source + " does not allow it."
			remedy = "Allow " + r.Action + " on " + keyARN + " in the permissions boundary of " + s.source + "."
		case s.crossRole:
			// Without the key policy (see resolveIAM), IAM may answer
			// implicitDeny for another account's key whatever the role's
			// policies say.
			b.unresolved(res, "IAM answered implicitDeny for a key of another account, which a simulation without the key policy cannot tell from a missing IAM permission", remedyByHand)
			return
		default:
			msg = what + ": denied: " + delegation + ", but no IAM policy of " + s.source + " allows it."
			remedy = addStatement + "."
		}
		b.replaceFail(id, msg, remedy)
	}
}

// unresolved keeps the finding allowed-only-if-IAM-allows and says why IAM
// could not decide it. It never becomes a pass.
// Remedies of a finding IAM could not resolve, added to its own.
const (
	remedySimulate = "to resolve it, allow iam:SimulatePrincipalPolicy to the identity running the check, then check again"
	remedyRetry    = "to resolve it with IAM, fix what kept the key's ARN unknown, then check again"
	remedyByHand   = "check the caller's IAM policies for this request by hand"
)

func (b *builder) unresolved(res keypolicy.Result, why, remedy string) {
	id := IDPolicyPrefix + res.Requirement.ID
	f, ok := b.report.Finding(id)
	if !ok {
		return
	}
	f.Message = strings.TrimSuffix(f.Message, ".") + ". IAM could not resolve it: " + why + "."
	f.Remedy = strings.TrimSuffix(f.Remedy, ".") + "; " + remedy + "."
	b.replace(f)
}

func (b *builder) replaceFail(id, msg, remedy string) {
	b.replace(Finding{ID: id, Status: StatusFail, Message: msg, Remedy: remedy, Err: &FindingError{
		ID: id, KeyID: b.keyName(), Message: msg, Kinds: []error{ErrAccessDenied},
	}})
}

// replace puts f in place of the finding with its id.
func (b *builder) replace(f Finding) {
	for i := range b.report.Findings {
		if b.report.Findings[i].ID == f.ID {
			b.report.Findings[i] = f
			return
		}
	}
}

// describeStatement names a statement of a simulation's answer, such as
// `inline policy "kms" of the role (line 4, column 5)`.
func describeStatement(st iamtypes.Statement) string {
	name := fmt.Sprintf("%q", aws.ToString(st.SourcePolicyId))
	var s string
	switch st.SourcePolicyType {
	case iamtypes.PolicySourceTypeRole:
		s = "inline policy " + name + " of the role"
	case iamtypes.PolicySourceTypeUser:
		s = "inline policy " + name + " of the user"
	case iamtypes.PolicySourceTypeGroup:
		s = "inline policy " + name + " of a group"
	case iamtypes.PolicySourceTypeUserManaged:
		s = "managed policy " + name
	case iamtypes.PolicySourceTypeAwsManaged:
		s = "AWS managed policy " + name
	case iamtypes.PolicySourceTypeResource:
		s = "the key policy"
	default:
		s = "policy " + name
	}
	if p := st.StartPosition; p != nil {
		s += fmt.Sprintf(" (statement at line %d, column %d)", p.Line, p.Column)
	}
	return s
}

func accountOf(principal string) string {
	if a, err := arn.Parse(principal); err == nil {
		return a.AccountID
	}
	return principal
}

// identityGenerator names the keypolicy function that writes the identity
// policy of feature's caller; IdentitySid maps only those two features'
// Sids.
func identityGenerator(feature string) string {
	if feature == keypolicy.FeatureBatchEvaluation {
		return "keypolicy.IdentityForBatchEvaluation"
	}
	return "keypolicy.IdentityForPolicyEngine"
}
