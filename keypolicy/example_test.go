package keypolicy_test

import (
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// The key policy AWS documents for policy engines, for a caller role.
func ExampleForPolicyEngine() {
	doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{
		Account:   "111122223333",
		Region:    "us-east-1",
		Principal: "arn:aws:iam::111122223333:role/ExampleRole",
	})
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
	//       "Sid": "Allow Policy to create grants",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws:iam::111122223333:role/ExampleRole"
	//       },
	//       "Action": "kms:CreateGrant",
	//       "Resource": "*",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com",
	//           "kms:GrantConstraintType": "EncryptionContextSubset"
	//         },
	//         "StringLike": {
	//           "kms:EncryptionContext:aws:bedrock-agentcore-policy:policy-engine-arn": "arn:aws*:bedrock-agentcore:*:*:policy-engine/*"
	//         },
	//         "ForAllValues:StringEquals": {
	//           "kms:GrantOperations": [
	//             "Encrypt",
	//             "Decrypt",
	//             "GenerateDataKey",
	//             "GenerateDataKeyWithoutPlaintext",
	//             "ReEncryptFrom",
	//             "ReEncryptTo"
	//           ]
	//         }
	//       }
	//     },
	//     {
	//       "Sid": "Allow Policy for KMS operations",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws:iam::111122223333:role/ExampleRole"
	//       },
	//       "Action": [
	//         "kms:Decrypt",
	//         "kms:GenerateDataKey"
	//       ],
	//       "Resource": "*",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com"
	//         },
	//         "StringLike": {
	//           "kms:EncryptionContext:aws:bedrock-agentcore-policy:policy-engine-arn": "arn:aws*:bedrock-agentcore:*:*:policy-engine/*"
	//         }
	//       }
	//     },
	//     {
	//       "Sid": "Allow Policy for KMS validation",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws:iam::111122223333:role/ExampleRole"
	//       },
	//       "Action": "kms:DescribeKey",
	//       "Resource": "*",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com"
	//         }
	//       }
	//     }
	//   ]
	// }
}

// The key policy AWS documents for batch evaluations, narrowed to one batch
// evaluation in the China (Ningxia) Region: the partition and the ARNs follow
// the Region.
func ExampleForBatchEvaluation() {
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{
		Account:            "111122223333",
		Region:             "cn-northwest-1",
		Principal:          "arn:aws-cn:iam::111122223333:role/MyBatchEvaluationRole",
		BatchEvaluationARN: "arn:aws-cn:bedrock-agentcore:cn-northwest-1:111122223333:batch-evaluate/nightly-42",
	})
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
	//       "Sid": "AllowCallerAccess",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws-cn:iam::111122223333:role/MyBatchEvaluationRole"
	//       },
	//       "Action": "kms:DescribeKey",
	//       "Resource": "*"
	//     },
	//     {
	//       "Sid": "AllowCallerCryptoOps",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws-cn:iam::111122223333:role/MyBatchEvaluationRole"
	//       },
	//       "Action": [
	//         "kms:GenerateDataKey",
	//         "kms:Decrypt"
	//       ],
	//       "Resource": "*",
	//       "Condition": {
	//         "StringLike": {
	//           "kms:EncryptionContext:aws:bedrock-agentcore:batchEvaluationArn": "arn:aws-cn:bedrock-agentcore:cn-northwest-1:111122223333:batch-evaluate/nightly-42"
	//         }
	//       }
	//     },
	//     {
	//       "Sid": "AllowServicePrincipalAccess",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "Service": "bedrock-agentcore.amazonaws.com"
	//       },
	//       "Action": [
	//         "kms:GenerateDataKey",
	//         "kms:Decrypt"
	//       ],
	//       "Resource": "*",
	//       "Condition": {
	//         "StringEquals": {
	//           "aws:SourceAccount": "111122223333"
	//         },
	//         "ArnLike": {
	//           "aws:SourceArn": "arn:aws-cn:bedrock-agentcore:cn-northwest-1:111122223333:batch-evaluate/nightly-42"
	//         }
	//       }
	//     }
	//   ]
	// }
}

// The policy a key gets when it is created without one, here in the China
// partition.
func ExampleDefaultKeyPolicy() {
	doc, err := keypolicy.DefaultKeyPolicy("111122223333", "aws-cn")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", doc.Compact())
	// Output:
	// {"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}
}

// Adding the policy-engine statements to the default key policy a new key
// gets. Merging is idempotent, so running it on every deploy is safe.
func ExampleMerge() {
	base, err := keypolicy.DefaultKeyPolicy("111122223333", "aws")
	if err != nil {
		log.Fatal(err)
	}
	add, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{
		Account: "111122223333",
		Region:  "us-east-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	merged, err := keypolicy.Merge(base, add)
	if err != nil {
		log.Fatal(err)
	}
	again, err := keypolicy.Merge(merged, add)
	if err != nil {
		log.Fatal(err)
	}
	out, err := again.JSON()
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(out)
	// Output:
	// {
	//   "Version": "2012-10-17",
	//   "Id": "key-default-1",
	//   "Statement": [
	//     {
	//       "Sid": "Enable IAM User Permissions",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws:iam::111122223333:root"
	//       },
	//       "Action": "kms:*",
	//       "Resource": "*"
	//     },
	//     {
	//       "Sid": "Allow Policy to create grants",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws:iam::111122223333:root"
	//       },
	//       "Action": "kms:CreateGrant",
	//       "Resource": "*",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com",
	//           "kms:GrantConstraintType": "EncryptionContextSubset"
	//         },
	//         "StringLike": {
	//           "kms:EncryptionContext:aws:bedrock-agentcore-policy:policy-engine-arn": "arn:aws*:bedrock-agentcore:*:*:policy-engine/*"
	//         },
	//         "ForAllValues:StringEquals": {
	//           "kms:GrantOperations": [
	//             "Encrypt",
	//             "Decrypt",
	//             "GenerateDataKey",
	//             "GenerateDataKeyWithoutPlaintext",
	//             "ReEncryptFrom",
	//             "ReEncryptTo"
	//           ]
	//         }
	//       }
	//     },
	//     {
	//       "Sid": "Allow Policy for KMS operations",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws:iam::111122223333:root"
	//       },
	//       "Action": [
	//         "kms:Decrypt",
	//         "kms:GenerateDataKey"
	//       ],
	//       "Resource": "*",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com"
	//         },
	//         "StringLike": {
	//           "kms:EncryptionContext:aws:bedrock-agentcore-policy:policy-engine-arn": "arn:aws*:bedrock-agentcore:*:*:policy-engine/*"
	//         }
	//       }
	//     },
	//     {
	//       "Sid": "Allow Policy for KMS validation",
	//       "Effect": "Allow",
	//       "Principal": {
	//         "AWS": "arn:aws:iam::111122223333:root"
	//       },
	//       "Action": "kms:DescribeKey",
	//       "Resource": "*",
	//       "Condition": {
	//         "StringEquals": {
	//           "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com"
	//         }
	//       }
	//     }
	//   ]
	// }
}

// A Sid already used by a different statement is reported, never overwritten.
func ExampleMerge_conflict() {
	existing, err := keypolicy.Parse([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": [{
	    "Sid": "Allow Policy for KMS validation",
	    "Effect": "Allow",
	    "Principal": {"AWS": "arn:aws:iam::111122223333:role/Auditor"},
	    "Action": "kms:DescribeKey",
	    "Resource": "*"
	  }]
	}`))
	if err != nil {
		log.Fatal(err)
	}
	add, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = keypolicy.Merge(existing, add)
	var ce *keypolicy.ConflictError
	if errors.As(err, &ce) {
		fmt.Println(errors.Is(err, keypolicy.ErrConflict))
		fmt.Println("Sid:", ce.Sid)
		fmt.Println("existing principal:", ce.Existing.Principal.Values(keypolicy.PrincipalAWS))
		fmt.Println("incoming principal:", ce.Incoming.Principal.Values(keypolicy.PrincipalAWS))
	}
	// Output:
	// true
	// Sid: Allow Policy for KMS validation
	// existing principal: [arn:aws:iam::111122223333:role/Auditor]
	// incoming principal: [arn:aws:iam::111122223333:root]
}

// Invalid parameters come back as an *InputError naming the field; it
// unwraps to ErrInvalidInput, the one input sentinel of every package.
func ExampleInputError() {
	_, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{
		Account:   "111122223333",
		Region:    "us-east-1",
		Principal: "arn:aws:sts::111122223333:assumed-role/ExampleRole/session",
	})
	var pe *keypolicy.InputError
	if errors.As(err, &pe) {
		fmt.Println(errors.Is(err, keypolicy.ErrInvalidInput))
		fmt.Println("field:", pe.Field)
		fmt.Println("reason:", pe.Reason)
	}
	// Output:
	// true
	// field: Principal
	// reason: is an STS session; name the IAM role (arn:aws:iam::ACCOUNT:role/NAME) instead
}

// Parse reports where malformed JSON goes wrong.
func ExampleParse_syntaxError() {
	_, err := keypolicy.Parse([]byte("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [}\n}"))
	var se *keypolicy.SyntaxError
	if errors.As(err, &se) {
		fmt.Printf("line %d, column %d: %s\n", se.Line, se.Column, se.Msg)
	}
	// Output:
	// line 3, column 17: invalid character '}' looking for beginning of value
}
