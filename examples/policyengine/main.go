// Command policyengine creates an Amazon Bedrock AgentCore policy engine
// encrypted with a customer managed KMS key, waits until it is ACTIVE and
// prints the two grants the service created on the key.
//
// Without -key it runs a sandbox: an in-memory KMS and control plane on
// loopback, a new key with the documented key policy, and one engine. With
// -key it uses real AWS through the default configuration, so AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL_KMS and
// AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL work as usual.
//
//	policyengine                                   # the sandbox
//	policyengine -key arn:aws:kms:us-east-1:111122223333:key/... -name MyPolicyEngine
//	policyengine -key ... -name MyPolicyEngine -principal arn:aws:iam::111122223333:role/ExampleRole
//	policyengine -aws -audit                       # audit every engine of the account
//
// With -audit it also audits every policy engine of the account (without
// -key, and with -aws, it only audits) and prints each finding. -timeout
// (default 2m) bounds the whole run, the wait for ACTIVE included.
//
// Exit status: 0 when the engine is ACTIVE with both grants (and, with
// -audit, no engine has its authorization decisions denied now or later);
// 1 when AWS refuses (a failed preflight, a documented key error, a failed
// engine, one grant missing) or the audit finds such an engine; 2 for bad
// input, an incomplete preflight (unless -proceed-on-incomplete-preflight),
// a preflight or call without an answer, and -timeout running out.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/awsenv"
	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// Exit statuses, shared by every example command.
const (
	exitOK     = cli.ExitOK
	exitFailed = cli.ExitFailed
	exitUsage  = cli.ExitBadInput
)

const summary = `Usage: policyengine [-key KEY_ARN] [-name NAME] [-audit] [flags]
Creates an Amazon Bedrock AgentCore policy engine encrypted with a customer
managed KMS key, waits until it is ACTIVE and prints its two grants.
Without -key (and without -aws), runs in an in-memory sandbox.`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// flags are the parsed command line.
type flags struct {
	key, name, description, region, principal string
	noPreflight, noWait, audit, aws           bool
	proceedOnIncomplete                       bool
	cmd                                       *cli.Command
}

// newCommand declares every flag, bound to the returned flags.
func newCommand() (*cli.Command, *flags) {
	f := &flags{}
	cmd := cli.New("policyengine", summary)
	f.cmd = cmd
	fs := cmd.Flags
	fs.StringVar(&f.key, "key", "", "ARN of the customer managed key; without it, run the sandbox")
	fs.StringVar(&f.name, "name", "ExamplePolicyEngine", "name of the policy engine")
	fs.StringVar(&f.description, "description", "Policy engine with customer-managed encryption", "description of the policy engine")
	fs.StringVar(&f.region, "region", "", "AWS Region (default: the AWS configuration's)")
	fs.StringVar(&f.principal, "principal", "", "IAM role or user ARN the preflight checks the key policy for (default: your identity, from STS)")
	fs.BoolVar(&f.noPreflight, "no-preflight", false, "skip the key preflight")
	fs.BoolVar(&f.proceedOnIncomplete, "proceed-on-incomplete-preflight", false, "create the engine even when the preflight could not check every finding (it still stops on a failed one)")
	fs.BoolVar(&f.noWait, "no-wait", false, "do not wait for the engine to be ACTIVE")
	fs.BoolVar(&f.audit, "audit", false, "audit every policy engine of the account")
	fs.BoolVar(&f.aws, "aws", false, "use AWS even without -key (with -audit: audit only)")
	return cmd, f
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd, f := newCommand()
	if code, ok := cmd.Parse(args, stderr); !ok {
		return code
	}
	// Everything a flag says is checked before any call, with the
	// library's own rules.
	if f.key != "" {
		if err := (*policyengine.Client)(nil).Validate(f.createInput(f.key), func(o *policyengine.Options) { o.Region = f.region }); err != nil {
			return cmd.Fail(stderr, exitUsage, fmt.Errorf("%v (run policyengine -h for usage)", err))
		}
	}
	ctx, cancel := cmd.Context(context.Background())
	defer cancel()
	if f.key == "" && !f.aws {
		return sandbox(ctx, *f, stdout, stderr)
	}
	return live(ctx, *f, stdout, stderr)
}

// createInput is what Create is given for keyARN.
func (f flags) createInput(keyARN string) policyengine.CreateInput {
	return policyengine.CreateInput{Name: f.name, Description: f.description, KeyARN: keyARN}
}

// exitCode maps an error of the library to the exit status: refusals by
// AWS and failed states are 1; bad input, incomplete preflights and
// missing answers are 2 (internal/cli decides the rest).
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, policyengine.ErrCreateFailed), errors.Is(err, policyengine.ErrGrantsInconsistent),
		errors.Is(err, policyengine.ErrRevokeIncomplete):
		return exitFailed
	}
	return cli.Code(err)
}

// live creates the engine in AWS.
func live(ctx context.Context, f flags, stdout, stderr io.Writer) int {
	cfg, err := awsenv.LoadConfig(ctx, f.region)
	if err != nil {
		return f.cmd.Fail(stderr, exitUsage, err)
	}
	if f.principal == "" && !f.noPreflight && f.key != "" {
		_, principal, err := awsenv.CallerIdentity(ctx, cfg)
		if err != nil {
			return f.cmd.Fail(stderr, exitCode(err), fmt.Errorf("could not look up your identity (pass -principal or -no-preflight): %w", err))
		}
		f.principal = principal
	}
	client := policyengine.New(bedrockagentcorecontrol.NewFromConfig(cfg), kms.NewFromConfig(cfg))
	if f.key == "" {
		if !f.audit {
			return f.cmd.Fail(stderr, exitUsage, errors.New("-aws needs -key (to create an engine) or -audit (run policyengine -h for usage)"))
		}
		return audit(ctx, f, client, stdout, stderr)
	}
	return createAndAudit(ctx, client, f, f.key, stdout, stderr)
}

// createAndAudit creates the engine and, with -audit, audits the account.
func createAndAudit(ctx context.Context, client *policyengine.Client, f flags, keyARN string, stdout, stderr io.Writer) int {
	code := createAndShow(ctx, client, f, keyARN, stdout, stderr)
	if code != exitOK || !f.audit {
		return code
	}
	return audit(ctx, f, client, stdout, stderr)
}

// audit prints the findings of an audit of every engine; it fails when an
// engine's authorization decisions are or will be denied.
func audit(ctx context.Context, f flags, client *policyengine.Client, stdout, stderr io.Writer) int {
	rep, err := client.Audit(ctx)
	if err != nil {
		return f.cmd.Fail(stderr, exitCode(err), fmt.Errorf("audit: %w", err))
	}
	found := rep.WithFindings()
	fmt.Fprintf(stdout, "audit: %d policy engines, %d with findings\n", len(rep.Engines), len(found))
	code := exitOK
	for _, a := range found {
		for _, fd := range a.Findings {
			fmt.Fprintf(stdout, "  %s %s: %s\n", a.Engine.ID, fd.Code, fd.Message)
		}
		if _, denied := a.DecisionsDenied(); denied {
			code = exitFailed
		}
	}
	return code
}

// createAndShow creates the engine, waits for it and prints its grants.
func createAndShow(ctx context.Context, client *policyengine.Client, f flags, keyARN string, stdout, stderr io.Writer) int {
	out, err := client.Create(ctx, f.createInput(keyARN),
		func(o *policyengine.Options) {
			o.Principal, o.SkipPreflight = f.principal, f.noPreflight
			o.ProceedOnIncompletePreflight = f.proceedOnIncomplete
			// -timeout bounds the whole run through ctx; the wait may use
			// all of what is left.
			o.Wait, o.WaitTimeout = !f.noWait, f.cmd.Timeout()
		})
	if out != nil && out.Preflight != nil {
		passed := 0
		for _, fd := range out.Preflight.Findings {
			if fd.Status == kmscheck.StatusPass {
				passed++
				continue
			}
			fmt.Fprintln(stdout, "preflight:", fd)
		}
		fmt.Fprintf(stdout, "preflight: %d of %d checks passed (%s)\n", passed, len(out.Preflight.Findings), out.Preflight.Outcome())
	}
	if err != nil {
		return f.cmd.Fail(stderr, exitCode(err), cli.Unprefixed("policyengine: ", err))
	}
	e := out.Engine
	fmt.Fprintf(stdout, "engine %s is %s\n  arn: %s\n  key: %s\n  client token: %s\n", e.ID, e.Status, e.ARN, e.KeyARN, out.ClientToken)
	pair, err := client.Grants(ctx, keyARN, e.ARN)
	printGrants(stdout, pair)
	if err != nil {
		return f.cmd.Fail(stderr, exitCode(err), cli.Unprefixed("policyengine: ", err))
	}
	if pair.State() != policyengine.GrantsBoth {
		return f.cmd.Fail(stderr, exitFailed, fmt.Errorf("key %s has %s of the engine's grants", keyARN, pair.State()))
	}
	return exitOK
}

func printGrants(w io.Writer, pair policyengine.GrantPair) {
	for _, g := range []*policyengine.Grant{pair.Management, pair.Evaluation} {
		if g == nil {
			continue
		}
		ops := make([]string, len(g.Operations))
		for i, op := range g.Operations {
			ops[i] = string(op)
		}
		fmt.Fprintf(w, "  %s %s (%s) for %s\n", g.Kind, g.ID, strings.Join(ops, ", "), g.GranteePrincipal)
	}
}
