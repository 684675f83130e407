package fleet

import (
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// ErrInvalidInput is the module's one input-error sentinel.
var ErrInvalidInput = agentcore.ErrInvalidInput

// InputError is the module's one input-error type; it unwraps to
// [ErrInvalidInput].
type InputError = agentcore.InputError

// Outcome is the three-state verdict of kmscheck: passed, failed or
// incomplete (the zero value).
type Outcome = kmscheck.Outcome

// Status is the status of one finding, as in kmscheck: a fleet finding is
// [kmscheck.StatusFail], [kmscheck.StatusUnknown] or [kmscheck.StatusWarn].
type Status = kmscheck.Status

// Code names a kind of [Finding]. The values are stable: they are the
// JSON report's "code" field.
type Code string

// Finding codes.
const (
	// CodeKeyDisabled: the key is disabled.
	CodeKeyDisabled Code = "KeyDisabled"
	// CodeKeyPendingDeletion: the key is scheduled for deletion;
	// PermanentFrom is its deletion date.
	CodeKeyPendingDeletion Code = "KeyPendingDeletion"
	// CodeKeyMissing: KMS says the key does not exist (or the caller may
	// not see it); the denial is permanent.
	CodeKeyMissing Code = "KeyMissing"
	// CodeKeyUnusable: another state that cannot encrypt or decrypt
	// (PendingImport, Unavailable, ...).
	CodeKeyUnusable Code = "KeyUnusable"
	// CodeKeyMaterialExpires: imported key material expires; DeniedFrom is
	// when.
	CodeKeyMaterialExpires Code = "KeyMaterialExpires"
	// CodeKeyUnreadable: DescribeKey got no answer that shows the key's
	// state (denied, throttled to the end, cut short): unknown.
	CodeKeyUnreadable Code = "KeyUnreadable"
	// CodeKeyPolicyBreaks: the key policy denies a documented request of
	// the consumer; Statement names the documented statement to restore.
	CodeKeyPolicyBreaks Code = "KeyPolicyBreaks"
	// CodeKeyPolicyUnknown: the key policy could not be read or judged, or
	// no caller principal was given to judge it for: unknown.
	CodeKeyPolicyUnknown Code = "KeyPolicyUnknown"
	// CodeGrantsMissing: neither grant of a live policy engine exists.
	CodeGrantsMissing Code = "GrantsMissing"
	// CodeGrantsInconsistent: only one of a policy engine's two grants
	// exists.
	CodeGrantsInconsistent Code = "GrantsInconsistent"
	// CodeGrantsUnknown: the key's grants could not be listed: unknown.
	CodeGrantsUnknown Code = "GrantsUnknown"
	// CodeResourceFailed: the resource itself is in a failed state.
	CodeResourceFailed Code = "ResourceFailed"
)

// Finding is one problem with one resource, or one thing that could not be
// checked.
type Finding struct {
	// ID is stable across runs: the resource ARN, "#", the code, and for
	// key-policy findings "/" and the requirement id, such as
	// "arn:aws:bedrock-agentcore:...:policy-engine/pe-1#KeyPolicyBreaks/decrypt".
	ID     string `json:"id"`
	Code   Code   `json:"code"`
	Status Status `json:"status"`
	// Message says what is wrong and what to do, in a sentence or two.
	Message string `json:"message"`
	// Requirement is the documented request that is denied (key-policy
	// findings), such as "policy-engine/decrypt".
	Requirement string `json:"requirement,omitempty"`
	// Statement is the Sid of the documented statement that allows the
	// denied request: the one to restore.
	Statement string `json:"statement,omitempty"`
	// DeniedFrom, when set, is when the resource's use of its key is (or
	// will be) denied: for policy engines, every authorization decision.
	DeniedFrom *time.Time `json:"deniedFrom,omitempty"`
	// PermanentFrom, when set, is when that denial becomes permanent (the
	// key's deletion date).
	PermanentFrom *time.Time `json:"permanentFrom,omitempty"`
	// Err is the underlying error of an unknown finding.
	Err error `json:"-"`
}

// Resource is one encrypted AgentCore resource and its findings.
type Resource struct {
	// Consumer is the consumer's name, such as "policy-engine".
	Consumer string `json:"consumer"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	ARN      string `json:"arn"`
	Status   string `json:"status"`
	// KeyARN is the customer managed key; empty for a resource encrypted
	// with an AWS owned key, which the audit lists and does not judge.
	KeyARN string `json:"keyArn,omitempty"`
	// Outcome is failed when a finding failed, incomplete when none failed
	// but one is unknown, passed otherwise.
	Outcome Outcome `json:"outcome"`
	// DeniedFrom is the earliest DeniedFrom of the findings.
	DeniedFrom *time.Time `json:"deniedFrom,omitempty"`
	// PermanentFrom is the earliest PermanentFrom of the findings.
	PermanentFrom *time.Time `json:"permanentFrom,omitempty"`
	Findings      []Finding  `json:"findings"`
}

// Key is what the audit learned of one key, read once.
type Key struct {
	ARN     string `json:"arn"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// State is the key state DescribeKey returned, or "" if unknown.
	State        string     `json:"state,omitempty"`
	DeletionDate *time.Time `json:"deletionDate,omitempty"`
	// Missing reports whether KMS said the key does not exist.
	Missing bool `json:"missing,omitempty"`
	// PolicyRead reports whether GetKeyPolicy answered with a policy that
	// parsed.
	PolicyRead bool `json:"policyRead"`
	// Resources are the ARNs of the resources that use the key, sorted.
	Resources []string `json:"resources"`
	// Error is what stopped the key from being read, if anything.
	Error string `json:"error,omitempty"`
}

// Scope is one listing: one consumer in one account and Region.
type Scope struct {
	Account  string `json:"account"`
	Region   string `json:"region"`
	Consumer string `json:"consumer"`
	// Complete reports whether every page was listed.
	Complete bool `json:"complete"`
	// Listed is how many resources were listed.
	Listed int `json:"listed"`
	// Error is why the listing stopped, when it is not complete.
	Error string `json:"error,omitempty"`
	// Err is that error.
	Err error `json:"-"`
}

// Report is the result of [Audit]. Resources are sorted by account,
// Region, consumer and ARN; keys by ARN; scopes by account, Region and
// consumer.
type Report struct {
	// At is when the audit started; DeniedFrom dates of denials already in
	// force are this time.
	At        time.Time  `json:"at"`
	Outcome   Outcome    `json:"outcome"`
	Scopes    []Scope    `json:"scopes"`
	Keys      []Key      `json:"keys"`
	Resources []Resource `json:"resources"`
	// Stats are counts of the requests the audit made.
	Stats Stats `json:"stats"`
}

// Stats count what the audit sent.
type Stats struct {
	// Requests counts KMS requests by operation, each page one request,
	// not counting the SDK's retries.
	Requests map[string]int `json:"requests"`
	// ThrottleRetries counts the requests the audit sent again after the
	// SDK's retryer gave up on a throttling error.
	ThrottleRetries int `json:"throttleRetries"`
}

// computeOutcome sets the report's outcome: failed if a resource failed;
// else incomplete if a resource or a scope is incomplete; else passed.
func (r *Report) computeOutcome() {
	o := kmscheck.OutcomePassed
	for _, s := range r.Scopes {
		if !s.Complete {
			o = kmscheck.OutcomeIncomplete
		}
	}
	for _, res := range r.Resources {
		switch res.Outcome {
		case kmscheck.OutcomeFailed:
			r.Outcome = kmscheck.OutcomeFailed
			return
		case kmscheck.OutcomeIncomplete:
			o = kmscheck.OutcomeIncomplete
		}
	}
	r.Outcome = o
}

// Denied returns the resources whose use of their key is denied now or
// from a known date (a finding with DeniedFrom). A nil *Report has none.
func (r *Report) Denied() []Resource {
	if r == nil {
		return nil
	}
	var out []Resource
	for _, res := range r.Resources {
		if res.DeniedFrom != nil {
			out = append(out, res)
		}
	}
	return out
}

// Resource returns the resource with ARN arn, and reports whether there
// is one. A nil *Report has none.
func (r *Report) Resource(arn string) (Resource, bool) {
	if r == nil {
		return Resource{}, false
	}
	for _, res := range r.Resources {
		if res.ARN == arn {
			return res, true
		}
	}
	return Resource{}, false
}

// Finding returns the finding with id, and reports whether there is one.
// A nil *Report has none.
func (r *Report) Finding(id string) (Finding, bool) {
	if r == nil {
		return Finding{}, false
	}
	for _, res := range r.Resources {
		for _, f := range res.Findings {
			if f.ID == id {
				return f, true
			}
		}
	}
	return Finding{}, false
}

// WriteJSON writes the report as indented JSON with a trailing newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func timePtr(t time.Time) *time.Time {
	t = t.UTC()
	return &t
}

// earliest returns the earlier of a and b, either possibly nil.
func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.Before(*b):
		return a
	}
	return b
}

// finish sets the resource's outcome and dates from its findings.
func (res *Resource) finish() {
	res.Outcome = kmscheck.OutcomePassed
	for _, f := range res.Findings {
		res.DeniedFrom = earliest(res.DeniedFrom, f.DeniedFrom)
		res.PermanentFrom = earliest(res.PermanentFrom, f.PermanentFrom)
		switch f.Status {
		case kmscheck.StatusFail:
			res.Outcome = kmscheck.OutcomeFailed
		case kmscheck.StatusUnknown:
			if res.Outcome != kmscheck.OutcomeFailed {
				res.Outcome = kmscheck.OutcomeIncomplete
			}
		}
	}
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
}

// sortReport puts everything in the documented order.
func (r *Report) sortReport() {
	slices.SortFunc(r.Resources, func(a, b Resource) int {
		for _, c := range [][2]string{{a.Account, b.Account}, {a.Region, b.Region}, {a.Consumer, b.Consumer}, {a.ARN, b.ARN}} {
			if c[0] != c[1] {
				if c[0] < c[1] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	slices.SortFunc(r.Keys, func(a, b Key) int {
		if a.ARN < b.ARN {
			return -1
		}
		if a.ARN > b.ARN {
			return 1
		}
		return 0
	})
	slices.SortFunc(r.Scopes, func(a, b Scope) int {
		for _, c := range [][2]string{{a.Account, b.Account}, {a.Region, b.Region}, {a.Consumer, b.Consumer}} {
			if c[0] != c[1] {
				if c[0] < c[1] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
}
