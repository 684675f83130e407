package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Usage of the identity-policy flags.
const (
	identityPolicyUsage = "write the least-privilege IAM identity policy the caller (-principal) needs on the key, instead of the key policy"
	keyUsage            = "the key's `ARN`: -identity-policy is scoped to it (default: every key of -account in -region, arn:PARTITION:kms:REGION:ACCOUNT:key/*); -check matches statements that name keys against it, and checks a -principal of another account as cross-account"
)

// checkIdentityArgs rejects flags that make no sense with -identity-policy.
func checkIdentityArgs(o *options) error {
	if !o.identityPolicy {
		return nil // -key is checked with -check's flags
	}
	for _, n := range o.names {
		if n != featurePolicyEngine && n != featureBatchEvaluation {
			// AWS documents the caller's identity policy for these two
			// only; -feature memory writes memory's documented one.
			return badInput("-identity-policy is written for -feature %s and %s only, not %s", featurePolicyEngine, featureBatchEvaluation, n)
		}
	}
	switch {
	case o.merge != "":
		return badInput("-merge adds to a key policy; it cannot be combined with -identity-policy")
	case o.check != "" || o.lint != "":
		return badInput("-check and -lint read a key policy; they cannot be combined with -identity-policy")
	}
	return nil
}

// identityPolicy builds the identity policy of o: the feature's, or both
// features' statements in one policy.
func identityPolicy(o *options) (*keypolicy.Document, error) {
	var out *keypolicy.Document
	add := func(doc *keypolicy.Document, err error) error {
		if err != nil {
			return paramError(err)
		}
		if out == nil {
			out = doc
			return nil
		}
		out, err = keypolicy.Merge(out, doc)
		return err
	}
	has := func(n string) bool { return slices.Contains(o.names, n) }
	if has(featurePolicyEngine) {
		if err := add(keypolicy.IdentityForPolicyEngine(keypolicy.PolicyEngineParams{
			Account: o.account, Region: o.region, Partition: o.partition, Principal: o.principal,
			SourceContext: o.sourceContext, PolicyEngineARN: o.engineARN,
		}, o.key)); err != nil {
			return nil, err
		}
	}
	if has(featureBatchEvaluation) {
		if err := add(keypolicy.IdentityForBatchEvaluation(keypolicy.BatchEvaluationParams{
			Account: o.account, Region: o.region, Partition: o.partition, Principal: o.principal,
			BatchEvaluationARN: o.batchARN,
		}, o.key)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeIdentityPolicy writes the identity policy of o and returns the exit
// status.
func writeIdentityPolicy(o *options, stdout, stderr io.Writer) int {
	doc, err := identityPolicy(o)
	if err != nil {
		return fail(stderr, exitBadInput, err)
	}
	var out []byte
	if o.compact {
		out = append(doc.Compact(), '\n')
	} else if out, err = doc.JSON(); err != nil {
		return fail(stderr, exitFailed, err)
	}
	if _, err := stdout.Write(out); err != nil {
		return fail(stderr, exitFailed, fmt.Errorf("writing the policy: %w", err))
	}
	return exitOK
}
