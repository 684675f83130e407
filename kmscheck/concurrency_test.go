package kmscheck_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// gatedKMS forwards to kmstest, but each call first waits at gate(op).
type gatedKMS struct {
	inner *kmstest.Client
	gate  func(ctx context.Context, op string) error
}

func (g gatedKMS) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if err := g.gate(ctx, "DescribeKey"); err != nil {
		return nil, err
	}
	return g.inner.DescribeKey(ctx, in, optFns...)
}

func (g gatedKMS) GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if err := g.gate(ctx, "GetKeyPolicy"); err != nil {
		return nil, err
	}
	return g.inner.GetKeyPolicy(ctx, in, optFns...)
}

func (g gatedKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if err := g.gate(ctx, "GenerateDataKey"); err != nil {
		return nil, err
	}
	return g.inner.GenerateDataKey(ctx, in, optFns...)
}

// With a key ARN, no call may finish before all three have started: each
// waits for the other two. Sequential calls would never get past the first.
func TestKeyARNCallsRunConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, "batch-evaluation"))})
	var wg sync.WaitGroup
	wg.Add(3)
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	g := gatedKMS{inner: e.k.As(kmstest.Caller{Principal: caller}), gate: func(ctx context.Context, op string) error {
		wg.Done()
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := kmscheck.Check(ctx, g, *md.Arn, beTarget)
	if err != nil {
		t.Fatalf("Check: %v (the three calls did not overlap)", err)
	}
	if !r.OK() || !r.Complete() {
		t.Errorf("statuses %v", statuses(r))
	}
}

// With an alias, GetKeyPolicy and the dry run start only after DescribeKey
// has resolved it, and name the key ARN.
func TestAliasIsResolvedFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, "batch-evaluation"))})
	if err := e.k.SetAlias("alias/first", *md.KeyId); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	described := false
	g := gatedKMS{inner: e.k.As(kmstest.Caller{Principal: caller}), gate: func(ctx context.Context, op string) error {
		mu.Lock()
		defer mu.Unlock()
		if op != "DescribeKey" && !described {
			t.Errorf("%s started before DescribeKey resolved the alias", op)
		}
		if op == "DescribeKey" {
			described = true
		}
		order = append(order, op)
		return nil
	}}
	r, err := kmscheck.Check(context.Background(), g, "alias/first", beTarget)
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 3 || order[0] != "DescribeKey" || !r.OK() {
		t.Errorf("calls %v, statuses %v", order, statuses(r))
	}
	for _, c := range e.k.Calls() {
		if c.Operation != "DescribeKey" && c.KeyID != *md.Arn {
			t.Errorf("%s named %s, want the key ARN", c.Operation, c.KeyID)
		}
	}
}

// A client that ignores its context cannot hold Check past cancellation.
func TestCancelWithAStuckClient(t *testing.T) {
	t.Parallel()
	k := kmstest.New()
	md := k.CreateTestKey(t, nil)
	stuck := make(chan struct{})
	defer close(stuck)
	started := make(chan struct{}, 3)
	g := gatedKMS{inner: k.Client(), gate: func(context.Context, string) error {
		started <- struct{}{}
		<-stuck // ignores ctx
		return errors.New("released")
	}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	r, err := kmscheck.Check(ctx, g, *md.Arn, peTarget)
	if !errors.Is(err, context.Canceled) || r != nil {
		t.Errorf("Check = %v, %v; want nil, context.Canceled", r, err)
	}
}

// A fake that ignores DryRun and returns a data key: Check wipes it and
// counts the call as allowed.
func TestDryRunIgnoredByFake(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(e.policy(t, "batch-evaluation"))})
	var leaked []byte
	f := ignoringDryRun{Client: e.k.As(kmstest.Caller{Principal: caller}), leaked: &leaked}
	r, err := kmscheck.Check(context.Background(), f, *md.Arn, beTarget)
	if err != nil {
		t.Fatal(err)
	}
	// A success is not the answer a dry run gives (DryRunOperationException),
	// so it shows nothing: unknown, and the report is incomplete.
	if got := finding(t, r, kmscheck.IDDryRunGenerateDataKey).Status; got != kmscheck.StatusUnknown {
		t.Errorf("dry run = %s, want unknown", got)
	}
	if !r.Incomplete() {
		t.Errorf("outcome %v, want incomplete", r.Outcome())
	}
	for _, b := range leaked {
		if b != 0 {
			t.Fatal("the plaintext data key was not wiped")
		}
	}
	if len(leaked) != 32 {
		t.Errorf("fake returned %d bytes", len(leaked))
	}
}

type ignoringDryRun struct {
	*kmstest.Client
	leaked *[]byte
}

func (f ignoringDryRun) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	in2 := *in
	in2.DryRun = nil
	out, err := f.Client.GenerateDataKey(ctx, &in2, optFns...)
	if out != nil {
		*f.leaked = out.Plaintext
	}
	return out, err
}
