package policyengine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// FindingCode names a kind of [Finding].
type FindingCode string

// Finding codes of [Client.Audit].
const (
	// FindingKeyDisabled: the key is disabled; every authorization decision
	// of the engine is denied until it is enabled again.
	FindingKeyDisabled FindingCode = "KeyDisabled"
	// FindingKeyPendingDeletion: the key is scheduled for deletion; decisions
	// are denied now and for good once the key is deleted.
	FindingKeyPendingDeletion FindingCode = "KeyPendingDeletion"
	// FindingKeyMissing: the key does not exist any more; decisions are
	// denied for good.
	FindingKeyMissing FindingCode = "KeyMissing"
	// FindingKeyUnusable: the key is in another state that cannot encrypt
	// (such as PendingImport or Unavailable).
	FindingKeyUnusable FindingCode = "KeyUnusable"
	// FindingKeyMaterialExpires: the key's imported material expires; from
	// then on every authorization decision of the engine is denied until
	// the material is imported again.
	FindingKeyMaterialExpires FindingCode = "KeyMaterialExpires"
	// FindingKeyNotSymmetric: the key is not a SYMMETRIC_DEFAULT key.
	FindingKeyNotSymmetric FindingCode = "KeyNotSymmetric"
	// FindingKeyUsage: the key's usage is not ENCRYPT_DECRYPT.
	FindingKeyUsage FindingCode = "KeyUsage"
	// FindingKeyInaccessible: DescribeKey failed for another reason (access
	// denied, throttling); the key's state is unknown.
	FindingKeyInaccessible FindingCode = "KeyInaccessible"
	// FindingGrantsMissing: neither grant exists on the key of a live
	// engine; the service cannot decrypt its policies.
	FindingGrantsMissing FindingCode = "GrantsMissing"
	// FindingGrantsInconsistent: only one of the two grants exists.
	FindingGrantsInconsistent FindingCode = "GrantsInconsistent"
	// FindingGrantsUnknown: the key's grants could not be listed.
	FindingGrantsUnknown FindingCode = "GrantsUnknown"
	// FindingEngineFailed: the engine is in a failed state.
	FindingEngineFailed FindingCode = "EngineFailed"
	// FindingNotEncrypted: the engine uses an AWS owned key.
	FindingNotEncrypted FindingCode = "NotEncrypted"
)

// Finding is one problem [Client.Audit] found with an engine.
type Finding struct {
	Code    FindingCode
	Message string
	// DeniedFrom, when not zero, is when all authorization decisions of the
	// engine are (or will be) denied: the time of the audit for a key that
	// cannot be used now, a later time for key material that will expire.
	DeniedFrom time.Time
	// PermanentFrom, when not zero, is when the denial becomes permanent:
	// the key's deletion date.
	PermanentFrom time.Time
	// Err is the underlying error, for the Inaccessible and Unknown codes.
	Err error
}

// KeyStatus is what DescribeKey said about an engine's key.
type KeyStatus struct {
	ARN   string
	State kmstypes.KeyState
	Spec  kmstypes.KeySpec
	Usage kmstypes.KeyUsageType
	// DeletionDate is set for a key pending deletion.
	DeletionDate *time.Time
	// ValidTo is when imported key material expires, if it does.
	ValidTo *time.Time
	// Missing reports whether KMS says the key does not exist.
	Missing bool
	// Err is the DescribeKey error, if any.
	Err error
}

// EngineAudit is the audit of one policy engine.
type EngineAudit struct {
	// Engine is the summary: no description, since summaries are what
	// still answer when the key is unusable.
	Engine Engine
	// Key is nil for an engine without a customer managed key.
	Key        *KeyStatus
	Grants     GrantPair
	GrantState GrantState
	Findings   []Finding
}

// DecisionsDenied reports whether a finding says all authorization
// decisions of the engine are or will be denied, and from when. A nil
// *EngineAudit has no findings.
func (a *EngineAudit) DecisionsDenied() (time.Time, bool) {
	if a == nil {
		return time.Time{}, false
	}
	for _, f := range a.Findings {
		if !f.DeniedFrom.IsZero() {
			return f.DeniedFrom, true
		}
	}
	return time.Time{}, false
}

// AuditProgress is passed to [Options.Progress] after each engine.
type AuditProgress struct {
	// Done is how many engines have been audited, Listed how many have
	// been listed so far.
	Done, Listed int
	// Engine is the audit just finished.
	Engine *EngineAudit
}

// AuditReport is the result of [Client.Audit].
type AuditReport struct {
	// At is when the audit started.
	At time.Time
	// Engines are in the order ListPolicyEngineSummaries returned them.
	Engines []*EngineAudit
}

// WithFindings returns the engines that have at least one finding. A nil
// *AuditReport has none.
func (r *AuditReport) WithFindings() []*EngineAudit {
	if r == nil {
		return nil
	}
	var out []*EngineAudit
	for _, e := range r.Engines {
		if e != nil && len(e.Findings) > 0 {
			out = append(out, e)
		}
	}
	return out
}

// keyInfo is what the audit learns about one key, once.
type keyInfo struct {
	ready  chan struct{}
	status KeyStatus
	grants []kmstypes.GrantListEntry
	gerr   error
}

// Audit inspects every policy engine of the account, listed with
// ListPolicyEngineSummaries (which still answers when a key is unusable),
// [Options.Concurrency] at a time: the key's state, spec, usage and deletion
// date, and the state of the grant pair. Each key is described and its
// grants listed once. A key that is disabled, pending deletion or missing
// gives a finding whose DeniedFrom says from when all authorization
// decisions of the engine are denied.
//
// After each engine, Audit calls [Options.Progress] if it is set, from one
// goroutine at a time. Problems with a key are findings, not errors. If
// listing fails or ctx is cancelled, Audit returns the engines audited so
// far with the error (errors.Is(err, context.Canceled) on cancellation). A
// listing answer without its list of engines, or a summary without the
// engine's id, ARN or status, is an [*IncompleteAnswerError], never "0
// policy engines". A panic in a client or in Progress is recovered in
// Audit's goroutines and returned as an [*InputError].
func (c *Client) Audit(ctx context.Context, optFns ...func(*Options)) (*AuditReport, error) {
	if err := c.needs(true, true); err != nil {
		return nil, err
	}
	o := c.options(optFns)
	rep := &AuditReport{At: o.Now().UTC()}

	type job struct {
		i int
		s types.PolicyEngineSummary
	}
	jobs := make(chan job)
	var (
		mu       sync.Mutex // guards keys, done, listed, panicked, rep.Engines and Progress calls
		keys     = map[string]*keyInfo{}
		done     int
		listed   int
		panicked []error
		wg       sync.WaitGroup
	)
	key := func(keyARN string) *keyInfo {
		mu.Lock()
		ki, ok := keys[keyARN]
		if !ok {
			ki = &keyInfo{ready: make(chan struct{})}
			keys[keyARN] = ki
		}
		mu.Unlock()
		if !ok {
			func() {
				defer close(ki.ready) // even if learnKey panics
				c.learnKey(ctx, keyARN, ki)
			}()
		}
		<-ki.ready
		return ki
	}
	one := func(j job) {
		// A panic (a client that is not what it claims, a Progress that
		// panics) must not kill the process from a goroutine of Audit.
		defer func() {
			if r := recover(); r != nil {
				mu.Lock()
				panicked = append(panicked, &InputError{Field: "client or Options.Progress",
					Reason: fmt.Sprintf("panicked while auditing policy engine %s: %v", aws.ToString(j.s.PolicyEngineId), r)})
				mu.Unlock()
			}
		}()
		a := c.auditEngine(ctx, j.s, rep.At, key)
		if a == nil {
			return // cancelled; Audit returns the error
		}
		mu.Lock()
		defer mu.Unlock()
		rep.Engines[j.i] = a
		done++
		if o.Progress != nil {
			o.Progress(AuditProgress{Done: done, Listed: listed, Engine: a})
		}
	}
	worker := func() {
		defer wg.Done()
		for j := range jobs {
			one(j)
		}
	}
	// Workers start as engines are listed, so a large Concurrency costs
	// no more goroutines than there are engines.
	started := 0

	var listErr error
	p := bedrockagentcorecontrol.NewListPolicyEngineSummariesPaginator(c.api,
		&bedrockagentcorecontrol.ListPolicyEngineSummariesInput{MaxResults: aws.Int32(100)})
list:
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			listErr = fmt.Errorf("policyengine: listing policy engines: %w", err)
			break
		}
		if err := summariesAnswered(page); err != nil {
			listErr = fmt.Errorf("policyengine: listing policy engines: %w", err)
			break
		}
		for _, s := range page.PolicyEngines {
			mu.Lock()
			i := len(rep.Engines)
			rep.Engines = append(rep.Engines, nil)
			listed++
			mu.Unlock()
			if started < o.Concurrency {
				started++
				wg.Add(1)
				go worker()
			}
			select {
			case jobs <- job{i, s}:
			case <-ctx.Done():
				mu.Lock()
				rep.Engines = rep.Engines[:i]
				mu.Unlock()
				break list
			}
		}
	}
	close(jobs)
	wg.Wait()
	if listErr == nil && ctx.Err() != nil {
		listErr = fmt.Errorf("policyengine: audit: %w", ctx.Err())
	}
	if len(panicked) > 0 {
		listErr = errors.Join(append([]error{listErr}, panicked...)...)
	}
	if listErr != nil {
		// Keep only what was audited.
		kept := rep.Engines[:0]
		for _, e := range rep.Engines {
			if e != nil {
				kept = append(kept, e)
			}
		}
		rep.Engines = kept
	}
	return rep, listErr
}

// summariesAnswered returns an [*IncompleteAnswerError] for a page of
// ListPolicyEngineSummaries without its list (a 200 with "{}", or with an
// error body), or with a summary that lacks the engine's id, ARN or status:
// all are required members of the output.
func summariesAnswered(page *bedrockagentcorecontrol.ListPolicyEngineSummariesOutput) error {
	if page.PolicyEngines == nil {
		return &IncompleteAnswerError{Op: "ListPolicyEngineSummaries", Field: "PolicyEngines"}
	}
	for i, s := range page.PolicyEngines {
		if err := answered("ListPolicyEngineSummaries", "", s.PolicyEngineId, s.PolicyEngineArn, s.Status); err != nil {
			var ia *IncompleteAnswerError
			errors.As(err, &ia)
			return &IncompleteAnswerError{Op: ia.Op, Field: fmt.Sprintf("PolicyEngines[%d].%s", i, ia.Field), Resource: aws.ToString(s.PolicyEngineId)}
		}
	}
	return nil
}

// protect calls fn and turns a panic into an [*InputError] naming what
// panicked, so a client that panics does not kill the process from one of
// the package's goroutines.
func protect[T any](what string, fn func() (T, error)) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &InputError{Field: what, Reason: fmt.Sprintf("panicked: %v", r)}
		}
	}()
	return fn()
}

// learnKey describes the key and lists its grants, both at once: one round
// trip for keys with fewer than 100 grants.
func (c *Client) learnKey(ctx context.Context, keyARN string, ki *keyInfo) {
	ki.status.ARN = keyARN
	listed := make(chan struct{})
	go func() {
		defer close(listed)
		ki.grants, ki.gerr = protect("kms", func() ([]kmstypes.GrantListEntry, error) { return listGrants(ctx, c.kms, keyARN) })
	}()
	out, err := protect("kms", func() (*kms.DescribeKeyOutput, error) {
		return c.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyARN)})
	})
	<-listed
	switch {
	case agentcore.KindOf(err) == agentcore.KindKeyNotFound:
		// A missing key has no grants to list.
		ki.status.Missing, ki.status.Err, ki.grants, ki.gerr = true, kmsError("describing key "+keyARN, err), nil, nil
	case err != nil:
		ki.status.Err = kmsError("describing key "+keyARN, err)
	case out.KeyMetadata == nil:
		ki.status.Err = &IncompleteAnswerError{Op: "DescribeKey", Field: "KeyMetadata", Resource: keyARN}
	case out.KeyMetadata.KeyState == "":
		ki.status.Err = &IncompleteAnswerError{Op: "DescribeKey", Field: "KeyMetadata.KeyState", Resource: keyARN}
	default:
		md := out.KeyMetadata
		ki.status.State, ki.status.Spec, ki.status.Usage, ki.status.DeletionDate = md.KeyState, md.KeySpec, md.KeyUsage, md.DeletionDate
		if md.ExpirationModel == kmstypes.ExpirationModelTypeKeyMaterialExpires {
			ki.status.ValidTo = md.ValidTo
		}
	}
}

func (c *Client) auditEngine(ctx context.Context, s types.PolicyEngineSummary, at time.Time, key func(string) *keyInfo) *EngineAudit {
	a := &EngineAudit{Engine: Engine{
		ID: aws.ToString(s.PolicyEngineId), Name: aws.ToString(s.Name), ARN: aws.ToString(s.PolicyEngineArn),
		KeyARN: aws.ToString(s.EncryptionKeyArn), Status: s.Status,
		CreatedAt: aws.ToTime(s.CreatedAt), UpdatedAt: aws.ToTime(s.UpdatedAt),
	}}
	add := func(f Finding) { a.Findings = append(a.Findings, f) }
	switch s.Status {
	case types.PolicyEngineStatusCreateFailed, types.PolicyEngineStatusUpdateFailed, types.PolicyEngineStatusDeleteFailed:
		add(Finding{Code: FindingEngineFailed, Message: fmt.Sprintf("policy engine %s is %s", a.Engine.ID, s.Status)})
	}
	if a.Engine.KeyARN == "" {
		add(Finding{Code: FindingNotEncrypted, Message: fmt.Sprintf("policy engine %s is encrypted with an AWS owned key, not a customer managed key", a.Engine.ID)})
		return a
	}
	ki := key(a.Engine.KeyARN)
	if ctx.Err() != nil {
		return nil // what the key calls said is the cancellation, not the key
	}
	ks := ki.status
	a.Key = &ks
	id, k := a.Engine.ID, a.Engine.KeyARN
	stamp := at.Format(time.RFC3339)
	switch {
	case ks.Missing:
		add(Finding{Code: FindingKeyMissing, DeniedFrom: at, PermanentFrom: at, Err: ks.Err,
			Message: fmt.Sprintf("all authorization decisions of policy engine %s are denied from %s, permanently: key %s does not exist, so the engine's policies can never be decrypted again", id, stamp, k)})
	case ks.Err != nil:
		add(Finding{Code: FindingKeyInaccessible, Err: ks.Err,
			Message: fmt.Sprintf("cannot describe key %s of policy engine %s: %v", k, id, ks.Err)})
	case ks.State == kmstypes.KeyStateDisabled:
		add(Finding{Code: FindingKeyDisabled, DeniedFrom: at,
			Message: fmt.Sprintf("all authorization decisions of policy engine %s are denied from %s: key %s is disabled; enable it to restore them", id, stamp, k)})
	case ks.State == kmstypes.KeyStatePendingDeletion || ks.State == kmstypes.KeyStatePendingReplicaDeletion:
		f := Finding{Code: FindingKeyPendingDeletion, DeniedFrom: at}
		when := "on its deletion date"
		if ks.DeletionDate != nil {
			f.PermanentFrom = ks.DeletionDate.UTC()
			when = "from " + f.PermanentFrom.Format(time.RFC3339)
		}
		f.Message = fmt.Sprintf("all authorization decisions of policy engine %s are denied from %s: key %s is pending deletion, and the denial becomes permanent %s when KMS deletes it; cancel the deletion and enable the key before then", id, stamp, k, when)
		add(f)
	case ks.State != kmstypes.KeyStateEnabled:
		add(Finding{Code: FindingKeyUnusable, DeniedFrom: at,
			Message: fmt.Sprintf("all authorization decisions of policy engine %s are denied from %s: key %s is %s, not Enabled", id, stamp, k, ks.State)})
	}
	if ks.Err == nil {
		if ks.ValidTo != nil && ks.State == kmstypes.KeyStateEnabled {
			until := ks.ValidTo.UTC()
			add(Finding{Code: FindingKeyMaterialExpires, DeniedFrom: until,
				Message: fmt.Sprintf("all authorization decisions of policy engine %s will be denied from %s, when the imported material of key %s expires; import it again before then", id, until.Format(time.RFC3339), k)})
		}
		if ks.Spec != "" && ks.Spec != kmstypes.KeySpecSymmetricDefault {
			add(Finding{Code: FindingKeyNotSymmetric, Message: fmt.Sprintf("key %s of policy engine %s is %s; Policy in AgentCore supports only symmetric keys", k, id, ks.Spec)})
		}
		if ks.Usage != "" && ks.Usage != kmstypes.KeyUsageTypeEncryptDecrypt {
			add(Finding{Code: FindingKeyUsage, Message: fmt.Sprintf("key %s of policy engine %s has usage %s; Policy in AgentCore needs ENCRYPT_DECRYPT", k, id, ks.Usage)})
		}
	}
	if ks.Missing {
		return a
	}
	if ki.gerr != nil {
		add(Finding{Code: FindingGrantsUnknown, Err: ki.gerr, Message: fmt.Sprintf("cannot list the grants of key %s: %v", k, ki.gerr)})
		return a
	}
	bound, err := boundTo(ki.grants, k, a.Engine.ARN)
	if err != nil {
		add(Finding{Code: FindingGrantsUnknown, Err: err, Message: fmt.Sprintf("cannot read the grants of key %s: %v", k, err)})
		return a
	}
	a.Grants = pairOf(bound)
	a.GrantState = a.Grants.State()
	live := s.Status == types.PolicyEngineStatusActive || s.Status == types.PolicyEngineStatusUpdating
	switch a.GrantState {
	case GrantsNone:
		if live {
			add(Finding{Code: FindingGrantsMissing, DeniedFrom: at,
				Message: fmt.Sprintf("all authorization decisions of policy engine %s are denied from %s: neither of its grants exists on key %s, so the service cannot decrypt its policies", id, stamp, k)})
		}
	case GrantsOnlyManagement, GrantsOnlyEvaluation:
		f := Finding{Code: FindingGrantsInconsistent,
			Message: (&GrantsInconsistentError{KeyARN: k, EngineARN: a.Engine.ARN, Pair: a.Grants}).Error()}
		if a.GrantState == GrantsOnlyManagement && live {
			f.DeniedFrom = at // runtime evaluation uses the evaluation grant
		}
		add(f)
	}
	return a
}
