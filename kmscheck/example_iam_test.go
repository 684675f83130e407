package kmscheck_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/iamtest"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// With the default key policy every request is allowed only if IAM allows
// it; Options.IAM asks IAM. Here the caller's IAM policy is the generated
// identity policy without its kms:CreateGrant statement.
func ExampleOptions_iAM() {
	ctx := context.Background()
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k := kmstest.New()
	ksrv := k.NewServer()
	defer ksrv.Close()
	k.MapAccessKey("AKIDEXAMPLE", role)
	kmsClient := kmstest.NewSDKClient(ksrv.URL, "AKIDEXAMPLE")
	m := iamtest.New()
	isrv := m.NewServer()
	defer isrv.Close()
	iamClient := iamtest.NewSDKClient(isrv.URL)

	key, err := k.Client().CreateKey(ctx, &kms.CreateKeyInput{}) // the default key policy
	if err != nil {
		fmt.Println(err)
		return
	}
	params := keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role}
	identity, err := keypolicy.IdentityForPolicyEngine(params, *key.KeyMetadata.Arn)
	if err != nil {
		fmt.Println(err)
		return
	}
	identity.Statement = identity.Statement[1:] // drop AllowPolicyToCreateGrants
	doc, _ := identity.JSON()
	if _, err := iamClient.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ExampleRole"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := iamClient.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ExampleRole"),
		PolicyName: aws.String("agentcore"), PolicyDocument: aws.String(string(doc))}); err != nil {
		fmt.Println(err)
		return
	}

	report, err := kmscheck.Check(ctx, kmsClient, *key.KeyMetadata.Arn, kmscheck.PolicyEngine(params),
		func(o *kmscheck.Options) { o.IAM = iamClient })
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []string{"policy.create-grant-management", "policy.decrypt"} {
		f, _ := report.Finding(id)
		fmt.Println(f.Status, id)
	}
	fmt.Println(report.Outcome())
	// Output:
	// fail policy.create-grant-management
	// pass policy.decrypt
	// failed
}
