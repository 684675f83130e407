package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// preflightStory checks two keys before CreatePolicyEngine, through the real
// KMS client and the in-memory KMS: one with the documented key policy,
// which passes, and a disabled one, which fails with the documented error.
func preflightStory(ctx context.Context, w io.Writer) error {
	const caller = "arn:aws:iam::" + account + ":role/ExampleRole"
	sb, err := agentcoretest.Start(caller, func(o *agentcoretest.Options) { o.Region, o.Account = region, account })
	if err != nil {
		return err
	}
	defer sb.Close()
	k, client := sb.Emulators.KMS, sb.KMS

	params := keypolicy.PolicyEngineParams{Account: account, Region: region, Principal: caller}
	generated, err := keypolicy.ForPolicyEngine(params)
	if err != nil {
		return err
	}
	// The documented statements join the default key policy, as AWS
	// recommends, so the key's administrators keep access.
	base, err := keypolicy.Parse([]byte(k.DefaultKeyPolicy()))
	if err != nil {
		return err
	}
	doc, err := keypolicy.Merge(base, generated)
	if err != nil {
		return err
	}
	policy, err := doc.JSON()
	if err != nil {
		return err
	}
	admin := k.Client()
	var arns []string
	for range 2 {
		out, err := admin.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
		if err != nil {
			return err
		}
		arns = append(arns, aws.ToString(out.KeyMetadata.Arn))
	}
	if _, err := admin.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &arns[1]}); err != nil {
		return err
	}

	fmt.Fprintln(w, "# Preflight before CreatePolicyEngine: kmscheck.Check reads the key, its policy and the prerequisites.")
	target := kmscheck.PolicyEngine(params)
	good, err := kmscheck.Check(ctx, client, arns[0], target)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "enabled key with the documented policy: outcome %s, %d findings pass, %d fail\n",
		good.Outcome(), len(good.WithStatus(kmscheck.StatusPass)), len(good.WithStatus(kmscheck.StatusFail)))
	if !good.Passed() || !good.Complete() {
		return fmt.Errorf("preflight of a good key did not pass: %v", good.Err())
	}
	bad, err := kmscheck.Check(ctx, client, arns[1], target)
	if err != nil {
		return err
	}
	state, _ := bad.Finding(kmscheck.IDKeyState)
	fmt.Fprintf(w, "disabled key: outcome %s; %s\n", bad.Outcome(), state)
	if state.Status != kmscheck.StatusFail || !errors.Is(bad.Err(), kmscheck.ErrKeyNotUsable) {
		return fmt.Errorf("preflight of a disabled key: %s, error %v; want a failure with ErrKeyNotUsable", state.Status, bad.Err())
	}
	fmt.Fprintf(w, "report.Err() wraps kmscheck.ErrKeyNotUsable: %v\n", kmscheck.ErrKeyNotUsable)

	// A KMS that answers nothing useful: every call (and every retry of the
	// SDK) fails with a server error, more faults than the check can use.
	// No finding can pass, so the report is incomplete, not OK.
	k.InjectFault("", kmstest.InternalFault(), 100)
	blind, err := kmscheck.Check(ctx, client, arns[0], target)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the same good key while KMS answers 500 to everything: outcome %s, %d findings unknown, errors.Is(err, kmscheck.ErrIncomplete) = %t\n",
		blind.Outcome(), len(blind.WithStatus(kmscheck.StatusUnknown)), errors.Is(blind.Err(), kmscheck.ErrIncomplete))
	if blind.Outcome() != kmscheck.OutcomeIncomplete || !errors.Is(blind.Err(), kmscheck.ErrIncomplete) {
		return fmt.Errorf("preflight without answers: outcome %s, want incomplete", blind.Outcome())
	}
	return nil
}
