package keypolicy_test

import (
	"fmt"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

func ExampleEvaluate() {
	doc, err := keypolicy.Parse([]byte(`{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
     "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "DenyDirectDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringNotEquals": {"kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com"}}}
  ]
}`))
	if err != nil {
		panic(err)
	}
	session := "arn:aws:sts::111122223333:assumed-role/AppRole/app"
	for _, req := range []keypolicy.Request{
		{Principal: session, Action: "kms:Decrypt"},
		{Principal: session, Action: "kms:Decrypt", Context: map[string][]string{
			"kms:ViaService": {"bedrock-agentcore.us-east-1.amazonaws.com"},
		}},
		{Service: keypolicy.ServicePrincipalName, Action: "kms:Encrypt"},
	} {
		d := keypolicy.Evaluate(doc, req)
		fmt.Println(req.Action, "via", req.Context["kms:ViaService"], "->", d.Verdict, d.Statements)
	}
	// Output:
	// kms:Decrypt via [] -> explicit deny [1]
	// kms:Decrypt via [bedrock-agentcore.us-east-1.amazonaws.com] -> allow if IAM allows [0]
	// kms:Encrypt via [] -> implicit deny []
}

func ExampleAnalyze() {
	p := keypolicy.PolicyEngineParams{
		Account:   "111122223333",
		Region:    "us-east-1",
		Principal: "arn:aws:iam::111122223333:role/ExampleRole",
	}
	doc, err := keypolicy.ForPolicyEngine(p)
	if err != nil {
		panic(err)
	}
	reqs, err := keypolicy.PolicyEngineRequirements(p)
	if err != nil {
		panic(err)
	}
	// Someone drops DescribeKey from the validation statement.
	doc.Statement[2].Action = keypolicy.One("kms:GetKeyPolicy")

	a := keypolicy.Analyze(doc, reqs)
	fmt.Println("OK:", a.OK())
	for _, r := range a.Results {
		fmt.Printf("%-24s %s\n", r.Requirement.ID, r.Decision.Verdict)
	}
	fmt.Println("fix:", a.Failed()[0].Fix)
	// Output:
	// OK: false
	// create-grant-management  allow
	// create-grant-evaluation  allow
	// decrypt                  allow
	// generate-data-key        allow
	// describe-key             implicit deny
	// fix: add "kms:DescribeKey" to the Action of statement "Allow Policy for KMS validation" (#2)
}

func ExampleLint() {
	doc, err := keypolicy.Parse([]byte(`{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowAgentCore", "Effect": "Allow",
     "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
     "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}
  ]
}`))
	if err != nil {
		panic(err)
	}
	for _, f := range keypolicy.Lint(doc) {
		fmt.Println(f.Severity, f.ID, f.Sid)
	}
	// Output:
	// error confused-deputy AllowAgentCore
}
