package keyapply_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keyapply"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Apply the documented policy-engine statements to a key with the AWS
// default key policy, then again: the second run writes nothing.
func ExampleApply() {
	ctx := context.Background()
	const admin = "arn:aws:iam::111122223333:role/KeyAdmin"
	sb, err := agentcoretest.Start(admin) // in-memory KMS and the others, on loopback
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()
	client := sb.KMS // a real *kms.Client, signing as admin
	out, err := sb.Emulators.KMS.Client().CreateKey(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	keyARN := aws.ToString(out.KeyMetadata.Arn)

	statements, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{
		Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/ExampleRole",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		res, err := keyapply.Apply(ctx, client, keyARN, statements, func(o *keyapply.Options) { o.Admin = admin })
		switch {
		case err != nil:
			fmt.Println(err)
		case res.UpToDate:
			fmt.Println("already up to date")
		default:
			fmt.Printf("added %q; %s still allows the admin to change the policy\n", res.Added, res.Lockout.Statements)
		}
	}
	// Output:
	// added ["Allow Policy to create grants" "Allow Policy for KMS operations" "Allow Policy for KMS validation"]; [Enable IAM User Permissions] still allows the admin to change the policy
	// already up to date
}
