// Command quickstart tells the whole agentcorekms story offline, against the
// embedded KMS, AgentCore and S3 emulators:
//
//  1. the key policies AWS documents, generated for a sample account;
//  2. the documented policy of every AgentCore resource that takes a key,
//     checked offline;
//  3. a preflight of a good key, a disabled one, and one KMS does not
//     answer for (passed, failed, incomplete);
//  4. the documented statements applied to a key's policy safely, and a
//     policy that would lock the administrator out refused;
//  5. a policy engine encrypted with a customer managed key: key policy,
//     preflight, create, wait, the two grants, then the key disabled, the
//     audit finding and the denied read;
//  6. a batch evaluation encrypted with a customer managed key: start, wait,
//     archive to S3 with SSE-KMS, then the key disabled.
//
// It needs no AWS account and no network. It exits 1 if anything does not
// behave as AWS documents.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

const (
	account = "111122223333"
	region  = "us-east-1"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run tells each story in turn, a blank line between them.
func run(ctx context.Context, w io.Writer) error {
	stories := []struct {
		name string
		tell func(context.Context, io.Writer) error
	}{
		{"key policies", policiesStory},
		{"consumers", consumersStory},
		{"preflight", preflightStory},
		{"apply", applyStory},
		{"policy engine", policyEngineStory},
		{"batch evaluation", batchEvaluationStory},
	}
	for i, s := range stories {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := s.tell(ctx, w); err != nil {
			return fmt.Errorf("%s story: %w", s.name, err)
		}
	}
	return nil
}

// policiesStory prints the two documented key policies for the sample
// account and its roles.
func policiesStory(_ context.Context, w io.Writer) error {
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
	for i, step := range []struct {
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
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "# %s\n%s", step.title, out)
	}
	return nil
}
