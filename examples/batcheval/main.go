// Command batcheval starts an Amazon Bedrock AgentCore batch evaluation
// encrypted with a customer managed KMS key, waits for it, archives its
// results to S3 with SSE-KMS under the same key, and verifies the archive.
//
// By default it runs in a sandbox: an in-memory KMS with a key under the
// documented key policy, the AgentCore batch-evaluation emulator and an
// in-memory S3 (gofakes3 behind an SSE-KMS front), all on loopback. With
// -aws it uses real AWS through the default configuration chain (AWS_PROFILE,
// AWS_REGION, ...), and then -key and -bucket are required; the bucket must
// be in the key's Region, as SSE-KMS requires, and the caller needs
// s3:PutObject and s3:GetObject on it besides the documented key policy.
// AWS_ENDPOINT_URL_BEDROCK_AGENTCORE, AWS_ENDPOINT_URL_KMS and
// AWS_ENDPOINT_URL_S3 redirect the three clients as usual (the tests point
// them at the emulators).
//
//	go run ./examples/batcheval
//	go run ./examples/batcheval -aws -region us-east-1 \
//	    -key arn:aws:kms:us-east-1:111122223333:key/... -bucket my-archive \
//	    -service-names my_agent.DEFAULT -log-groups /aws/bedrock-agentcore/runtimes/my_agent-abc-DEFAULT
//
// -timeout (default 2m) bounds the whole run: preflight, start, wait,
// archive and verification.
//
// Exit status: 0 when the evaluation completed and its archive verified; 1
// when AWS refused or something failed (a failed preflight, a documented key
// error, a FAILED evaluation, an archive that is not encrypted as it should
// be); 2 for bad flags or input, an incomplete preflight (unless
// -proceed-on-incomplete-preflight), a preflight or call without an answer,
// and -timeout running out.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/internal/awsenv"
	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type flags struct {
	useAWS        bool
	region        string
	key           string
	principal     string
	bucket        string
	prefix        string
	name          string
	evaluators    string
	serviceNames  string
	logGroups     string
	skipPreflight bool
	proceed       bool
	disableKey    bool
}

// Exit statuses, shared by every example command.
const (
	exitOK     = cli.ExitOK
	exitFailed = cli.ExitFailed
	exitUsage  = cli.ExitBadInput
)

const summary = `Usage: batcheval [-aws -key KEY_ARN -bucket BUCKET] [flags]
Starts an Amazon Bedrock AgentCore batch evaluation encrypted with a customer
managed KMS key, waits for it, archives it to S3 under the same key and
verifies the archive. Without -aws, runs in an in-memory sandbox.`

// exitCode maps an error of the library to the exit status: refusals by
// AWS and failed outcomes are 1; bad input, incomplete preflights and
// missing answers are 2 (internal/cli decides the rest).
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, batcheval.ErrEvaluationFailed), errors.Is(err, batcheval.ErrArchiveNotEncrypted),
		errors.Is(err, batcheval.ErrResultsUnavailable), errors.Is(err, batcheval.ErrNoKey):
		return exitFailed
	}
	return cli.Code(err)
}

// clients are what the program talks to, real or emulated.
type clients struct {
	api    *bedrockagentcore.Client
	kms    *kms.Client
	s3     *s3.Client
	region string
	close  func()
}

const (
	sandboxAccount   = "111122223333"
	sandboxPrincipal = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
)

func run(args []string, stdout, stderr io.Writer) int {
	cmd := cli.New("batcheval", summary)
	fs := cmd.Flags
	var f flags
	fs.BoolVar(&f.useAWS, "aws", false, "use real AWS (default configuration chain) instead of the sandbox")
	fs.StringVar(&f.region, "region", "us-east-1", "AWS Region of the evaluation, the key and the bucket")
	fs.StringVar(&f.key, "key", "", "KMS key ARN (required with -aws; the sandbox creates one)")
	fs.StringVar(&f.principal, "principal", "", "IAM role or user ARN that starts evaluations, for the preflight (with -aws: default from sts GetCallerIdentity)")
	fs.StringVar(&f.bucket, "bucket", "", "S3 bucket for the archive (required with -aws; sandbox default batcheval-archive)")
	fs.StringVar(&f.prefix, "prefix", "batch-evaluations", "S3 key prefix for the archive")
	fs.StringVar(&f.name, "name", "", "batch evaluation name (default nightly_YYYYMMDDhhmmss)")
	fs.StringVar(&f.evaluators, "evaluators", "Builtin.Helpfulness,Builtin.Correctness", "comma-separated evaluator ids (at most 10)")
	fs.StringVar(&f.serviceNames, "service-names", "my_agent.DEFAULT", "comma-separated agent service names in the traces")
	fs.StringVar(&f.logGroups, "log-groups", "/aws/bedrock-agentcore/runtimes/my_agent-abc-DEFAULT", "comma-separated CloudWatch log groups with the traces")
	fs.BoolVar(&f.skipPreflight, "skip-preflight", false, "do not run the KMS preflight before starting")
	fs.BoolVar(&f.proceed, "proceed-on-incomplete-preflight", false, "start even when the preflight could not check every finding (it still stops on a failed one)")
	fs.BoolVar(&f.disableKey, "sandbox-disable-key", false, "sandbox only: disable the key first, to see the preflight refuse it")
	if code, ok := cmd.Parse(args, stderr); !ok {
		return code
	}
	usage := func(format string, a ...any) int {
		return cmd.Fail(stderr, exitUsage, fmt.Errorf(format+" (run batcheval -h for usage)", a...))
	}
	if _, ok := awspartition.ForRegion(f.region); !ok {
		return usage("-region %q is not an AWS Region", f.region)
	}
	if f.name == "" {
		f.name = "nightly_" + time.Now().UTC().Format("20060102150405")
	}
	if f.useAWS {
		if f.key == "" || f.bucket == "" {
			return usage("-aws needs -key and -bucket")
		}
		if f.disableKey {
			return usage("-sandbox-disable-key is for the sandbox only")
		}
	}
	// Everything a flag says is checked before any call, with the
	// library's own rules.
	if err := batcheval.ValidateArchivePrefix(f.prefix); err != nil {
		return usage("-prefix: %v", err)
	}
	if f.key != "" {
		if err := (*batcheval.Client)(nil).Validate(startInput(&f), func(o *batcheval.Options) { o.Region = f.region }); err != nil {
			fmt.Fprintln(stderr, "batcheval: invalid input:")
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
	}
	ctx, cancel := cmd.Context(context.Background())
	defer cancel()

	var cl *clients
	var err error
	if f.useAWS {
		cl, err = awsClients(ctx, &f)
	} else {
		cl, err = sandbox(&f, stdout)
	}
	if err != nil {
		return cmd.Fail(stderr, exitCode(err), cli.Unprefixed("batcheval: ", err))
	}
	defer cl.close()
	return story(ctx, cmd, &f, cl, stdout, stderr)
}

// startInput is the StartBatchEvaluation input the flags describe.
func startInput(f *flags) *bedrockagentcore.StartBatchEvaluationInput {
	in := &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String(f.name),
		DataSourceConfig: &types.DataSourceConfigMemberCloudWatchLogs{Value: types.CloudWatchLogsSource{
			ServiceNames: splitList(f.serviceNames), LogGroupNames: splitList(f.logGroups),
		}},
		KmsKeyArn: aws.String(f.key),
	}
	for _, id := range splitList(f.evaluators) {
		in.Evaluators = append(in.Evaluators, types.Evaluator{EvaluatorId: aws.String(id)})
	}
	return in
}

func awsClients(ctx context.Context, f *flags) (*clients, error) {
	cfg, err := awsenv.LoadConfig(ctx, f.region)
	if err != nil {
		return nil, err
	}
	if f.principal == "" && !f.skipPreflight {
		_, principal, err := awsenv.CallerIdentity(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("finding the caller for the preflight (or pass -principal): %w", err)
		}
		f.principal = principal
	}
	return &clients{
		api: bedrockagentcore.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg),
		region: f.region, close: func() {},
	}, nil
}

// sandbox starts the three emulators and creates a key under the documented
// key policy for the sandbox principal.
func sandbox(f *flags, w io.Writer) (*clients, error) {
	sb, err := agentcoretest.Start(sandboxPrincipal, func(o *agentcoretest.Options) { o.Region, o.Account = f.region, sandboxAccount })
	if err != nil {
		return nil, err
	}
	k := sb.Emulators.KMS
	if f.principal == "" {
		f.principal = sandboxPrincipal
	}
	if f.bucket == "" {
		f.bucket = "batcheval-archive"
	}
	cl := &clients{api: sb.DataPlane, kms: sb.KMS, s3: sb.S3, region: f.region, close: sb.Close}
	fmt.Fprintln(w, "sandbox: in-memory KMS, AgentCore batch-evaluation emulator and S3 on loopback")
	if f.key == "" {
		doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{
			Account: sandboxAccount, Region: f.region, Principal: sandboxPrincipal,
		})
		if err != nil {
			cl.close()
			return nil, err
		}
		// The documented statements, plus the default key policy's
		// administration statement, without which nobody could manage the
		// key (or read its policy for the preflight's analysis).
		doc.Statement = append(doc.Statement, keypolicy.Statement{
			Sid: "Enable IAM User Permissions", Effect: "Allow",
			Principal: keypolicy.AWSPrincipal("arn:aws:iam::" + sandboxAccount + ":root"),
			Action:    keypolicy.One("kms:*"), Resource: keypolicy.One("*"),
		})
		policy, err := doc.JSON()
		if err != nil {
			cl.close()
			return nil, err
		}
		out, err := k.Client().CreateKey(context.Background(), &kms.CreateKeyInput{
			Policy: aws.String(string(policy)), Description: aws.String("batch evaluations (sandbox)"),
		})
		if err != nil {
			cl.close()
			return nil, fmt.Errorf("creating the sandbox key: %w", err)
		}
		f.key = aws.ToString(out.KeyMetadata.Arn)
		fmt.Fprintf(w, "key: %s, under the documented batch-evaluation key policy for %s (plus account-root administration)\n", f.key, sandboxPrincipal)
		if f.disableKey {
			if err := k.SetKeyState(aws.ToString(out.KeyMetadata.KeyId), kmstypes.KeyStateDisabled); err != nil {
				cl.close()
				return nil, err
			}
			fmt.Fprintln(w, "key disabled, as asked")
		}
	}
	return cl, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// story starts, waits, archives and verifies.
func story(ctx context.Context, cmd *cli.Command, f *flags, cl *clients, stdout, stderr io.Writer) int {
	c := batcheval.New(cl.api, cl.kms, func(o *batcheval.Options) {
		o.Region = cl.region
		o.Principal = f.principal
		o.SkipPreflight = f.skipPreflight
		o.ProceedOnIncompletePreflight = f.proceed
		if !f.useAWS {
			o.WaitMinDelay = 50 * time.Millisecond
		}
		o.OnProgress = func(p batcheval.Progress) {
			fmt.Fprintf(stdout, "  %-12s poll %d after %s\n", p.Status, p.Attempt, p.Elapsed.Round(time.Millisecond))
		}
	})
	in := startInput(f)
	if err := c.Validate(in); err != nil {
		fmt.Fprintln(stderr, "batcheval: invalid input:")
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	start, err := c.Start(ctx, in)
	if err != nil {
		code := cmd.Fail(stderr, exitCode(err), cli.Unprefixed("batcheval: ", err))
		var pe *batcheval.PreflightError
		if errors.As(err, &pe) && pe.Report != nil {
			for _, fd := range pe.Report.Findings {
				fmt.Fprintln(stderr, "  ", fd)
			}
		}
		return code
	}
	id := aws.ToString(start.BatchEvaluationId)
	fmt.Fprintf(stdout, "started %s (%s), encrypted with %s\n", id, start.Status, f.key)
	out, err := c.Wait(ctx, id)
	if err != nil {
		return cmd.Fail(stderr, exitCode(err), cli.Unprefixed("batcheval: ", err))
	}
	// A STOPPED evaluation ends without results; only its metadata is
	// archived.
	if res := out.EvaluationResults; res == nil {
		fmt.Fprintf(stdout, "%s: no results\n", out.Status)
	} else {
		fmt.Fprintf(stdout, "%s: %d sessions\n", out.Status, aws.ToInt32(res.TotalNumberOfSessions))
		for _, s := range res.EvaluatorSummaries {
			score := "n/a"
			if s.Statistics != nil && s.Statistics.AverageScore != nil {
				score = fmt.Sprintf("%.2f", *s.Statistics.AverageScore)
			}
			fmt.Fprintf(stdout, "  %-24s average %s over %d sessions\n", aws.ToString(s.EvaluatorId), score, aws.ToInt32(s.TotalEvaluated))
		}
	}
	a, err := c.Archive(ctx, cl.s3, f.bucket, f.prefix, out)
	if err != nil {
		return cmd.Fail(stderr, exitCode(err), cli.Unprefixed("batcheval: ", err))
	}
	for _, k := range a.Keys {
		fmt.Fprintf(stdout, "archived s3://%s/%s (SSE-KMS)\n", a.Bucket, k)
	}
	if err := c.VerifyArchive(ctx, cl.s3, a); err != nil {
		return cmd.Fail(stderr, exitCode(err), cli.Unprefixed("batcheval: ", err))
	}
	fmt.Fprintf(stdout, "verified: %d objects are aws:kms with key %s\n", len(a.Keys), a.KeyARN)
	return exitOK
}
