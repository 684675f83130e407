package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// featureUsage is the help text of -feature.
const featureUsage = "the `feature` the key is for: policy-engine, batch-evaluation, evaluator, dataset, configuration-bundle, " +
	"recommendation, payment-manager, gateway, token-vault or memory (the last two with -key only); with -key, a comma-separated list " +
	"checks one key several features share, each feature with the flags that apply to it"

// consumerFlags are the flags of the features beyond the first two.
type consumerFlags struct {
	resourceARN, executionRole, serviceRole, variant string
}

func (c *consumerFlags) declare(fs *flag.FlagSet) {
	fs.StringVar(&c.resourceARN, "resource-arn", "", "narrow the check to the resource with this `ARN` (gateway requires one)")
	fs.StringVar(&c.executionRole, "execution-role", "", "`ARN` of the payment manager's execution role (payment-manager, required), or of the online evaluation execution role (evaluator: checked, but only warned about, since the documentation disagrees on whether it is needed)")
	fs.StringVar(&c.serviceRole, "service-role", "", "`ARN` of the gateway service role (gateway, required)")
	fs.StringVar(&c.variant, "variant", "", "documented `variant` of the key policy to expect: scoped (dataset)")
}

// featureNames returns the features of -feature: one, or a comma-separated
// list for one key that several share ("both" is policy-engine and
// batch-evaluation).
func (f flags) featureNames() []string {
	var out []string
	for _, n := range strings.Split(f.feature, ",") {
		n = strings.TrimSpace(n)
		if n == "both" {
			out = append(out, keypolicy.FeaturePolicyEngine, keypolicy.FeatureBatchEvaluation)
			continue
		}
		out = append(out, n)
	}
	return out
}

// forFeature returns f for one feature of a list: -feature that feature,
// and the flags that belong to the other features left out, so that each
// feature is checked with its own parameters.
func (f flags) forFeature(name string) flags {
	g := f
	g.feature = name
	c, _ := keypolicy.ConsumerByName(name)
	if name != keypolicy.FeaturePolicyEngine {
		g.engineARN, g.sourceContext = "", false
	}
	if name != keypolicy.FeatureBatchEvaluation {
		g.evaluationARN = ""
	}
	if name != keypolicy.ConsumerGateway {
		g.serviceRole = ""
	}
	if c.SecondPrincipal != "ExecutionRole" && c.OptionalPrincipal != "ExecutionRole" {
		g.executionRole = ""
	}
	if g.variant != "" && !slices.Contains(c.Variants, g.variant) {
		g.variant = ""
	}
	if g.resourceARN != "" {
		a, _ := arn.Parse(g.resourceARN)
		if typ, _, _ := strings.Cut(a.Resource, "/"); typ != c.Resource || c.Resource == "" {
			g.resourceARN = ""
		}
	}
	return g
}

// checkFeatureList checks a -feature list: every feature with its own
// flags, and every flag given used by one of them. A list needs -key (the
// sandbox's samples are per feature) and cannot be combined with -fix,
// which applies one feature's statements.
func (f flags) checkFeatureList(names []string) error {
	switch {
	case f.key == "":
		return fmt.Errorf("-feature %q checks a key several features share; it needs -key (the sandbox runs one feature at a time)", f.feature)
	case f.fix:
		return fmt.Errorf("-fix applies one feature's statements; run it once per feature of -feature %q", f.feature)
	}
	used := map[string]bool{}
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return fmt.Errorf("-feature %q lists %s twice", f.feature, n)
		}
		g := f.forFeature(n)
		if err := g.checkFeature(); err != nil {
			return fmt.Errorf("-feature %s: %w", n, err)
		}
		used["-engine-arn"] = used["-engine-arn"] || g.engineARN != ""
		used["-source-context"] = used["-source-context"] || g.sourceContext
		used["-evaluation-arn"] = used["-evaluation-arn"] || g.evaluationARN != ""
		used["-service-role"] = used["-service-role"] || g.serviceRole != ""
		used["-execution-role"] = used["-execution-role"] || g.executionRole != ""
		used["-variant"] = used["-variant"] || g.variant != ""
		used["-resource-arn"] = used["-resource-arn"] || g.resourceARN != ""
	}
	for _, given := range []struct {
		flag string
		set  bool
	}{
		{"-engine-arn", f.engineARN != ""}, {"-source-context", f.sourceContext}, {"-evaluation-arn", f.evaluationARN != ""},
		{"-service-role", f.serviceRole != ""}, {"-execution-role", f.executionRole != ""}, {"-variant", f.variant != ""},
		{"-resource-arn", f.resourceARN != ""},
	} {
		if given.set && !used[given.flag] {
			return fmt.Errorf("%s applies to none of -feature %q", given.flag, f.feature)
		}
	}
	return nil
}

// checkFeature checks -feature and the flags that depend on it.
func (f flags) checkFeature() error {
	if names := f.featureNames(); len(names) > 1 {
		return f.checkFeatureList(names)
	}
	c, ok := keypolicy.ConsumerByName(f.feature)
	if !ok {
		return fmt.Errorf("-feature must be one of %s, not %q", strings.Join(keypolicy.ConsumerNames(), ", "), f.feature)
	}
	switch {
	case f.evaluationARN != "" && f.feature != keypolicy.FeatureBatchEvaluation:
		return errors.New("-evaluation-arn is for -feature batch-evaluation")
	case (f.engineARN != "" || f.sourceContext) && f.feature != keypolicy.FeaturePolicyEngine:
		return errors.New("-engine-arn and -source-context are for -feature policy-engine")
	case f.executionRole != "" && c.SecondPrincipal != "ExecutionRole" && c.OptionalPrincipal != "ExecutionRole":
		return errors.New("-execution-role is for -feature payment-manager (its execution role) or evaluator (the online evaluation execution role)")
	case f.serviceRole != "" && f.feature != keypolicy.ConsumerGateway:
		return errors.New("-service-role is for -feature gateway")
	case f.variant != "" && !slices.Contains(c.Variants, f.variant):
		return fmt.Errorf("-variant %q is not a documented variant of the %s key policy", f.variant, f.feature)
	}
	if f.resourceARN != "" {
		a, err := arn.Parse(f.resourceARN)
		typ, _, _ := strings.Cut(a.Resource, "/")
		switch {
		case err != nil:
			return fmt.Errorf("-resource-arn %q is not an ARN", f.resourceARN)
		case typ != c.Resource || c.Resource == "":
			return fmt.Errorf("-resource-arn %q names a %q, not a resource of -feature %s", f.resourceARN, typ, f.feature)
		case f.engineARN != "" || f.evaluationARN != "":
			return errors.New("give the resource ARN once: -resource-arn, -engine-arn or -evaluation-arn")
		}
	}
	return nil
}

// params returns the keypolicy parameters of f.
func (f flags) params() keypolicy.Params {
	p := keypolicy.Params{
		Account: f.account, Region: f.region, Principal: f.principal,
		ExecutionRole: f.executionRole, ServiceRole: f.serviceRole,
		ResourceARN: f.resourceARN, Variant: f.variant,
	}
	switch {
	case f.engineARN != "":
		p.ResourceARN = f.engineARN
	case f.evaluationARN != "":
		p.ResourceARN = f.evaluationARN
	}
	if f.sourceContext {
		p.Variant = keypolicy.VariantSourceContext
	}
	return p
}

// consumerTarget is the kmscheck target of f.
func (f flags) consumerTarget() kmscheck.Target { return kmscheck.ForConsumer(f.feature, f.params()) }

// sandboxDefaults fills in what the sandbox needs and the flags leave out:
// the documentation's example roles, and the gateway's one ARN.
func sandboxDefaults(f *flags) error {
	c, _ := keypolicy.ConsumerByName(f.feature)
	if c.Kind != keypolicy.KeyPolicy || c.Name == keypolicy.ConsumerTokenVault {
		return fmt.Errorf("the sandbox has no samples for -feature %s (its documented policy cannot be checked as written); use -key", f.feature)
	}
	role := func(example string) string {
		name := "ExampleRole"
		if i := strings.LastIndexByte(example, '/'); i >= 0 {
			name = example[i+1:]
		}
		return "arn:aws:iam::" + f.account + ":role/" + name
	}
	if f.principal == "" {
		f.principal = role(c.Example.Principal)
	}
	if c.SecondPrincipal == "ExecutionRole" && f.executionRole == "" {
		f.executionRole = role(c.Example.ExecutionRole)
	}
	if c.SecondPrincipal == "ServiceRole" && f.serviceRole == "" {
		f.serviceRole = role(c.Example.ServiceRole)
	}
	if c.Narrowing == keypolicy.NarrowRequired && f.resourceARN == "" {
		f.resourceARN = "arn:aws:" + keypolicy.ServiceName + ":" + f.region + ":" + f.account + ":" + c.Resource + "/sandbox"
	}
	return nil
}

// sandboxPolicy returns the documented policy of target and the statement
// the "without a statement" sample leaves out, with the finding that must
// then fail.
func sandboxPolicy(f flags, target kmscheck.Target) (doc *keypolicy.Document, missing, missingReq string, err error) {
	switch {
	case target.BatchEvaluation != nil:
		doc, err = keypolicy.ForBatchEvaluation(*target.BatchEvaluation)
		return doc, keypolicy.SidBatchCallerCryptoOps, "policy.caller-generate-data-key", err
	case target.PolicyEngine != nil:
		doc, err = keypolicy.ForPolicyEngine(*target.PolicyEngine)
		return doc, keypolicy.SidPolicyCreateGrants, "policy.create-grant-management", err
	}
	p := f.params()
	if doc, err = keypolicy.For(f.feature, p); err != nil {
		return nil, "", "", err
	}
	reqs, err := keypolicy.RequirementsFor(f.feature, p)
	if err != nil {
		return nil, "", "", err
	}
	// The sample lets the caller describe the key, so leave out the
	// statement of a request that does more.
	i := slices.IndexFunc(reqs, func(r keypolicy.Requirement) bool { return r.Action != "kms:DescribeKey" })
	return doc, reqs[i].Statement, kmscheck.IDPolicyPrefix + reqs[i].ID, nil
}

// sandboxSamples drops the alias sample where the feature's key field
// takes only a key ARN: Check refuses an alias as bad input there.
func sandboxSamples(f flags, samples []sample) []sample {
	c, _ := keypolicy.ConsumerByName(f.feature)
	if f.feature == keypolicy.FeaturePolicyEngine || f.feature == keypolicy.FeatureBatchEvaluation || c.Restrictions.KeyARNOnly != keypolicy.RuleRequired {
		return samples
	}
	return slices.DeleteFunc(samples, func(s sample) bool { return strings.Contains(s.name, "alias") })
}
