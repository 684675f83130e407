package kmscheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Status is the outcome of one [Finding].
type Status int

// Statuses, from best to worst for a finding on its own.
const (
	// StatusPass: the key meets the requirement.
	StatusPass Status = iota
	// StatusWarn: the key may work, but something needs attention (an alias
	// instead of a key ARN, a statement that delegates to IAM, key material
	// that expires soon).
	StatusWarn
	// StatusFail: the key will not work until the remedy is applied.
	StatusFail
	// StatusUnknown: the requirement could not be checked (a call failed or
	// was denied); never read it as a pass.
	StatusUnknown
)

// String returns "pass", "warn", "fail" or "unknown".
func (s Status) String() string {
	switch s {
	case StatusPass:
		return "pass"
	case StatusWarn:
		return "warn"
	case StatusFail:
		return "fail"
	case StatusUnknown:
		return "unknown"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText returns [Status.String], for JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses the text of [Status.String].
func (s *Status) UnmarshalText(b []byte) error {
	for _, v := range []Status{StatusPass, StatusWarn, StatusFail, StatusUnknown} {
		if v.String() == string(b) {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("kmscheck: unknown status %q", b)
}

// Finding IDs. They are stable: tools may match on them. The key-policy
// findings are "policy." followed by the keypolicy.Requirement ID, such as
// "policy.create-grant-management".
const (
	IDKeyExists         = "key.exists"
	IDKeyReference      = "key.reference"
	IDKeySpec           = "key.spec"
	IDKeyUsage          = "key.usage"
	IDKeyState          = "key.state"
	IDKeyManager        = "key.manager"
	IDKeyRegion         = "key.region"
	IDKeyAccount        = "key.account"
	IDKeyMaterialExpiry = "key.material-expiry"
	IDKeyCustomKeyStore = "key.custom-key-store"
	IDPolicyRead        = "policy.read"
	// IDPolicyPrefix starts the id of each key-policy requirement finding.
	IDPolicyPrefix = "policy."
	// IDDryRunGenerateDataKey is the dry run of GenerateDataKey (batch
	// evaluation only).
	IDDryRunGenerateDataKey = "dryrun.generate-data-key"
)

// Finding is the result of checking one requirement.
type Finding struct {
	// ID is stable, such as "key.state"; see the ID constants.
	ID string `json:"id"`
	// Status is the outcome.
	Status Status `json:"status"`
	// Message says what was found, in a sentence.
	Message string `json:"message"`
	// Remedy says what to do; empty for a pass.
	Remedy string `json:"remedy,omitempty"`
	// Err is the typed error of a failed finding (a *FindingError), or for
	// an unknown one the error that prevented the check; nil otherwise.
	Err error `json:"-"`
}

// MarshalJSON encodes the finding with its error text, if any, as "error".
func (f Finding) MarshalJSON() ([]byte, error) {
	type plain Finding
	out := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(f)}
	if f.Err != nil {
		out.Error = f.Err.Error()
	}
	return json.Marshal(out)
}

// String returns "STATUS id: message" and the remedy, if any.
func (f Finding) String() string {
	s := fmt.Sprintf("%-7s %s: %s", f.Status, f.ID, f.Message)
	if f.Remedy != "" {
		s += " Remedy: " + f.Remedy
	}
	return s
}

// Report is the result of [Check]: every finding, in a fixed order, and
// what was learned about the key.
//
// Check returns a Report it no longer touches. Its methods only read it, so
// several goroutines may call them at once; changing a Report while others
// read it is not safe.
type Report struct {
	// KeyID is the key id Check was given.
	KeyID string `json:"keyId"`
	// KeyARN is the key's ARN, when DescribeKey (or the key id itself)
	// told it.
	KeyARN string `json:"keyArn,omitempty"`
	// Feature is keypolicy.FeaturePolicyEngine or
	// keypolicy.FeatureBatchEvaluation.
	Feature string `json:"feature"`
	// Findings, in a fixed order: key findings, the key policy ones, then
	// the dry run.
	Findings []Finding `json:"findings"`
	// Metadata is DescribeKey's answer, or nil.
	Metadata *types.KeyMetadata `json:"-"`
	// Policy is the parsed key policy, or nil if it could not be read.
	Policy *keypolicy.Document `json:"-"`
	// Analysis is the key policy's verdict on the feature's requirements,
	// or nil if the policy could not be read.
	Analysis *keypolicy.Analysis `json:"-"`
}

// Outcome is the verdict of a whole [Report]: passed, failed or incomplete.
// The zero value is OutcomeIncomplete, so an Outcome nobody set never reads
// as a pass.
type Outcome int

// Outcomes.
const (
	// OutcomeIncomplete: no finding failed, but at least one is unknown (or
	// there are no findings at all): the check did not get the answers a
	// pass needs. Do not go ahead as if it passed.
	OutcomeIncomplete Outcome = iota
	// OutcomePassed: every finding is pass or warn.
	OutcomePassed
	// OutcomeFailed: at least one finding failed.
	OutcomeFailed
)

// String returns "incomplete", "passed" or "failed".
func (o Outcome) String() string {
	switch o {
	case OutcomeIncomplete:
		return "incomplete"
	case OutcomePassed:
		return "passed"
	case OutcomeFailed:
		return "failed"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText returns [Outcome.String], for JSON.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText parses the text of [Outcome.String].
func (o *Outcome) UnmarshalText(b []byte) error {
	for _, v := range []Outcome{OutcomeIncomplete, OutcomePassed, OutcomeFailed} {
		if v.String() == string(b) {
			*o = v
			return nil
		}
	}
	return fmt.Errorf("kmscheck: unknown outcome %q", b)
}

// Outcome returns the report's verdict: [OutcomeFailed] if any finding
// failed; otherwise [OutcomePassed] if every finding is pass or warn and
// there is at least one; otherwise [OutcomeIncomplete]. A nil Report, or
// one without findings, is incomplete: nothing was checked.
func (r *Report) Outcome() Outcome {
	if r == nil || len(r.Findings) == 0 {
		return OutcomeIncomplete
	}
	o := OutcomePassed
	for _, f := range r.Findings {
		switch f.Status {
		case StatusFail:
			return OutcomeFailed
		case StatusPass, StatusWarn:
		default: // StatusUnknown, or a status this version does not know
			o = OutcomeIncomplete
		}
	}
	return o
}

// Passed reports whether the report's outcome is [OutcomePassed]: every
// finding is pass or warn. Only then is [Report.Err] nil.
func (r *Report) Passed() bool { return r.Outcome() == OutcomePassed }

// Failed reports whether at least one finding failed ([OutcomeFailed]).
func (r *Report) Failed() bool { return r.Outcome() == OutcomeFailed }

// Incomplete reports whether no finding failed but the check lacks an
// answer for at least one ([OutcomeIncomplete]). An incomplete report is
// not a pass.
func (r *Report) Incomplete() bool { return r.Outcome() == OutcomeIncomplete }

// OK reports whether the report passed.
//
// Deprecated: OK is [Report.Passed]. It used to be true when no finding
// failed, even if every finding was unknown; use Passed, Failed and
// Incomplete, or Outcome.
func (r *Report) OK() bool { return r.Passed() }

// Complete reports whether every finding has an answer (none is
// [StatusUnknown]). A nil Report is not complete.
func (r *Report) Complete() bool {
	if r == nil {
		return false
	}
	for _, f := range r.Findings {
		if f.Status == StatusUnknown {
			return false
		}
	}
	return true
}

// Err returns nil only when the report passed. Otherwise it returns the
// errors of the failed findings joined with errors.Join (each a
// [*FindingError]), or, when none failed but the report is incomplete, an
// [*IncompleteError] (which unwraps to [ErrIncomplete]) listing the unknown
// findings. A nil Report returns an [*InputError].
func (r *Report) Err() error {
	if r == nil {
		return &InputError{Field: "report", Reason: "is nil: no check ran"}
	}
	switch r.Outcome() {
	case OutcomePassed:
		return nil
	case OutcomeFailed:
		var errs []error
		for _, f := range r.Findings {
			if f.Status == StatusFail {
				err := f.Err
				if err == nil { // a hand-built finding
					err = &FindingError{ID: f.ID, KeyID: r.keyName(), Message: f.Message}
				}
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	ie := &IncompleteError{KeyID: r.keyName()}
	for _, f := range r.Findings {
		if f.Status != StatusPass && f.Status != StatusWarn {
			ie.Unknown = append(ie.Unknown, f.ID)
			if f.Err != nil && !containsErr(ie.Errs, f.Err) {
				ie.Errs = append(ie.Errs, f.Err)
			}
		}
	}
	return ie
}

// containsErr reports whether errs holds err itself (one cause is shared by
// the many findings it left unknown).
func containsErr(errs []error, err error) bool {
	t := reflect.TypeOf(err)
	if !t.Comparable() {
		return false
	}
	for _, e := range errs {
		if reflect.TypeOf(e) == t && e == err {
			return true
		}
	}
	return false
}

func (r *Report) keyName() string {
	if r.KeyARN != "" {
		return r.KeyARN
	}
	return r.KeyID
}

// Finding returns the finding with id, if the report has it.
// It is safe on a nil Report, which has none.
func (r *Report) Finding(id string) (Finding, bool) {
	if r == nil {
		return Finding{}, false
	}
	for _, f := range r.Findings {
		if f.ID == id {
			return f, true
		}
	}
	return Finding{}, false
}

// WithStatus returns the findings with status s, in order.
// It is safe on a nil Report, which has none.
func (r *Report) WithStatus(s Status) []Finding {
	if r == nil {
		return nil
	}
	var out []Finding
	for _, f := range r.Findings {
		if f.Status == s {
			out = append(out, f)
		}
	}
	return out
}
