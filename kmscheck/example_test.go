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
