package kmscheck_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Check a key before creating a policy engine with it, here against the
// in-memory KMS through the real SDK client.
func ExampleCheck() {
	ctx := context.Background()
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k.MapAccessKey("AKIDEXAMPLE", role)
	client := kmstest.NewSDKClient(srv.URL, "AKIDEXAMPLE")

	// An RSA key with the default key policy, reached by an alias.
	key, _ := k.Client().CreateKey(ctx, &kms.CreateKeyInput{KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT"})
	_ = k.SetAlias("alias/engines", *key.KeyMetadata.KeyId)

	report, err := kmscheck.Check(ctx, client, "alias/engines", kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{
		Account: "111122223333", Region: "us-east-1", Principal: role,
	}))
	if err != nil {
		fmt.Println("bad input:", err)
		return
	}
	for _, f := range report.Findings {
		if f.Status != kmscheck.StatusPass {
			fmt.Println(f.Status, f.ID)
		}
	}
	fmt.Println(errors.Is(report.Err(), kmscheck.ErrKeyNotUsable))
	// Output:
	// warn key.reference
	// fail key.spec
	// warn policy.create-grant-management
	// warn policy.create-grant-evaluation
	// warn policy.decrypt
	// warn policy.generate-data-key
	// warn policy.describe-key
	// true
}

// A one-line fake for DescribeKey, for the cases the emulator cannot reach.
func ExampleDescribeKeyFunc() {
	var describe kmscheck.DescribeKeyAPIClient = kmscheck.DescribeKeyFunc(
		func(ctx context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
			return nil, errors.New("no KMS here for " + aws.ToString(in.KeyId))
		})
	_, err := describe.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String("alias/x")})
	fmt.Println(err)
	// Output: no KMS here for alias/x
}

// The three verdicts of a preflight: go ahead only when it passed. A
// preflight that could not get its answers is incomplete, never a pass.
func ExampleReport_Outcome() {
	ctx := context.Background()
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k.MapAccessKey("AKIDEXAMPLE", role)
	client := kmstest.NewSDKClient(srv.URL, "AKIDEXAMPLE")
	params := keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role}

	// The default key policy plus the documented statements.
	base, _ := keypolicy.Parse([]byte(k.DefaultKeyPolicy()))
	documented, _ := keypolicy.ForPolicyEngine(params)
	merged, _ := keypolicy.Merge(base, documented)
	policy, _ := merged.JSON()
	good, _ := k.Client().CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
	disabled, _ := k.Client().CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(string(policy))})
	_ = k.SetKeyState(*disabled.KeyMetadata.KeyId, "Disabled")

	check := func(client kmscheck.KMS, keyARN string) {
		report, err := kmscheck.Check(ctx, client, keyARN, kmscheck.PolicyEngine(params))
		if err != nil {
			fmt.Println("bad input, or ctx ended:", err)
			return
		}
		switch report.Outcome() {
		case kmscheck.OutcomePassed:
			fmt.Println("passed: create the policy engine")
		case kmscheck.OutcomeFailed:
			fmt.Println("failed, key not usable:", errors.Is(report.Err(), kmscheck.ErrKeyNotUsable))
		case kmscheck.OutcomeIncomplete:
			var ie *kmscheck.IncompleteError
			errors.As(report.Err(), &ie)
			fmt.Printf("incomplete: %d findings unknown; do not go ahead\n", len(ie.Unknown))
		}
	}
	check(client, *good.KeyMetadata.Arn)
	check(client, *disabled.KeyMetadata.Arn)

	// An endpoint that does not answer (here, one that is closed).
	down := k.NewServer()
	down.Close()
	check(kmstest.NewSDKClient(down.URL, "AKIDEXAMPLE"), *good.KeyMetadata.Arn)
	// Output:
	// passed: create the policy engine
	// failed, key not usable: true
	// incomplete: 16 findings unknown; do not go ahead
}
