// Command keypolicy writes the KMS key policy that Amazon Bedrock AgentCore
// documents for encrypting a resource with a customer managed key (policy
// engines, batch evaluations, evaluators, datasets, configuration bundles,
// recommendations, payment managers, gateways, the token vault; for memory,
// the documented IAM identity policy), for your account, Region and caller,
// and can merge it into an existing key policy. -feature takes a
// comma-separated list for one key shared by several (see features.go).
//
// Usage:
//
//	keypolicy -account 111122223333 -region us-east-1 [flags]
//
// Examples:
//
//	# the policy-engine key policy, for the account root
//	keypolicy -account 111122223333 -region us-east-1
//
//	# both features on one key, for one role, added to the key's current policy
//	aws kms get-key-policy --key-id alias/agentcore --query Policy --output text |
//	  keypolicy -feature both -account 111122223333 -region us-east-1 \
//	    -principal arn:aws:iam::111122223333:role/AgentCoreAdmin -merge -
//
//	# will the key's current policy work for policy engines called by this role?
//	aws kms get-key-policy --key-id alias/agentcore --query Policy --output text |
//	  keypolicy -account 111122223333 -region us-east-1 \
//	    -principal arn:aws:iam::111122223333:role/AgentCoreAdmin -check -
//
//	# one key for a gateway and its evaluators, narrowed to one gateway
//	keypolicy -feature gateway,evaluator -account 111122223333 -region us-east-1 \
//	    -principal arn:aws:iam::111122223333:role/EvalAdmin \
//	    -service-role arn:aws:iam::111122223333:role/GatewayServiceRole \
//	    -resource-arn arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1
//
//	# security and correctness findings in a key policy
//	keypolicy -lint policy.json
//
// -check prints one line per KMS request the feature makes (allowed or
// denied, by which statement, and the fix) and exits with status 1 if the
// policy denies any, or allows one only because a Deny statement with a
// condition operator it cannot evaluate was taken as not matching. The requests come from -principal; when that is the
// account root (the default), from a sample role of the account,
// ExampleRole, since the root user does not call AgentCore. -lint prints the findings and exits with status 1 if
// any is an error; it needs no other flag.
//
// The policy goes to standard output. Bad input (flags, parameters, a
// malformed policy to merge into, or a Sid it already uses for a different
// statement) writes one line to standard error and exits with status 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1 // the output could not be written
	exitBadInput = 2
)

// Features accepted by -feature.
const (
	featurePolicyEngine    = "policy-engine"
	featureBatchEvaluation = "batch-evaluation"
	featureBoth            = "both"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// options holds every flag of the command.
type options struct {
	feature       string
	account       string
	region        string
	principal     string
	partition     string
	sourceContext bool
	engineARN     string
	batchARN      string
	merge         string
	compact       bool
	check         string
	lint          string
	featureOptions
}

// flagName returns the flag that sets a generator parameter field, so that
// errors name what the user typed, or the field itself if no flag does.
func flagName(field string) string {
	switch field {
	case "Account":
		return "-account"
	case "Region":
		return "-region"
	case "Partition":
		return "-partition"
	case "Principal":
		return "-principal"
	case "PolicyEngineARN":
		return "-engine-arn"
	case "BatchEvaluationARN":
		return "-batch-evaluation-arn"
	}
	return featureFlagName(field)
}

// newFlagSet declares every flag of the command, bound to o. It is the one
// place flags are defined.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("keypolicy", flag.ContinueOnError)
	fs.StringVar(&o.feature, "feature", featurePolicyEngine, featureUsage)
	o.featureOptions.declare(fs)
	fs.StringVar(&o.account, "account", "", "12-digit AWS `account` that owns the key (required)")
	fs.StringVar(&o.region, "region", "", "AWS `region` of the policy engines or batch evaluations, such as us-east-1 (required)")
	fs.StringVar(&o.principal, "principal", "", "`ARN` of the IAM role or user that calls AgentCore (default: the account root)")
	fs.StringVar(&o.partition, "partition", "", "AWS `partition`, such as aws-cn (default: inferred from -region)")
	fs.BoolVar(&o.sourceContext, "source-context", false, "use the documented variant with aws:SourceAccount and aws:SourceArn (policy-engine)")
	fs.StringVar(&o.engineARN, "engine-arn", "", "narrow the policy to the policy engine with this `ARN` (policy-engine)")
	fs.StringVar(&o.batchARN, "batch-evaluation-arn", "", "narrow the policy to the batch evaluation with this `ARN` (batch-evaluation)")
	fs.StringVar(&o.merge, "merge", "", "add the statements to the key policy in `file` (- reads standard input)")
	fs.BoolVar(&o.compact, "compact", false, "write compact JSON instead of indented JSON")
	fs.StringVar(&o.check, "check", "", "check the key policy in `file` (- reads standard input) against the requests the feature makes, instead of writing a policy")
	fs.StringVar(&o.lint, "lint", "", "report security and correctness findings in the key policy in `file` (- reads standard input)")
	return fs
}

// usageError is bad input: the command prints it as one line and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// parseArgs parses and checks the command line.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	fs := newFlagSet(o)
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, badInput("%v (run keypolicy -h for the flags)", err)
	}
	if fs.NArg() > 0 {
		return nil, badInput("unexpected argument %q: every input is a flag (run keypolicy -h for the flags)", fs.Arg(0))
	}
	if err := checkFeatures(o); err != nil {
		return nil, err
	}
	if err := checkArgs(o); err != nil {
		return nil, err
	}
	if o.lint != "" && o.check == "" {
		return o, nil // linting needs no account or Region
	}
	if o.account == "" {
		return nil, badInput("-account is required: the 12-digit account that owns the key")
	}
	if o.region == "" {
		return nil, badInput("-region is required: the Region of the key and of the %s", o.feature)
	}
	return o, nil
}

// run is the whole command, with its environment passed in so that tests
// can run it in process. It returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		fs := newFlagSet(&options{})
		fs.SetOutput(stderr)
		fmt.Fprintln(stderr, "Usage: keypolicy -account ACCOUNT -region REGION [flags]")
		fmt.Fprintln(stderr, "Writes the KMS key policy AgentCore documents to standard output.")
		fs.PrintDefaults()
		return exitOK
	}
	if err == nil && (o.check != "" || o.lint != "") {
		return checkAndLint(o, stdin, stdout, stderr)
	}
	if err == nil {
		var doc *keypolicy.Document
		if doc, err = policy(o, stdin); err == nil {
			var out []byte
			if o.compact {
				out = append(doc.Compact(), '\n')
			} else if out, err = doc.JSON(); err != nil {
				return fail(stderr, exitFailed, err)
			}
			if _, err := stdout.Write(out); err != nil {
				return fail(stderr, exitFailed, fmt.Errorf("writing the policy: %w", err))
			}
			return exitOK
		}
	}
	return fail(stderr, exitBadInput, err)
}

func fail(stderr io.Writer, code int, err error) int {
	msg := strings.TrimPrefix(err.Error(), "keypolicy: ")
	// One line, whatever the error holds.
	msg = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)
	fmt.Fprintln(stderr, "keypolicy:", msg)
	return code
}

// policy builds the requested policy and merges it into the -merge policy.
func policy(o *options, stdin io.Reader) (*keypolicy.Document, error) {
	docs, err := featureDocs(o)
	if err != nil {
		return nil, err
	}
	name := "the generated policy"
	if o.merge != "" {
		base, err := loadPolicy("-merge", o.merge, stdin)
		if err != nil {
			return nil, err
		}
		docs = append([]*keypolicy.Document{base}, docs...)
		name = mergeName(o.merge)
	}
	out := docs[0]
	for _, add := range docs[1:] {
		var err error
		if out, err = keypolicy.Merge(out, add); err != nil {
			var ce *keypolicy.ConflictError
			if errors.As(err, &ce) {
				return nil, badInput("%s already has a different statement with Sid %q; rename or remove it, then run again", name, ce.Sid)
			}
			return nil, err
		}
	}
	return out, nil
}

func mergeName(path string) string {
	if path == "-" {
		return "the policy on standard input"
	}
	return path
}

// paramError rewrites a generator's *ParamError in terms of flags.
func paramError(err error) error {
	var pe *keypolicy.ParamError
	if !errors.As(err, &pe) {
		return err
	}
	return badInput("%s %q: %s", flagName(pe.Field), pe.Value, pe.Reason)
}
