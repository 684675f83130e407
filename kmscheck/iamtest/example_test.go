package iamtest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/agentcorekms/agentcorekms/kmscheck/iamtest"
)

// The real *iam.Client against the emulator: a role whose IAM policy
// allows kms:Decrypt on one key, simulated for two actions.
func Example() {
	ctx := context.Background()
	m := iamtest.New()
	srv := m.NewServer()
	defer srv.Close()
	client := iamtest.NewSDKClient(srv.URL)

	const key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	role, err := client.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("ExampleRole"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock-agentcore.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String("ExampleRole"), PolicyName: aws.String("kms"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"` + key + `"}]}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := client.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: role.Role.Arn,
		ActionNames:     []string{"kms:Decrypt", "kms:CreateGrant"},
		ResourceArns:    []string{key},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range out.EvaluationResults {
		fmt.Println(aws.ToString(r.EvalActionName), r.EvalDecision, len(r.MatchedStatements))
	}
	// Output:
	// kms:Decrypt allowed 1
	// kms:CreateGrant implicitDeny 0
}
