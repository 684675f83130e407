package batcheval_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const (
	account = agentcoretest.DefaultAccount
	role    = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
)

// countingAPI counts the data-plane calls that reach the real client.
type countingAPI struct {
	batcheval.API
	starts atomic.Int32
}

func (c *countingAPI) StartBatchEvaluation(ctx context.Context, in *bedrockagentcore.StartBatchEvaluationInput, optFns ...func(*bedrockagentcore.Options)) (*bedrockagentcore.StartBatchEvaluationOutput, error) {
	c.starts.Add(1)
	return c.API.StartBatchEvaluation(ctx, in, optFns...)
}

type env struct {
	kms    *kmstest.KMS
	em     *batchevaltest.Emulator
	api    *countingAPI
	sdk    *bedrockagentcore.Client
	kmsc   *kms.Client
	s3c    *s3.Client
	c      *batcheval.Client
	sb     *agentcoretest.Sandbox
	clock  *agentcoretest.Clock
	keyARN string
	keyID  string
}

type envConfig struct {
	admin bool                         // add the default "Enable IAM User Permissions" statement
	drop  []string                     // Sids of documented statements to leave out
	em    func(*batchevaltest.Options) // change the emulator's options
}

// keyPolicy returns the documented batch-evaluation key policy for role,
// without the statements whose Sid is in drop and, with admin, with the
// default key policy's "Enable IAM User Permissions" statement added.
func keyPolicy(t testing.TB, admin bool, drop ...string) string {
	t.Helper()
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	doc.Statement = slices.DeleteFunc(doc.Statement, func(s keypolicy.Statement) bool { return slices.Contains(drop, s.Sid) })
	if admin {
		doc.Statement = append(doc.Statement, keypolicy.Statement{
			Sid: "Enable IAM User Permissions", Effect: "Allow",
			Principal: keypolicy.AWSPrincipal("arn:aws:iam::" + account + ":root"),
			Action:    keypolicy.One("kms:*"), Resource: keypolicy.One("*"),
		})
	}
	policy, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(policy)
}

// newEnv starts an agentcoretest sandbox for role, whose emulators run on
// the env's fake clock, with one key whose policy is the documented
// batch-evaluation key policy for role, and a batcheval.Client over the
// sandbox's SDK clients.
func newEnv(t testing.TB, cfg envConfig, optFns ...func(*batcheval.Options)) *env {
	t.Helper()
	clk := agentcoretest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	sb, err := agentcoretest.Start(role, func(o *agentcoretest.Options) {
		o.Now = clk.Now
		o.DataPlane = append(o.DataPlane, func(o *batchevaltest.Options) {
			o.PendingFor = time.Second
			o.RunFor = 10 * time.Second
			if cfg.em != nil {
				cfg.em(o)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	// The key policy may lock the role out of administering the key, which
	// is what some tests are about, so the key is made past the lockout check.
	md := sb.Emulators.KMS.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(keyPolicy(t, cfg.admin, cfg.drop...))})

	api := &countingAPI{API: sb.DataPlane}
	c := batcheval.New(api, sb.KMS, append([]func(*batcheval.Options){func(o *batcheval.Options) {
		o.Region = "us-east-1"
		o.Principal = role
		// The documented key policy alone does not let the caller read the
		// key policy, so the preflight cannot analyse it and is incomplete;
		// these tests go ahead anyway, as a caller must opt in to.
		o.ProceedOnIncompletePreflight = true
		o.WaitMinDelay = time.Millisecond
		o.WaitMaxDelay = 4 * time.Millisecond
	}}, optFns...)...)
	return &env{
		kms: sb.Emulators.KMS, em: sb.Emulators.DataPlane, api: api, sdk: sb.DataPlane, kmsc: sb.KMS, s3c: sb.S3,
		sb: sb, c: c, clock: clk, keyARN: aws.ToString(md.Arn), keyID: aws.ToString(md.KeyId),
	}
}

// startInput is agentcoretest's valid input with key.
func startInput(name, key string) *bedrockagentcore.StartBatchEvaluationInput {
	in := agentcoretest.StartBatchEvaluationInput(name, key)
	return in
}

// advanceOnProgress moves the emulator's clock by d after each poll of Wait.
func (e *env) advanceOnProgress(d time.Duration, seen *[]types.BatchEvaluationStatus) func(*batcheval.Options) {
	return func(o *batcheval.Options) {
		o.OnProgress = func(p batcheval.Progress) {
			if seen != nil {
				*seen = append(*seen, p.Status)
			}
			e.clock.Add(d)
		}
	}
}

// setState puts the env's key in state s.
func (e *env) setState(t testing.TB, s kmstypes.KeyState) {
	t.Helper()
	if err := e.kms.SetKeyState(e.keyID, s); err != nil {
		t.Fatal(err)
	}
}

// setPolicy replaces the env's key policy with keyPolicy(admin, drop...).
func (e *env) setPolicy(t testing.TB, admin bool, drop ...string) {
	t.Helper()
	if err := e.kms.SetKeyPolicy(e.keyID, keyPolicy(t, admin, drop...)); err != nil {
		t.Fatal(err)
	}
}

// startAndWait starts an evaluation called name and waits until it ends,
// moving the clock 6 s after each poll; it returns the evaluation's id and
// final state, and fails the test if Start or Wait fails.
func (e *env) startAndWait(t testing.TB, name string) (string, *bedrockagentcore.GetBatchEvaluationOutput) {
	t.Helper()
	ctx := context.Background()
	start, err := e.c.Start(ctx, startInput(name, e.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(start.BatchEvaluationId)
	out, err := e.c.Wait(ctx, id, e.advanceOnProgress(6*time.Second, nil))
	if err != nil {
		t.Fatalf("waiting for %s: %v", id, err)
	}
	return id, out
}
