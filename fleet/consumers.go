package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	betypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	cptypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

const (
	fail    = kmscheck.StatusFail
	unknown = kmscheck.StatusUnknown
	warn    = kmscheck.StatusWarn
)

// consumer is one AgentCore resource type the audit lists: how to list it,
// and what the module's consumer model (keypolicy.ConsumerByName) says of
// it: its documented requests, its policy variants and what fails while its
// key is unavailable.
type consumer struct {
	name string
	// model is the consumer model's description of the consumer; every
	// fact the audit judges by comes from it.
	model keypolicy.Consumer
	// list calls emit for each listed resource, until emit returns false.
	list func(ctx context.Context, a *auditor, cs *Clients, acct Account, region string, emit func(Resource) bool) error
	// grants reports whether the consumer's resources hold grants on the
	// key that the audit checks (with extra).
	grants bool
	// extra adds the consumer's own findings (grants).
	extra func(a *auditor, k *keyEntry, r *Resource)
	// denied says what stops working when the key cannot be used, from
	// model.Unavailable; it is followed by the resource's id.
	denied string
}

// auditedConsumers returns the consumers with a listing API, in report
// order, each with its consumer model. Every other consumer of the model
// (evaluators, datasets, gateways, ...) is left out until the module has an
// emulator of its listing API: their listing is not invented offline.
func auditedConsumers() []*consumer {
	cs := []*consumer{
		{name: keypolicy.ConsumerPolicyEngine, list: listPolicyEngines, grants: true, extra: engineGrants},
		{name: keypolicy.ConsumerBatchEvaluation, list: listBatchEvaluations},
	}
	for _, c := range cs {
		// Both names are constants of the model; TestEffects checks that
		// the model knows them.
		c.model, _ = keypolicy.ConsumerByName(c.name)
		c.denied = deniedOf(c.model)
	}
	return cs
}

// audited returns the audited consumer named name, or nil.
func audited(name string) *consumer {
	for _, c := range auditedConsumers() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// requirements returns the documented requests of resource r for the
// model's variant ("" for the main policy): keypolicy.RequirementsFor with
// r's account, Region and ARN and the account's caller principal.
func (c *consumer) requirements(acct Account, r *Resource, variant string) ([]keypolicy.Requirement, error) {
	return c.model.Requirements(keypolicy.Params{Account: r.Account, Region: r.Region,
		Principal: acct.Principal, ResourceARN: r.ARN, Variant: variant})
}

// deniedOf says, from m.Unavailable, what fails for one of m's resources
// while its key is unavailable, and what still works with a caveat.
func deniedOf(m keypolicy.Consumer) string {
	var fails, works []string
	for _, b := range m.Unavailable {
		switch {
		case b.Fails:
			fails = append(fails, b.Operation)
		case b.Note != "":
			works = append(works, b.Operation+": "+b.Note)
		}
	}
	s := "cannot use its key [fails: " + strings.Join(fails, "; ") + "]"
	if len(works) > 0 {
		s += " [still works: " + strings.Join(works, "; ") + "]"
	}
	return s
}

// errNoClient is the listing error of a consumer whose client is missing.
var errNoClient = errors.New("fleet: no client for this consumer's API in this account and Region")

func listPolicyEngines(ctx context.Context, a *auditor, cs *Clients, acct Account, region string, emit func(Resource) bool) error {
	if cs.ControlPlane == nil {
		return errNoClient
	}
	const op = "ListPolicyEngineSummaries"
	p := bedrockagentcorecontrol.NewListPolicyEngineSummariesPaginator(cs.ControlPlane,
		&bedrockagentcorecontrol.ListPolicyEngineSummariesInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		var page *bedrockagentcorecontrol.ListPolicyEngineSummariesOutput
		err := a.call(ctx, acct.ID, region, op, func(ctx context.Context) (err error) {
			page, err = p.NextPage(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("listing policy engines: %w", err)
		}
		if page.PolicyEngines == nil {
			return &agentcore.IncompleteAnswerError{Op: op, Field: "PolicyEngines"}
		}
		for i, s := range page.PolicyEngines {
			if aws.ToString(s.PolicyEngineId) == "" || aws.ToString(s.PolicyEngineArn) == "" || s.Status == "" {
				return &agentcore.IncompleteAnswerError{Op: op, Field: fmt.Sprintf("PolicyEngines[%d] id, ARN or status", i), Resource: aws.ToString(s.PolicyEngineArn)}
			}
			r := Resource{Consumer: keypolicy.ConsumerPolicyEngine, Account: acct.ID, Region: region,
				ID: *s.PolicyEngineId, Name: aws.ToString(s.Name), ARN: *s.PolicyEngineArn, Status: string(s.Status),
				KeyARN: aws.ToString(s.EncryptionKeyArn)}
			switch s.Status {
			case cptypes.PolicyEngineStatusCreateFailed, cptypes.PolicyEngineStatusUpdateFailed, cptypes.PolicyEngineStatusDeleteFailed:
				r.Findings = append(r.Findings, Finding{Code: CodeResourceFailed, Status: warn,
					Message: fmt.Sprintf("policy engine %s is %s", r.ID, s.Status)})
			}
			if !emit(r) {
				return ctx.Err()
			}
		}
	}
	return nil
}

func listBatchEvaluations(ctx context.Context, a *auditor, cs *Clients, acct Account, region string, emit func(Resource) bool) error {
	if cs.DataPlane == nil {
		return errNoClient
	}
	const op = "ListBatchEvaluations"
	p := bedrockagentcore.NewListBatchEvaluationsPaginator(cs.DataPlane,
		&bedrockagentcore.ListBatchEvaluationsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		var page *bedrockagentcore.ListBatchEvaluationsOutput
		err := a.call(ctx, acct.ID, region, op, func(ctx context.Context) (err error) {
			page, err = p.NextPage(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("listing batch evaluations: %w", err)
		}
		if page.BatchEvaluations == nil {
			return &agentcore.IncompleteAnswerError{Op: op, Field: "BatchEvaluations"}
		}
		for i, s := range page.BatchEvaluations {
			if aws.ToString(s.BatchEvaluationId) == "" || aws.ToString(s.BatchEvaluationArn) == "" || s.Status == "" {
				return &agentcore.IncompleteAnswerError{Op: op, Field: fmt.Sprintf("BatchEvaluations[%d] id, ARN or status", i), Resource: aws.ToString(s.BatchEvaluationArn)}
			}
			r := Resource{Consumer: keypolicy.ConsumerBatchEvaluation, Account: acct.ID, Region: region,
				ID: *s.BatchEvaluationId, Name: aws.ToString(s.BatchEvaluationName), ARN: *s.BatchEvaluationArn,
				Status: string(s.Status), KeyARN: aws.ToString(s.KmsKeyArn)}
			if s.Status == betypes.BatchEvaluationStatusFailed {
				r.Findings = append(r.Findings, Finding{Code: CodeResourceFailed, Status: warn,
					Message: fmt.Sprintf("batch evaluation %s is %s", r.ID, s.Status)})
			}
			if !emit(r) {
				return ctx.Err()
			}
		}
	}
	return nil
}

// judge adds r's findings from what was read of its key.
func (c *consumer) judge(a *auditor, acct Account, k *keyEntry, r *Resource) {
	c.keyState(a.at, k, r)
	if k.missing {
		return
	}
	c.keyPolicy(a.at, acct, k, r)
	if c.extra != nil {
		c.extra(a, k, r)
	}
}

// keyState adds the findings of the key's state: disabled, pending
// deletion (with its date), missing, another unusable state, or imported
// material that expires.
func (c *consumer) keyState(at time.Time, k *keyEntry, r *Resource) {
	add := func(f Finding) { r.Findings = append(r.Findings, f) }
	what := c.what(r)
	now := timePtr(at)
	switch {
	case k.missing:
		add(Finding{Code: CodeKeyMissing, Status: fail, DeniedFrom: now, PermanentFrom: now,
			Message: fmt.Sprintf("key %s does not exist (or is not visible to the audit's role): %s, permanently", k.arn, what)})
		return
	case k.descErr != nil:
		add(Finding{Code: CodeKeyUnreadable, Status: unknown, Err: k.descErr,
			Message: fmt.Sprintf("the state of key %s is unknown: %v", k.arn, k.descErr)})
		return
	}
	md := k.md
	switch md.KeyState {
	case kmstypes.KeyStateEnabled:
	case kmstypes.KeyStateDisabled:
		add(Finding{Code: CodeKeyDisabled, Status: fail, DeniedFrom: now,
			Message: fmt.Sprintf("key %s is disabled: %s; enable the key to restore access", k.arn, what)})
	case kmstypes.KeyStatePendingDeletion, kmstypes.KeyStatePendingReplicaDeletion:
		f := Finding{Code: CodeKeyPendingDeletion, Status: fail, DeniedFrom: now}
		when := "on its deletion date"
		if md.DeletionDate != nil {
			f.PermanentFrom = timePtr(*md.DeletionDate)
			when = "on " + f.PermanentFrom.Format(time.RFC3339)
		}
		f.Message = fmt.Sprintf("key %s is pending deletion: %s, and for good once KMS deletes the key %s; cancel the deletion and enable the key before then", k.arn, what, when)
		add(f)
	default:
		add(Finding{Code: CodeKeyUnusable, Status: fail, DeniedFrom: now,
			Message: fmt.Sprintf("key %s is %s, not Enabled: %s", k.arn, md.KeyState, what)})
	}
	if md.ExpirationModel == kmstypes.ExpirationModelTypeKeyMaterialExpires && md.ValidTo != nil && md.KeyState == kmstypes.KeyStateEnabled {
		until := timePtr(*md.ValidTo)
		add(Finding{Code: CodeKeyMaterialExpires, Status: fail, DeniedFrom: until,
			Message: fmt.Sprintf("the imported material of key %s expires on %s: from then, %s; import it again before then", k.arn, until.Format(time.RFC3339), what)})
	}
}

// what says what is denied when r's key cannot be used, from the
// consumer model's description of r's consumer (Consumer.Unavailable).
func (c *consumer) what(r *Resource) string {
	return r.Consumer + " " + r.ID + " " + c.denied
}

// keyPolicy judges the key policy for r's documented requests. With no
// caller principal for the account, the caller's requests are not judged:
// an unknown finding says so.
func (c *consumer) keyPolicy(at time.Time, acct Account, k *keyEntry, r *Resource) {
	add := func(f Finding) { r.Findings = append(r.Findings, f) }
	if k.polErr != nil {
		add(Finding{Code: CodeKeyPolicyUnknown, Status: unknown, Err: k.polErr,
			Message: fmt.Sprintf("the key policy of %s is unknown: %v", k.arn, k.polErr)})
		return
	}
	analyze := func(variant string) (keypolicy.Analysis, int, error) {
		reqs, err := c.requirements(acct, r, variant)
		if err != nil {
			return keypolicy.Analysis{}, 0, err
		}
		kept, skipped := reqs[:0], 0
		for _, req := range reqs {
			if acct.Principal == "" && req.Caller == keypolicy.CallerPrincipal {
				skipped++
				continue
			}
			req.Request.Resource = k.arn
			kept = append(kept, req)
		}
		return keypolicy.Analyze(k.doc, kept), skipped, nil
	}
	an, skipped, err := analyze("")
	if err != nil {
		add(Finding{Code: CodeKeyPolicyUnknown, Status: unknown, Err: err,
			Message: fmt.Sprintf("the documented requests of %s %s cannot be built: %v", r.Consumer, r.ID, err)})
		return
	}
	for _, v := range c.model.Variants {
		if an.OK() {
			break
		}
		// A documented variant, such as the policy engine's source
		// context (AgentCore's requests then carry aws:SourceAccount and
		// aws:SourceArn): a policy written for it passes with its requests.
		if alt, _, err := analyze(v); err == nil && alt.OK() {
			an = alt
		}
	}
	if skipped > 0 {
		add(Finding{Code: CodeKeyPolicyUnknown, Status: unknown,
			Message: fmt.Sprintf("no caller principal given for account %s: %d documented requests of the caller of %s %s were not judged against the key policy of %s", acct.ID, skipped, r.Consumer, r.ID, k.arn)})
	}
	denied := c.what(r)
	for _, res := range an.Failed() {
		req := res.Requirement
		f := Finding{Code: CodeKeyPolicyBreaks, Status: fail, Requirement: req.String(), Statement: req.Statement}
		effect := "new " + r.Consumer + "s with the key cannot be created"
		if decrypts(req.Action) {
			// The documentation: with necessary permissions removed from
			// the key policy, the service can no longer decrypt the
			// resource's data.
			f.DeniedFrom, effect = timePtr(at), denied
		}
		f.Message = fmt.Sprintf("the key policy of %s denies %s (%s by the %s): %s; %s. Restore the documented statement %q", k.arn, req.String(), req.Action, req.Caller, res.Reason, effect, req.Statement)
		add(f)
	}
	for _, res := range an.Undecided() {
		req := res.Requirement
		add(Finding{Code: CodeKeyPolicyUnknown, Status: unknown, Requirement: req.String(), Statement: req.Statement,
			Message: fmt.Sprintf("whether the key policy of %s allows %s is unknown: %s", k.arn, req.String(), res.Reason)})
	}
}

// decrypts reports whether action reads or writes the resource's data
// with the key, so that denying it denies the resource's use of its data.
func decrypts(action string) bool {
	switch action {
	case "kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext":
		return true
	}
	return false
}

// engineGrants checks the two grants of a policy engine.
func engineGrants(a *auditor, k *keyEntry, r *Resource) {
	add := func(f Finding) { r.Findings = append(r.Findings, f) }
	if k.grErr != nil {
		add(Finding{Code: CodeGrantsUnknown, Status: unknown, Err: k.grErr,
			Message: fmt.Sprintf("the grants of key %s are unknown: %v", k.arn, k.grErr)})
		return
	}
	pair, err := policyengine.GrantsOf(k.grants, k.arn, r.ARN)
	var inc *policyengine.GrantsInconsistentError
	live := r.Status == string(cptypes.PolicyEngineStatusActive) || r.Status == string(cptypes.PolicyEngineStatusUpdating)
	now := timePtr(a.at)
	switch {
	case errors.As(err, &inc):
		f := Finding{Code: CodeGrantsInconsistent, Status: fail, Message: inc.Error() + "; revoke both grants and re-create the engine, or restore the missing one"}
		if pair.State() == policyengine.GrantsOnlyManagement && live {
			f.DeniedFrom = now // runtime evaluation uses the evaluation grant
			f.Message = "the policy evaluation grant of policy engine " + r.ID + " is gone, so every authorization decision is denied: " + f.Message
		}
		add(f)
	case err != nil:
		add(Finding{Code: CodeGrantsUnknown, Status: unknown, Err: err,
			Message: fmt.Sprintf("the grants of key %s cannot be read: %v", k.arn, err)})
	case pair.State() == policyengine.GrantsNone && live:
		add(Finding{Code: CodeGrantsMissing, Status: fail, DeniedFrom: now,
			Message: fmt.Sprintf("neither grant of policy engine %s exists on key %s: every authorization decision is denied", r.ID, k.arn)})
	}
}
