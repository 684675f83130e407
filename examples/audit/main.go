// Command audit audits every encrypted Amazon Bedrock AgentCore resource
// (policy engines and batch evaluations) of every account and Region given:
// each key's state and deletion date, its key policy against the documented
// requests, and each policy engine's two grants, under KMS's request
// quotas, each key read once.
//
// Without -role it runs a sandbox: two accounts in two Regions on loopback
// emulators, with a loopback STS, one disabled key and one key pending
// deletion. With -role it uses real AWS through the default configuration
// (AWS_PROFILE, AWS_REGION, ...), whose credentials assume each role.
//
//	audit                                           # the sandbox
//	audit -role arn:aws:iam::111122223333:role/AgentCoreAudit -regions us-east-1,eu-west-1
//	audit -role ROLE_A -role ROLE_B -principal arn:aws:iam::111122223333:role/Creator -json
//	audit -role ROLE_A -key arn:aws:kms:us-east-1:111122223333:key/...   # blast radius of one key
//
// -principal names, per account, the IAM role that creates and uses the
// resources: key policies are judged for its requests; without one, the
// caller's requests are not judged and the audit is incomplete.
//
// Progress goes to standard error about once a second.
//
// Exit status: 0 when every resource passed, 1 when a resource failed
// (its use of its key is denied now or from a known date, or another
// finding failed), 2 for bad input or when the audit is incomplete (a key
// that could not be read, a listing cut short, a role that could not be
// assumed).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/internal/awsenv"
	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

const summary = "audit every encrypted AgentCore resource of every account and Region"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// flags are the parsed command line.
type flags struct {
	roles, principals []string
	regions           string
	key               string
	json              bool
}

type listFlag struct{ dst *[]string }

func (l listFlag) String() string {
	if l.dst == nil {
		return ""
	}
	return strings.Join(*l.dst, ",")
}

func (l listFlag) Set(s string) error {
	*l.dst = append(*l.dst, s)
	return nil
}

func newCommand() (*cli.Command, *flags) {
	var f flags
	cmd := cli.New("audit", summary)
	fs := cmd.Flags
	fs.Var(listFlag{&f.roles}, "role", "IAM role ARN to assume in an account (repeat for each account); without it, run the sandbox")
	fs.Var(listFlag{&f.principals}, "principal", "IAM role or user ARN that creates and uses an account's resources (repeat, one per account)")
	fs.StringVar(&f.regions, "regions", "", "comma-separated AWS Regions (default: the AWS configuration's; in the sandbox, its two)")
	fs.StringVar(&f.key, "key", "", "print only the blast radius of this key ARN")
	fs.BoolVar(&f.json, "json", false, "print the report (or the blast radius) as JSON")
	return cmd, &f
}

// target builds the audit target, matching principals to accounts by the
// account in their ARN.
func (f *flags) target(defaultRegions []string) (fleet.Target, error) {
	t := fleet.Target{Regions: defaultRegions}
	if f.regions != "" {
		t.Regions = strings.Split(f.regions, ",")
	}
	byAccount := map[string]string{}
	for _, p := range f.principals {
		parts := strings.Split(p, ":")
		if len(parts) != 6 || parts[2] != "iam" {
			return t, cli.Usagef("-principal %q is not an IAM role or user ARN", p)
		}
		byAccount[parts[4]] = p
	}
	for _, r := range f.roles {
		parts := strings.Split(r, ":")
		if len(parts) != 6 {
			return t, cli.Usagef("-role %q is not an IAM role ARN", r)
		}
		t.Accounts = append(t.Accounts, fleet.Account{RoleARN: r, Principal: byAccount[parts[4]]})
		delete(byAccount, parts[4])
	}
	for acct := range byAccount {
		return t, cli.Usagef("-principal for account %s, which no -role names", acct)
	}
	return t, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd, f := newCommand()
	if code, ok := cmd.Parse(args, stderr); !ok {
		return code
	}
	ctx, cancel := cmd.Context(context.Background())
	defer cancel()
	var (
		t       fleet.Target
		clients fleet.ClientsFunc
		err     error
	)
	if len(f.roles) == 0 {
		if len(f.principals) > 0 {
			return cmd.Fail(stderr, cli.ExitBadInput, cli.Usagef("-principal needs -role (the sandbox has its own principals)"))
		}
		sb, err := startSandbox(ctx)
		if err != nil {
			return cmd.Fail(stderr, cli.ExitBadInput, err)
		}
		defer sb.Close()
		t, clients = sb.target, sb.clients
		if f.regions != "" {
			t.Regions = strings.Split(f.regions, ",")
		}
	} else {
		// Check the flags before loading any configuration.
		if t, err = f.target(nil); err != nil {
			return cmd.Fail(stderr, cli.Code(err), err)
		}
		cfg, err := awsenv.LoadConfig(ctx, "")
		if err != nil {
			return cmd.Fail(stderr, cli.ExitBadInput, err)
		}
		if len(t.Regions) == 0 {
			t.Regions = []string{cfg.Region}
		}
		clients = fleet.AssumeRole(cfg)
	}
	rep, err := fleet.Audit(ctx, t, clients, func(o *fleet.Options) { o.Progress = progress(stderr) })
	if err != nil && rep == nil {
		return cmd.Fail(stderr, cli.Code(err), err)
	}
	if err != nil {
		fmt.Fprintln(stderr, "audit:", err)
	}
	if f.key != "" {
		return blast(rep, f.key, f.json, stdout, stderr, cmd)
	}
	if f.json {
		if err := rep.WriteJSON(stdout); err != nil {
			return cmd.Fail(stderr, cli.ExitBadInput, err)
		}
	} else {
		printReport(stdout, rep)
	}
	return exitCode(rep.Outcome)
}

func exitCode(o kmscheck.Outcome) int {
	switch o {
	case kmscheck.OutcomePassed:
		return cli.ExitOK
	case kmscheck.OutcomeFailed:
		return cli.ExitFailed
	}
	return cli.ExitBadInput
}

// progress prints a line to w at most once a second, and the last one.
func progress(w io.Writer) func(fleet.Progress) {
	var (
		mu   sync.Mutex
		last time.Time
	)
	return func(p fleet.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "audit: %d of %d listed resources audited, %d keys, %d of %d listings done\n", p.Audited, p.Listed, p.Keys, p.Scopes, p.Total)
	}
}

func printReport(w io.Writer, rep *fleet.Report) {
	complete := 0
	for _, s := range rep.Scopes {
		if s.Complete {
			complete++
		} else {
			fmt.Fprintf(w, "INCOMPLETE listing of %s in %s %s: %s\n", s.Consumer, s.Account, s.Region, s.Error)
		}
	}
	bad := 0
	for _, res := range rep.Resources {
		if res.Outcome == kmscheck.OutcomePassed {
			continue
		}
		bad++
		fmt.Fprintf(w, "%s %s %s (%s %s)\n", strings.ToUpper(res.Outcome.String()), res.Consumer, res.ARN, res.Account, res.Region)
		for _, f := range res.Findings {
			fmt.Fprintf(w, "  %s [%s] %s\n", f.Status, f.ID, f.Message)
		}
	}
	fmt.Fprintf(w, "Result: %s: %d resources over %d keys, %d with findings, %d denied; %d of %d listings complete\n",
		strings.ToUpper(rep.Outcome.String()), len(rep.Resources), len(rep.Keys), bad, len(rep.Denied()), complete, len(rep.Scopes))
}

func blast(rep *fleet.Report, key string, asJSON bool, stdout, stderr io.Writer, cmd *cli.Command) int {
	br, ok := rep.BlastRadius(key)
	if !ok {
		return cmd.Fail(stderr, cli.ExitBadInput, fmt.Errorf("no audited resource uses key %s", key))
	}
	if asJSON {
		if err := writeJSON(stdout, br); err != nil {
			return cmd.Fail(stderr, cli.ExitBadInput, err)
		}
	} else {
		fmt.Fprintf(stdout, "Key %s (%s): %d resources\n", br.Key.ARN, br.Key.State, len(br.Resources))
		for _, r := range br.Resources {
			fmt.Fprintf(stdout, "  %s %s (%s)\n", r.Consumer, r.ARN, r.Status)
		}
		fmt.Fprintln(stdout, "If the key is disabled or deleted:")
		for _, e := range br.Effects {
			verdict := "still works"
			if e.Fails {
				verdict = "fails"
			}
			note := ""
			if e.Note != "" {
				note = " (" + e.Note + ")"
			}
			fmt.Fprintf(stdout, "  %s %s: %s%s\n", e.Consumer, e.Operation, verdict, note)
		}
		if !br.Complete {
			fmt.Fprintln(stdout, "INCOMPLETE: a listing was cut short, so resources using the key may be missing")
		}
	}
	if !br.Complete {
		return cli.ExitBadInput
	}
	return cli.ExitOK
}
