package keypolicy_test

import (
	"fmt"
	"log"
	"os"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// The gateway's documented key policy names the gateway service role, a
// parameter of its own, and one gateway.
func ExampleFor() {
	doc, err := keypolicy.For(keypolicy.ConsumerGateway, keypolicy.Params{
		Account:     "123456789012",
		Region:      "eu-west-1",
		ServiceRole: "arn:aws:iam::123456789012:role/GatewayServiceRole",
		ResourceARN: "arn:aws:bedrock-agentcore:eu-west-1:123456789012:gateway/gw-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range doc.Statement {
		fmt.Println(s.Sid, s.Action.Values)
	}
	// Output:
	// AllowServiceRoleDescribeKey [kms:DescribeKey]
	// AllowServiceRoleDecryptKey [kms:Decrypt kms:GenerateDataKey]
	// AllowServiceRoleCreateGrant [kms:CreateGrant]
	// AllowKMSDecryptionLogging [kms:GenerateDataKey kms:Decrypt]
}

// Every consumer, with the key restrictions its documentation states.
func ExampleConsumers() {
	for _, c := range keypolicy.Consumers() {
		fmt.Printf("%-20s %-14s same Region %-8s key ARN only %-8s no multi-Region %s\n",
			c.Name, c.Kind, c.Restrictions.SameRegion, c.Restrictions.KeyARNOnly, c.Restrictions.NoMultiRegion)
	}
	// Output:
	// policy-engine        key policy     same Region open     key ARN only open     no multi-Region open
	// batch-evaluation     key policy     same Region required key ARN only open     no multi-Region open
	// evaluator            key policy     same Region required key ARN only required no multi-Region open
	// dataset              key policy     same Region required key ARN only required no multi-Region open
	// configuration-bundle key policy     same Region required key ARN only required no multi-Region open
	// recommendation       key policy     same Region required key ARN only required no multi-Region open
	// payment-manager      key policy     same Region open     key ARN only required no multi-Region required
	// gateway              key policy     same Region open     key ARN only required no multi-Region open
	// memory               identity policy same Region open     key ARN only open     no multi-Region open
	// token-vault          key policy     same Region open     key ARN only required no multi-Region required
}

// The token vault's documented key policy has no Principal; Lint says so
// instead of guessing one, and For writes the principal you choose.
func ExampleDocumented() {
	doc, err := keypolicy.Documented(keypolicy.ConsumerTokenVault)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range keypolicy.Lint(doc) {
		fmt.Println(f.Severity, f.ID, f.Sid)
	}
	_, err = keypolicy.For(keypolicy.ConsumerTokenVault, keypolicy.Params{Account: "111122223333", Region: "us-east-1"})
	fmt.Println(err != nil)
	// Output:
	// error missing-principal BedrockAgentCoreIdentityKMSAccess
	// error missing-principal BedrockAgentCoreIdentityDescribeKeyKMSAccess
	// true
}

// One key for a dataset and a recommendation: the Sid both document for
// different statements is qualified, and the shared policy allows every
// request of both.
func ExampleShared() {
	p := keypolicy.Params{Account: "111122223333", Region: "us-east-1", Principal: "arn:aws:iam::111122223333:role/Optimizer"}
	doc, reqs, err := keypolicy.Shared([]keypolicy.Use{
		{Consumer: keypolicy.ConsumerDataset, Params: p},
		{Consumer: keypolicy.ConsumerRecommendation, Params: p},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range doc.Statement {
		fmt.Println(s.Sid)
	}
	fmt.Println(keypolicy.Analyze(doc, reqs).OK())
	// Output:
	// AllowCallerAccess
	// AllowAgentCoreDatasetAccess
	// AllowCallerAccess for recommendation
	// AllowCallerCryptoOps
	// AllowServicePrincipalAccess
	// true
}

// Memory documents only the IAM identity policy of the caller that sets up
// memory.
func ExampleFor_memory() {
	doc, err := keypolicy.For(keypolicy.ConsumerMemory, keypolicy.Params{Account: "111122223333", Region: "us-east-1"})
	if err != nil {
		log.Fatal(err)
	}
	out, err := doc.JSON()
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(out)
	// Output:
	// {
	//   "Version": "2012-10-17",
	//   "Statement": [
	//     {
	//       "Sid": "AllowAgentCoreMemoryKMS",
	//       "Effect": "Allow",
	//       "Action": [
	//         "kms:CreateGrant",
	//         "kms:Decrypt",
	//         "kms:DescribeKey",
	//         "kms:GenerateDataKey",
	//         "kms:GenerateDataKeyWithoutPlaintext",
	//         "kms:ReEncrypt*"
	//       ],
	//       "Resource": "arn:aws:kms:*:111122223333:key/*",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com"
	//         }
	//       }
	//     }
	//   ]
	// }
}
