package main

import (
	"context"
	"fmt"
	"io"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// consumersStory writes, for every AgentCore resource that takes a customer
// managed key, the documented policy with the documentation's own example
// values, and checks it offline: every request the resource makes is
// allowed, and Lint's findings are counted (the ones it reports are in the
// documented JSON itself, which is reproduced as AWS wrote it).
func consumersStory(_ context.Context, w io.Writer) error {
	fmt.Fprintln(w, "# Every AgentCore resource that takes a customer managed key: the documented policy, checked offline.")
	for _, c := range keypolicy.Consumers() {
		p := c.Example
		if c.Name == keypolicy.ConsumerTokenVault && p.Principal == "" {
			// The token vault's documented policy names no principal,
			// which a key policy needs; the account root is the
			// conservative one to show.
			p.Principal = "arn:aws:iam::" + p.Account + ":root"
		}
		doc, err := keypolicy.For(c.Name, p)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		if c.Kind != keypolicy.KeyPolicy {
			fmt.Fprintf(w, "%-20s IAM identity policy, %d statement(s) (AWS documents no key policy)\n", c.Name, len(doc.Statement))
			continue
		}
		reqs, err := keypolicy.RequirementsFor(c.Name, p)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		a := keypolicy.Analyze(doc, reqs)
		allowed := len(a.Results) - len(a.Failed())
		if allowed != len(a.Results) {
			return fmt.Errorf("%s: the documented policy allows %d of %d requests:\n%s", c.Name, allowed, len(a.Results), a)
		}
		fmt.Fprintf(w, "%-20s %d statements, %d/%d requests allowed, %d lint findings\n",
			c.Name, len(doc.Statement), allowed, len(a.Results), len(keypolicy.Lint(doc)))
	}
	return nil
}
