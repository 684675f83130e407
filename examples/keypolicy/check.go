package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// exitCheckFailed is the status when -check finds a denied request or
// -lint an error-severity finding.
const exitCheckFailed = 1

// checkArgs rejects flags that make no sense with -check or -lint.
func checkArgs(o *options) error {
	if o.check == "" && o.lint == "" {
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
	if o.check != "" {
		doc, err := load("-check", o.check)
		if err != nil {
			return fail(stderr, exitBadInput, err)
		}
		reqs, err := requirements(o)
		if err != nil {
			return fail(stderr, exitBadInput, err)
		}
		if !check(stdout, doc, reqs) {
			code = exitCheckFailed
		}
	}
	if o.lint != "" {
		doc, err := load("-lint", o.lint)
		if err != nil {
			return fail(stderr, exitBadInput, err)
		}
		if !lint(stdout, doc) {
			code = exitCheckFailed
		}
	}
	return code
}

// requirements returns the requests of the -feature, for the flags given.
func requirements(o *options) ([]keypolicy.Requirement, error) { return featureRequirements(o) }

// check prints one line per requirement and a summary, and reports whether
// the policy allows every requirement.
func check(w io.Writer, doc *keypolicy.Document, reqs []keypolicy.Requirement) bool {
	a := keypolicy.Analyze(doc, reqs)
	fmt.Fprint(w, a.String())
	failed, iam := len(a.Failed()), len(a.NeedsIAM())
	// An allow that a Deny statement with an unsupported condition
	// operator may override is not verified: it does not pass.
	unverified := 0
	for _, r := range a.Results {
		if r.OK() && deniableByUnsupported(doc, r.Decision.Unsupported) {
			unverified++
		}
	}
	summary := fmt.Sprintf("%d of %d requests allowed by the key policy", len(reqs)-failed, len(reqs))
	if unverified > 0 {
		summary += fmt.Sprintf(", %d of them only if a Deny statement that cannot be evaluated does not match", unverified)
	}
	if iam > 0 {
		summary += fmt.Sprintf(" (%d only if the caller's IAM policies allow them too)", iam)
	}
	fmt.Fprintln(w, summary)
	return failed == 0 && unverified == 0
}

// deniableByUnsupported reports whether one of us is in a Deny statement.
func deniableByUnsupported(doc *keypolicy.Document, us []keypolicy.UnsupportedOperator) bool {
	for _, u := range us {
		if doc.Statement[u.Statement].Effect == keypolicy.EffectDeny {
			return true
		}
	}
	return false
}

// lint prints the findings, or that there are none, and reports whether
// none is an error.
func lint(w io.Writer, doc *keypolicy.Document) bool {
	findings := keypolicy.Lint(doc)
	ok := true
	for _, f := range findings {
		fmt.Fprintln(w, f)
		if f.Severity == keypolicy.SeverityError {
			ok = false
		}
	}
	if len(findings) == 0 {
		fmt.Fprintln(w, "no findings")
	}
	return ok
}

// loadPolicy reads and parses the key policy named by flagName.
func loadPolicy(flagName, path string, stdin io.Reader) (*keypolicy.Document, error) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, badInput("%s: %v", flagName, err)
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
