// Command keypolicy writes the KMS key policy that Amazon Bedrock AgentCore
// documents for encrypting a resource with a customer managed key (policy
// engines, batch evaluations, evaluators, datasets, configuration bundles,
// recommendations, payment managers, gateways, the token vault; for memory,
// the documented IAM identity policy), for your account, Region and caller,
// can merge it into an existing key policy, and can apply it to a key.
// -feature takes a
// comma-separated list for one key shared by several (see features.go).
//
// Usage:
//
//	keypolicy -account 111122223333 -region us-east-1 [flags]
//	keypolicy -apply KEY [-dry-run] [-admin ARN] [flags]
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
//	# add the documented statements to the key's policy (see the diff first)
//	keypolicy -apply arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab -dry-run
//	keypolicy -apply arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
//
//	# the same against an in-memory KMS, without AWS
//	keypolicy -sandbox
//
//	# the IAM policy the caller needs on one key, beside a key policy that
//	# delegates to the account (the default key policy does)
//	keypolicy -identity-policy -account 111122223333 -region us-east-1 \
//	  -key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
//
// -apply KEY (a key ARN, or an alias, which is resolved) adds the
// statements to the key's policy through the default AWS configuration
// (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_KMS), with the keyapply
// package: nothing of the current policy changes, and it refuses, writing
// nothing, a Sid already used by a different statement, a result over
// KMS's 32,768-byte limit, a result that would fail AWS's lockout safety
// check for the applying identity (-admin, default: the caller from STS
// GetCallerIdentity, an assumed-role session counting as its role), an AWS
// managed key, and a policy someone else changed while it ran. It prints the
// key ARN and the result on standard output and the diff on standard
// error; -dry-run writes nothing. Running it again prints "already up to
// date". Exit status: 0 applied or up to date, 1 refused (one line says
// why), 2 bad input or no answer.
//
// -merge, -check and -lint read at most 32,768 bytes, KMS's limit; a larger
// input is bad input. -timeout (default 2m) bounds the whole run.
//
// -check prints one line per KMS request the feature makes on the key -key,
// if given (allowed or
// denied, by which statement, and the fix) and exits with status 1 if the
// policy denies any, or allows one only because a Deny statement with a
// condition operator it cannot evaluate was taken as not matching. The requests come from -principal; when that is the
// account root (the default), from a sample role of the account,
// ExampleRole, since the root user does not call AgentCore. -lint prints the findings and exits with status 1 if
// any is an error; it needs no other flag. With -json, -check and -lint write
// one JSON object instead of lines: "ok", "requests" (one per request, with
// its "verdict": "allow", "allow-if-iam", "implicit-deny" or
// "explicit-deny", and "undecided" when a Deny that cannot be evaluated may
// override an allow), "summary" and "findings".
//
// -identity-policy writes, instead of the key policy, the least-privilege
// IAM identity policy of the caller: for policy engines the four actions
// AgentCore documents for the caller's IAM policy, for batch evaluations
// what the key policy grants the caller, with the same kms:ViaService and
// encryption-context conditions, on the key -key (or, without it, every
// key of -account in -region).
//
// Without -apply, the policy goes to standard output. Bad input (flags, parameters, a
// malformed policy to merge into, or a Sid it already uses for a different
// statement) writes one line to standard error and exits with status 2.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Exit statuses, shared by every example command.
const (
	exitOK       = cli.ExitOK
	exitFailed   = cli.ExitFailed // the output could not be written, or -apply was refused
	exitBadInput = cli.ExitBadInput
)

const summary = `Usage: keypolicy -account ACCOUNT -region REGION [flags]
       keypolicy -apply KEY [-dry-run] [-admin ARN] [flags]
Writes the KMS key policy AgentCore documents to standard output, or adds
its statements to a key's policy with -apply.`

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
	apply         string
	dryRun        bool
	admin         string
	sandbox       bool

	identityPolicy bool
	key            string
	json           bool

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
	case "KeyARN":
		return "-key"
	}
	return featureFlagName(field)
}

// newCommand declares every flag of the command, bound to o, and -timeout.
// It is the one place flags are defined.
func newCommand(o *options) *cli.Command {
	cmd := cli.New("keypolicy", summary)
	fs := cmd.Flags
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
	fs.StringVar(&o.apply, "apply", "", "add the statements to the policy of the KMS `key` (key ARN, or alias, resolved and printed), through the default AWS configuration")
	fs.BoolVar(&o.dryRun, "dry-run", false, "with -apply: print the diff, write nothing")
	fs.StringVar(&o.admin, "admin", "", "with -apply: `ARN` of the identity that applies the policy, for the lockout check (default: the caller, from STS GetCallerIdentity)")
	fs.BoolVar(&o.sandbox, "sandbox", false, "with -apply: apply to a key with the AWS default key policy in an in-memory KMS instead of AWS (-apply may be omitted)")
	fs.BoolVar(&o.identityPolicy, "identity-policy", false, identityPolicyUsage)
	fs.StringVar(&o.key, "key", "", keyUsage)
	fs.BoolVar(&o.json, "json", false, "write the -check results and -lint findings as one JSON object")
	return cmd
}

// usageError is bad input: the command prints it as one line and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// checkOptions checks the parsed command line.
func checkOptions(o *options) error {
	if err := checkArgs(o); err != nil {
		return err
	}
	// -apply fills -account and -region from the key ARN, which the
	// features' parameters are built from.
	if err := checkApplyArgs(o); err != nil {
		return err
	}
	if err := checkFeatures(o); err != nil {
		return err
	}
	if err := checkIdentityArgs(o); err != nil {
		return err
	}
	if o.lint != "" && o.check == "" {
		return nil // linting needs no account or Region
	}
	if o.account == "" {
		return badInput("-account is required: the 12-digit account that owns the key")
	}
	if o.region == "" {
		return badInput("-region is required: the Region of the key and of the %s", o.feature)
	}
	return nil
}

// run is the whole command, with its environment passed in so that tests
// can run it in process. It returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := &options{}
	cmd := newCommand(o)
	if code, ok := cmd.Parse(args, stderr); !ok {
		return code
	}
	fail := func(code int, err error) int { return cmd.Fail(stderr, code, trimmed{err}) }
	if err := checkOptions(o); err != nil {
		return fail(exitBadInput, err)
	}
	ctx, cancel := cmd.Context(context.Background())
	defer cancel()
	stdin = &ctxReader{ctx: ctx, r: stdin, timeout: cmd.Timeout()}
	if o.apply != "" || o.sandbox {
		return apply(ctx, o, stdout, stderr, fail)
	}
	if o.identityPolicy {
		return writeIdentityPolicy(o, stdout, stderr)
	}
	if o.check != "" || o.lint != "" {
		return checkAndLint(o, stdin, stdout, stderr)
	}
	doc, err := policy(o, stdin)
	if err != nil {
		return fail(exitBadInput, err)
	}
	var out []byte
	if o.compact {
		out = append(doc.Compact(), '\n')
	} else if out, err = doc.JSON(); err != nil {
		return fail(exitFailed, err)
	}
	if _, err := stdout.Write(out); err != nil {
		return fail(exitFailed, fmt.Errorf("writing the policy: %w", err))
	}
	return exitOK
}

// trimmed is an error whose message lacks the package prefix of the
// libraries ("keypolicy: "), since the command prefixes its own name.
type trimmed struct{ err error }

func (e trimmed) Error() string {
	msg := e.err.Error()
	for _, p := range []string{"keypolicy: ", "keyapply: ", "agentcorekms: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

func (e trimmed) Unwrap() error { return e.err }

// fail prints err as one line, "keypolicy: message", and returns code.
func fail(stderr io.Writer, code int, err error) int {
	msg := trimmed{err}.Error()
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

// paramError rewrites a generator's *InputError in terms of flags.
func paramError(err error) error {
	var pe *keypolicy.InputError
	if !errors.As(err, &pe) {
		return err
	}
	return badInput("%s %q: %s", flagName(pe.Field), pe.Value, pe.Reason)
}
