package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// exitCheckFailed is the status when -check finds a denied request or
// -lint an error-severity finding.
const exitCheckFailed = 1

// checkArgs rejects flags that make no sense with -check or -lint.
func checkArgs(o *options) error {
	if o.key != "" {
		if o.check == "" && !o.identityPolicy {
			return badInput("-key applies to -check and -identity-policy")
		}
		if err := (keypolicy.Request{Action: "kms:Decrypt", Resource: o.key}).Validate(); err != nil {
			return badInput("-key %q: not a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", o.key)
		}
	}
	if o.check == "" && o.lint == "" {
		if o.json {
			return badInput("-json applies to -check and -lint")
		}
		return nil
	}
	if o.merge != "" {
		return badInput("-merge writes a policy; it cannot be combined with -check or -lint")
	}
	if o.compact {
		return badInput("-compact applies to a written policy, not to -check or -lint")
	}
	return nil
}

// checkAndLint runs -check and then -lint, and returns the exit status:
// exitCheckFailed if either failed, exitBadInput for bad input.
func checkAndLint(o *options, stdin io.Reader, stdout, stderr io.Writer) int {
	var stdinDoc *keypolicy.Document // standard input is read once
	load := func(flagName, path string) (*keypolicy.Document, error) {
		if path == "-" && stdinDoc != nil {
			return stdinDoc, nil
		}
		doc, err := loadPolicy(flagName, path, stdin)
		if path == "-" {
			stdinDoc = doc
		}
		return doc, err
	}
	code := exitOK
	var rep jsonReport
	if o.check != "" {
		doc, err := load("-check", o.check)
		if err != nil {
			return fail(stderr, exitBadInput, err)
		}
		reqs, err := requirements(o)
		if err != nil {
			return fail(stderr, exitBadInput, err)
		}
		a := keypolicy.Analyze(doc, reqs)
		if o.json {
			rep.addCheck(a)
		} else {
			printCheck(stdout, a)
		}
		if !checkPassed(a) {
			code = exitCheckFailed
		}
	}
	if o.lint != "" {
		doc, err := load("-lint", o.lint)
		if err != nil {
			return fail(stderr, exitBadInput, err)
		}
		findings := keypolicy.Lint(doc)
		if o.json {
			rep.addLint(findings)
		} else {
			printLint(stdout, findings)
		}
		if !lintPassed(findings) {
			code = exitCheckFailed
		}
	}
	if o.json {
		rep.OK = code == exitOK
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail(stderr, exitFailed, fmt.Errorf("writing the report: %w", err))
		}
	}
	return code
}

// jsonReport is what -json writes: the -check results and -lint findings.
type jsonReport struct {
	// OK is false when the command exits with status 1.
	OK       bool          `json:"ok"`
	Requests []jsonRequest `json:"requests,omitempty"`
	Summary  *jsonSummary  `json:"summary,omitempty"`
	Findings []jsonFinding `json:"findings,omitempty"`
}

// jsonRequest is one KMS request of -check and the key policy's verdict.
type jsonRequest struct {
	Requirement string             `json:"requirement"` // such as "policy-engine/decrypt"
	Action      string             `json:"action"`
	Caller      string             `json:"caller"`
	Verdict     keypolicy.Verdict  `json:"verdict"`
	Allowed     bool               `json:"allowed"`
	Undecided   bool               `json:"undecided"`
	Statements  []jsonStatementRef `json:"statements"`
	Reason      string             `json:"reason,omitempty"`
	Fix         string             `json:"fix,omitempty"`
}

type jsonStatementRef struct {
	Index int    `json:"index"`
	Sid   string `json:"sid,omitempty"`
}

type jsonSummary struct {
	Requests  int `json:"requests"`
	Allowed   int `json:"allowed"`
	NeedsIAM  int `json:"needsIAM"`
	Undecided int `json:"undecided"`
}

type jsonFinding struct {
	ID        string `json:"id"`
	Severity  string `json:"severity"`
	Statement int    `json:"statement"` // -1 for the whole policy
	Sid       string `json:"sid,omitempty"`
	Message   string `json:"message"`
}

func (rep *jsonReport) addCheck(a keypolicy.Analysis) {
	rep.Requests = []jsonRequest{}
	for _, r := range a.Results {
		caller := r.Requirement.Request.Principal
		if caller == "" {
			caller = r.Requirement.Request.Service
		}
		jr := jsonRequest{
			Requirement: r.Requirement.String(), Action: r.Requirement.Action, Caller: caller,
			Verdict: r.Decision.Verdict, Allowed: r.OK(), Undecided: r.Undecided(),
			Statements: []jsonStatementRef{}, Reason: r.Reason, Fix: r.Fix,
		}
		for _, s := range r.Deciding {
			jr.Statements = append(jr.Statements, jsonStatementRef{Index: s.Index, Sid: s.Sid})
		}
		rep.Requests = append(rep.Requests, jr)
	}
	rep.Summary = &jsonSummary{
		Requests: len(a.Results), Allowed: len(a.Results) - len(a.Failed()),
		NeedsIAM: len(a.NeedsIAM()), Undecided: len(a.Undecided()),
	}
}

func (rep *jsonReport) addLint(findings []keypolicy.Finding) {
	rep.Findings = []jsonFinding{}
	for _, f := range findings {
		rep.Findings = append(rep.Findings, jsonFinding{ID: f.ID, Severity: f.Severity.String(), Statement: f.Statement, Sid: f.Sid, Message: f.Message})
	}
}

// requirements returns the requests of the -feature, for the flags given.
func requirements(o *options) ([]keypolicy.Requirement, error) {
	out, err := featureRequirements(o)
	if err != nil {
		return nil, err
	}
	if o.key != "" {
		for i := range out {
			out[i].Request.Resource = o.key
		}
	}
	return out, nil
}

// checkPassed reports whether the policy allows every requirement, none
// only because a Deny statement that cannot be evaluated was taken as not
// matching.
func checkPassed(a keypolicy.Analysis) bool {
	return len(a.Failed()) == 0 && len(a.Undecided()) == 0
}

// printCheck prints one line per requirement and a summary.
func printCheck(w io.Writer, a keypolicy.Analysis) {
	fmt.Fprint(w, a.String())
	n, failed, iam, undecided := len(a.Results), len(a.Failed()), len(a.NeedsIAM()), len(a.Undecided())
	summary := fmt.Sprintf("%d of %d requests allowed by the key policy", n-failed, n)
	if undecided > 0 {
		summary += fmt.Sprintf(", %d of them only if a Deny statement that cannot be evaluated does not match", undecided)
	}
	if iam > 0 {
		summary += fmt.Sprintf(" (%d only if the caller's IAM policies allow them too)", iam)
	}
	fmt.Fprintln(w, summary)
}

// lintPassed reports whether no finding is an error.
func lintPassed(findings []keypolicy.Finding) bool {
	for _, f := range findings {
		if f.Severity == keypolicy.SeverityError {
			return false
		}
	}
	return true
}

// printLint prints the findings, or that there are none.
func printLint(w io.Writer, findings []keypolicy.Finding) {
	for _, f := range findings {
		fmt.Fprintln(w, f)
	}
	if len(findings) == 0 {
		fmt.Fprintln(w, "no findings")
	}
}

// loadPolicy reads and parses the key policy named by flagName.
func loadPolicy(flagName, path string, stdin io.Reader) (*keypolicy.Document, error) {
	data, err := readInput(flagName, path, stdin)
	if err != nil {
		return nil, err
	}
	doc, err := keypolicy.Parse(data)
	if err != nil {
		var se *keypolicy.SyntaxError
		if errors.As(err, &se) {
			return nil, badInput("%s is not valid JSON: line %d, column %d: %s", mergeName(path), se.Line, se.Column, se.Msg)
		}
		return nil, badInput("%s is not a key policy: %s", mergeName(path), strings.TrimPrefix(err.Error(), "keypolicy: "))
	}
	return doc, nil
}
