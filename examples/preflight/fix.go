package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/awsenv"
	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/keyapply"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// fixUsage documents -fix.
const fixUsage = "add the documented statements that failed policy findings name to the key's policy (safely: see keypolicy -apply), then check again; needs -key"

// validateFix rejects -fix where there is nothing real to fix.
func (f flags) validateFix() error {
	if f.fix && f.key == "" {
		return errors.New("-fix needs -key: the sandbox's keys are not yours to change")
	}
	return nil
}

// fix is -fix: after the first report, it applies the documented
// statements that the failed policy findings name, with keyapply.Apply as
// the caller (STS GetCallerIdentity), then checks again and prints the new
// report. The exit status is the new report's; 1 if Apply refused, 2 if it
// got no answer.
func fix(ctx context.Context, cmd *cli.Command, f flags, cfg aws.Config, client *kms.Client, report *kmscheck.Report, stdout, stderr io.Writer) int {
	out := stdout
	if f.json {
		out = stderr // stdout carries only the final report
	} else {
		writeReport(stdout, "Before the fix", f, report)
	}
	statements, err := fixStatements(f, report)
	if err != nil {
		return cmd.Fail(stderr, exitUsage, err)
	}
	if statements == nil {
		fmt.Fprintln(out, "fix: no failed policy finding names a documented statement; nothing to apply")
		return printFinal(f, report, stdout, stderr)
	}
	_, callerARN, err := awsenv.CallerIdentity(ctx, cfg)
	if err != nil {
		return cmd.Fail(stderr, exitUsage, fmt.Errorf("-fix could not look up who you are for the lockout check: %w", err))
	}
	key := report.KeyARN
	if key == "" {
		key = f.key
	}
	res, err := keyapply.Apply(ctx, client, key, statements, func(o *keyapply.Options) { o.Admin = callerARN })
	if res != nil {
		fmt.Fprint(stderr, res.Diff)
	}
	if err != nil {
		code := exitUsage
		if errors.Is(err, keyapply.ErrRefused) {
			code = exitFailed
		} else if !errors.Is(err, keyapply.ErrNotVerified) && !errors.Is(err, keyapply.ErrNoAnswer) {
			code = cli.Code(err)
		}
		return cmd.Fail(stderr, code, fmt.Errorf("-fix: %s", strings.TrimPrefix(err.Error(), "keyapply: ")))
	}
	if res.UpToDate {
		fmt.Fprintf(out, "fix: the key policy of %s already has the statements; nothing written\n", res.KeyARN)
	} else {
		fmt.Fprintf(out, "fix: added %q to the key policy of %s\n", res.Added, res.KeyARN)
	}
	again, err := kmscheck.Check(ctx, client, f.key, f.target())
	if err != nil {
		return cmd.Fail(stderr, exitUsage, err)
	}
	return printFinal(f, again, stdout, stderr)
}

// printFinal prints the report after the fix and returns its exit status.
func printFinal(f flags, r *kmscheck.Report, stdout, stderr io.Writer) int {
	if f.json {
		if err := writeJSON(stdout, r); err != nil {
			fmt.Fprintln(stderr, "preflight:", err)
			return exitUsage
		}
	} else {
		writeReport(stdout, "After the fix", f, r)
	}
	return exitCode(r)
}

// fixStatements returns the documented statements, for f's target, that
// the report's failed policy findings name, or nil if they name none.
func fixStatements(f flags, r *kmscheck.Report) (*keypolicy.Document, error) {
	if r.Analysis == nil {
		return nil, nil
	}
	var sids []string
	for _, res := range r.Analysis.Results {
		fd, ok := r.Finding(kmscheck.IDPolicyPrefix + res.Requirement.ID)
		if ok && fd.Status == kmscheck.StatusFail && res.Requirement.Statement != "" {
			sids = append(sids, res.Requirement.Statement)
		}
	}
	if len(sids) == 0 {
		return nil, nil
	}
	t := f.target()
	var doc *keypolicy.Document
	var err error
	if t.BatchEvaluation != nil {
		doc, err = keypolicy.ForBatchEvaluation(*t.BatchEvaluation)
	} else {
		doc, err = keypolicy.ForPolicyEngine(*t.PolicyEngine)
	}
	if err != nil {
		return nil, err
	}
	doc.Statement = slices.DeleteFunc(doc.Statement, func(s keypolicy.Statement) bool { return !slices.Contains(sids, s.Sid) })
	if len(doc.Statement) == 0 {
		return nil, nil
	}
	return doc, nil
}
