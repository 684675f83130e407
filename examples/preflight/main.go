// Command preflight checks that a KMS key will work for an Amazon Bedrock
// AgentCore feature before you create a policy engine, start a batch
// evaluation, or create any other resource that takes the key (-feature
// names it; see features.go).
//
// With -key it checks a real key through the default AWS configuration, so
// AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL_KMS work as usual; the
// account and principal default to the caller's own identity (STS
// GetCallerIdentity). Without -key it runs a sandbox: an in-memory KMS with
// sample keys, each checked and printed.
//
//	preflight -key arn:aws:kms:us-east-1:111122223333:key/... -feature policy-engine
//	preflight -key alias/agentcore -feature batch-evaluation -json
//	preflight -key arn:aws:kms:...:key/... -feature gateway -service-role ROLE_ARN -resource-arn GATEWAY_ARN
//	preflight -key arn:aws:kms:...:key/... -feature policy-engine,evaluator   # one key, several features
//	preflight                        # the sandbox
//	preflight -key arn:aws:kms:... -fix  # add the missing statements, check again
//
// -fix applies the documented statements that failed policy findings name
// to the key's policy, as keypolicy -apply does (nothing of the policy
// changes, no lockout, refused with status 1 otherwise), then checks again
// and prints the new result, whose status it exits with.
//
// -timeout (default 2m) bounds the whole run; a KMS endpoint that never
// answers makes the run give up with status 2.
//
// Exit status: 0 when the preflight passed (every finding passes or warns;
// in the sandbox, when every sample behaved as documented), 1 when a finding
// fails, 2 for bad input (a bad flag prints one line and a hint to -h), when
// the run timed out or got no answer, or when the preflight is incomplete
// (no finding failed but some could not be checked).
//
// The identity running preflight (the AWS configuration's credentials) needs
// kms:DescribeKey and kms:GetKeyPolicy on the key; -principal names the
// caller role the key policy is judged for, which may be another identity.
// The documented policy-engine key policy lets that role use the key only
// through AgentCore, so run preflight as an administrator or CI role and
// pass the caller role with -principal.
//
// -iam resolves the findings a key policy leaves to IAM (a statement naming
// the account root, as the default key policy has) with IAM
// SimulatePrincipalPolicy for -principal: each becomes pass, or fail naming
// the IAM policy, permissions boundary or service control policy that
// denies it. It needs iam:SimulatePrincipalPolicy (AWS_ENDPOINT_URL_IAM
// works as usual); a simulation that fails leaves the finding a warning. In
// the sandbox, -iam adds two samples with an in-memory IAM: a caller whose
// IAM policy is the generated identity policy, and one whose policy lacks
// kms:CreateGrant.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awsarn"
	"github.com/agentcorekms/agentcorekms/internal/awsenv"
	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Exit statuses, shared by every example command.
const (
	exitOK     = cli.ExitOK
	exitFailed = cli.ExitFailed
	exitUsage  = cli.ExitBadInput
)

const summary = `Usage: preflight [-key KEY] [-feature policy-engine|batch-evaluation] [flags]
Checks that a KMS key will work for an Amazon Bedrock AgentCore feature.
Without -key, checks sample keys in an in-memory KMS (the sandbox).`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// flags are the parsed command line.
type flags struct {
	key, feature, region, account, principal string
	engineARN, evaluationARN                 string
	sourceContext, json, iam                 bool
	fix                                      bool
	consumerFlags
}

// newCommand declares every flag, bound to the returned flags.
func newCommand() (*cli.Command, *flags) {
	var f flags
	cmd := cli.New("preflight", summary)
	fs := cmd.Flags
	fs.StringVar(&f.key, "key", "", "key id, key ARN, alias name or alias ARN to check; without it, run the sandbox")
	fs.StringVar(&f.feature, "feature", keypolicy.FeaturePolicyEngine, featureUsage)
	f.consumerFlags.declare(fs)
	fs.StringVar(&f.region, "region", "", "Region of the policy engine or batch evaluation (default: the AWS configuration's, or us-east-1 in the sandbox)")
	fs.StringVar(&f.account, "account", "", "12-digit account of the engine or evaluation (default: the caller's, or 111122223333 in the sandbox)")
	fs.StringVar(&f.principal, "principal", "", "IAM role or user ARN that creates engines or starts evaluations, the one the key policy is judged for (default: the caller's role)")
	fs.StringVar(&f.engineARN, "engine-arn", "", "narrow the check to one policy engine ARN")
	fs.StringVar(&f.evaluationARN, "evaluation-arn", "", "narrow the check to one batch evaluation ARN")
	fs.BoolVar(&f.sourceContext, "source-context", false, "expect the documented source-context variant of the policy-engine key policy")
	fs.BoolVar(&f.json, "json", false, "print JSON instead of a table")
	fs.BoolVar(&f.fix, "fix", false, fixUsage)
	fs.BoolVar(&f.iam, "iam", false, iamFlagUsage)
	return cmd, &f
}

// validate checks what flag parsing cannot: combinations, and the key
// reference (with the module's one validator, so a malformed ARN never
// reaches KMS).
func (f flags) validate() error {
	if err := f.validateFix(); err != nil {
		return err
	}
	if err := f.checkFeature(); err != nil {
		return err
	}
	if f.key != "" {
		if _, err := agentcore.ParseKeyRef(f.key, agentcore.KeyRefRules{Field: "-key", Region: f.region}); err != nil {
			return err
		}
	}
	return nil
}

// target builds the kmscheck target of f.
func (f flags) target() kmscheck.Target { return f.consumerTarget() }

func run(args []string, stdout, stderr io.Writer) int {
	cmd, f := newCommand()
	if code, ok := cmd.Parse(args, stderr); !ok {
		return code
	}
	if err := f.validate(); err != nil {
		return cmd.Fail(stderr, exitUsage, fmt.Errorf("%s (run preflight -h for usage)", strings.TrimPrefix(err.Error(), "agentcorekms: ")))
	}
	ctx, cancel := cmd.Context(context.Background())
	defer cancel()
	if f.key == "" {
		return sandbox(ctx, cmd, *f, stdout, stderr)
	}
	return checkReal(ctx, cmd, *f, stdout, stderr)
}

// checkReal checks f.key against AWS (or AWS_ENDPOINT_URL_KMS).
func checkReal(ctx context.Context, cmd *cli.Command, f flags, stdout, stderr io.Writer) int {
	cfg, err := awsenv.LoadConfig(ctx, f.region)
	if err != nil {
		fmt.Fprintln(stderr, "preflight:", err)
		return exitUsage
	}
	f.region = cfg.Region
	fromSession := false
	if f.account == "" || f.principal == "" {
		account, principal, err := awsenv.CallerIdentity(ctx, cfg)
		if err != nil {
			if f.account == "" {
				fmt.Fprintln(stderr, "preflight: could not look up your account (pass -account and -principal):", err)
				return exitUsage
			}
			fmt.Fprintln(stderr, "preflight: could not look up your identity; checking for the account root:", err)
		} else {
			if f.account == "" {
				f.account = account
			}
			if f.principal == "" {
				f.principal = principalOf(principal)
				// A role from STS comes from a session, so it has no path.
				fromSession = f.principal != ""
			}
		}
	}
	// A key ARN names its Region; KMS must be asked there.
	kmsRegion := f.region
	if a, err := arn.Parse(f.key); err == nil && a.Region != "" {
		kmsRegion = a.Region
	}
	client := kms.NewFromConfig(cfg, func(o *kms.Options) { o.Region = kmsRegion })
	iamOpts := f.realIAM(ctx, cfg, fromSession, stderr)
	check := func(f flags) (*kmscheck.Report, flags, error) {
		report, err := kmscheck.Check(ctx, client, f.key, f.target(), iamOpts...)
		if err != nil {
			return nil, f, err
		}
		// A session ARN has no role path, so the role ARN taken from it
		// lacks one; if the key policy names the role with its path, check
		// for that.
		if fromSession && report.Policy != nil {
			if role := rolePathIn(report.Policy, f.principal); role != "" {
				f.principal = role
				report, err = kmscheck.Check(ctx, client, f.key, f.target(), iamOpts...)
			}
		}
		return report, f, err
	}
	if names := f.featureNames(); len(names) > 1 {
		return checkShared(f, names, check, stdout, stderr, cmd)
	}
	report, f, err := check(f)
	if err != nil {
		return cmd.Fail(stderr, exitUsage, err)
	}
	if f.fix {
		return fix(ctx, cmd, f, cfg, client, report, stdout, stderr)
	}
	if f.json {
		if err := writeJSON(stdout, report); err != nil {
			fmt.Fprintln(stderr, "preflight:", err)
			return exitUsage
		}
	} else {
		writeReport(stdout, "", f, report)
	}
	return exitCode(report)
}

// checkShared checks one key for each feature of a list, each with its own
// flags, prints every report (a JSON array with -json), and exits with the
// worst: 1 when a feature's check failed, else 2 when one is incomplete,
// else 0.
func checkShared(f flags, names []string, check func(flags) (*kmscheck.Report, flags, error), stdout, stderr io.Writer, cmd *cli.Command) int {
	var reports []*kmscheck.Report
	code := exitOK
	for _, n := range names {
		report, g, err := check(f.forFeature(n))
		if err != nil {
			return cmd.Fail(stderr, exitUsage, fmt.Errorf("-feature %s: %w", n, err))
		}
		reports = append(reports, report)
		if !f.json {
			writeReport(stdout, n, g, report)
		}
		switch c := exitCode(report); {
		case c == exitFailed:
			code = exitFailed
		case c != exitOK && code == exitOK:
			code = c
		}
	}
	if f.json {
		if err := writeJSON(stdout, reports); err != nil {
			fmt.Fprintln(stderr, "preflight:", err)
			return exitUsage
		}
	}
	return code
}

// principalOf turns an STS assumed-role session ARN into its role ARN (the
// role path is not in the session ARN, so it is lost; checkReal takes it
// from the key policy when that names the role). Another STS ARN (a
// federated user) gives "", so that the check is for the account root;
// other values are returned as they are.
func principalOf(callerARN string) string {
	if role, ok := awsarn.SessionRole(callerARN); ok {
		return role
	}
	if a, err := arn.Parse(callerARN); err == nil && a.Service == "sts" {
		return ""
	}
	return callerARN
}

// rolePathIn returns the one role ARN in doc's principals with the account
// and name of role (which has no path) but a path, or "" if there is none
// or more than one. Role names are unique in an account, whatever the path,
// so such an ARN names the same role.
func rolePathIn(doc *keypolicy.Document, role string) string {
	want, err := arn.Parse(role)
	if err != nil || !strings.HasPrefix(want.Resource, "role/") {
		return ""
	}
	name := strings.TrimPrefix(want.Resource, "role/")
	found := ""
	for _, s := range doc.Statement {
		for _, p := range []*keypolicy.Principal{s.Principal, s.NotPrincipal} {
			for _, v := range p.Values(keypolicy.PrincipalAWS) {
				a, err := arn.Parse(v)
				if err != nil || v == role || a.Service != "iam" || a.Partition != want.Partition || a.AccountID != want.AccountID ||
					!strings.HasPrefix(a.Resource, "role/") || a.Resource[strings.LastIndexByte(a.Resource, '/')+1:] != name {
					continue
				}
				if found != "" && found != v {
					return ""
				}
				found = v
			}
		}
	}
	return found
}

// exitCode is 0 for a passed report, 1 for a failed one and 2 for an
// incomplete one.
func exitCode(r *kmscheck.Report) int { return cli.OutcomeCode(r) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeReport prints a report as a table with remedies under each finding.
func writeReport(w io.Writer, title string, f flags, r *kmscheck.Report) {
	if title != "" {
		fmt.Fprintf(w, "== %s\n", title)
	}
	key := r.KeyID
	if r.KeyARN != "" && r.KeyARN != r.KeyID {
		key += " (" + r.KeyARN + ")"
	}
	fmt.Fprintf(w, "Key %s for %s in %s, account %s", key, r.Feature, f.region, f.account)
	if f.principal != "" {
		fmt.Fprintf(w, ", caller %s", f.principal)
	}
	fmt.Fprintln(w)
	for _, fd := range r.Findings {
		fmt.Fprintf(w, "  %-7s  %-36s  %s\n", strings.ToUpper(fd.Status.String()), fd.ID, fd.Message)
		if fd.Remedy != "" {
			fmt.Fprintf(w, "  %-7s  %-36s  remedy: %s\n", "", "", fd.Remedy)
		}
	}
	n := func(s kmscheck.Status) int { return len(r.WithStatus(s)) }
	verdict := "INCOMPLETE"
	switch r.Outcome() {
	case kmscheck.OutcomePassed:
		verdict = "PASS"
	case kmscheck.OutcomeFailed:
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "Result: %s (%d pass, %d warn, %d fail, %d unknown)\n\n", verdict, n(kmscheck.StatusPass), n(kmscheck.StatusWarn), n(kmscheck.StatusFail), n(kmscheck.StatusUnknown))
}
