// Command quickstart shows agentcorekms end to end, offline: it generates
// the key policies AgentCore documents for a sample account.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

const (
	account = "111122223333"
	region  = "us-east-1"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	pe, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{
		Account: account, Region: region,
		Principal: "arn:aws:iam::" + account + ":role/ExampleRole",
	})
	if err != nil {
		return err
	}
	be, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{
		Account: account, Region: region,
		Principal: "arn:aws:iam::" + account + ":role/MyBatchEvaluationRole",
	})
	if err != nil {
		return err
	}
	for _, step := range []struct {
		title string
		doc   *keypolicy.Document
	}{
		{"Key policy for policy engines: the caller may create the two grants and use the key only through AgentCore.", pe},
		{"Key policy for batch evaluations: the caller and the AgentCore service principal, scoped by encryption context and source.", be},
	} {
		out, err := step.doc.JSON()
		if err != nil {
			return err
		}
		fmt.Printf("# %s\n%s\n", step.title, out)
	}
	if err := preflightStory(context.Background(), os.Stdout); err != nil {
		return err
	}
	if err := policyEngineStory(context.Background(), os.Stdout); err != nil {
		return fmt.Errorf("policy engine story: %w", err)
	}
	if err := batchEvaluationStory(context.Background(), os.Stdout); err != nil {
		return fmt.Errorf("batch evaluation story: %w", err)
	}
	return nil
}
