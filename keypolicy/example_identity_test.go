package keypolicy_test

import (
	"fmt"
	"os"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// The IAM policy the caller of batch evaluations needs on one key, beside
// a key policy that delegates to the account.
func ExampleIdentityForBatchEvaluation() {
	doc, err := keypolicy.IdentityForBatchEvaluation(keypolicy.BatchEvaluationParams{
		Account: "111122223333", Region: "us-east-1",
		Principal: "arn:aws:iam::111122223333:role/MyBatchEvaluationRole",
	}, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := doc.JSON()
	os.Stdout.Write(out)
	// Output:
	// {
	//   "Version": "2012-10-17",
	//   "Statement": [
	//     {
	//       "Sid": "AllowCallerAccess",
	//       "Effect": "Allow",
	//       "Action": "kms:DescribeKey",
	//       "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	//     },
	//     {
	//       "Sid": "AllowCallerCryptoOps",
	//       "Effect": "Allow",
	//       "Action": [
	//         "kms:GenerateDataKey",
	//         "kms:Decrypt"
	//       ],
	//       "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	//       "Condition": {
	//         "StringLike": {
	//           "kms:EncryptionContext:aws:bedrock-agentcore:batchEvaluationArn": "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/*"
	//         }
	//       }
	//     }
	//   ]
	// }
}

// EvaluateIdentity reads a policy as attached to the caller: its
// statements have no Principal.
func ExampleEvaluateIdentity() {
	doc, err := keypolicy.Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:*","Resource":"*"},
		{"Sid":"NoGrants","Effect":"Deny","Action":"kms:CreateGrant","Resource":"*"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, action := range []string{"kms:Decrypt", "kms:CreateGrant"} {
		d := keypolicy.EvaluateIdentity(doc, keypolicy.Request{
			Principal: "arn:aws:iam::111122223333:role/ExampleRole", Action: action,
			Resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		})
		fmt.Println(action, "allowed:", d.Verdict == keypolicy.Allow, "denied explicitly:", d.Verdict == keypolicy.ExplicitDeny, "by", d.Statements)
	}
	// Output:
	// kms:Decrypt allowed: true denied explicitly: false by [0]
	// kms:CreateGrant allowed: false denied explicitly: true by [1]
}
