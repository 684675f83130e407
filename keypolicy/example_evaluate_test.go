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
	// kms:Decrypt via [] -> explicit-deny [1]
	// kms:Decrypt via [bedrock-agentcore.us-east-1.amazonaws.com] -> allow-if-iam [0]
	// kms:Encrypt via [] -> implicit-deny []
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
	// describe-key             implicit-deny
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

func ExampleExplain() {
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{
		Account: "111122223333", Region: "us-east-1",
		Principal: "arn:aws:iam::111122223333:role/MyBatchEvaluationRole",
	})
	if err != nil {
		panic(err)
	}
	// The service principal, for another account's batch evaluation.
	for _, r := range keypolicy.Explain(doc, keypolicy.Request{
		Service: keypolicy.ServicePrincipalName,
		Action:  "kms:GenerateDataKey",
		Context: map[string][]string{
			"aws:SourceAccount": {"444455556666"},
			"aws:SourceArn":     {"arn:aws:bedrock-agentcore:us-east-1:444455556666:batch-evaluate/b-1"},
		},
	}) {
		fmt.Printf("%s: applies=%v %s\n", r.Sid, r.Applies, r.Reason)
	}
	// Output:
	// AllowCallerAccess: applies=false Principal does not name service principal bedrock-agentcore.amazonaws.com
	// AllowCallerCryptoOps: applies=false Principal does not name service principal bedrock-agentcore.amazonaws.com
	// AllowServicePrincipalAccess: applies=false condition StringEquals aws:SourceAccount ["111122223333"] is false for the request's ["444455556666"]
}
