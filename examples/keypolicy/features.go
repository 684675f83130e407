package main

import (
	"errors"
	"flag"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// featureUsage is the help text of -feature.
const featureUsage = "comma-separated `features` the key encrypts, merged into one policy: " +
	"policy-engine, batch-evaluation, evaluator, dataset, configuration-bundle, recommendation, payment-manager, gateway, token-vault, " +
	"memory (an IAM identity policy, alone), or both (policy-engine,batch-evaluation)"

// featureOptions are the flags of the features beyond the first two, and
// what checkFeatures makes of -feature.
type featureOptions struct {
	resourceARNs  string
	executionRole string
	serviceRole   string
	variants      string

	names  []string                    // the features, in -feature order
	params map[string]keypolicy.Params // per feature
	arnBy  map[string]string           // feature -> the flag that narrowed it
}

// declare adds the flags of f to fs.
func (f *featureOptions) declare(fs *flag.FlagSet) {
	fs.StringVar(&f.resourceARNs, "resource-arn", "", "narrow the policy to the resources with these comma-separated `ARNs`, each for the feature of its resource type (gateway requires one)")
	fs.StringVar(&f.executionRole, "execution-role", "", "`ARN` of the payment manager's execution role (payment-manager, required)")
	fs.StringVar(&f.serviceRole, "service-role", "", "`ARN` of the gateway service role the key policy names (gateway, required)")
	fs.StringVar(&f.variants, "variant", "", "comma-separated documented `variants`: source-context (policy-engine), scoped (dataset)")
}

// featureFlagName returns the flag that sets a Params field of the
// features beyond the first two, or the field itself.
func featureFlagName(field string) string {
	switch field {
	case "ExecutionRole":
		return "-execution-role"
	case "ServiceRole":
		return "-service-role"
	case "ResourceARN":
		return "-resource-arn"
	case "Variant":
		return "-variant"
	}
	return field
}

// checkFeatures parses -feature and gives each feature its parameters:
// the ARNs of -resource-arn (by resource type), -engine-arn and
// -batch-evaluation-arn, the variants, and the second principals.
func checkFeatures(o *options) error {
	f := &o.featureOptions
	f.names, f.params, f.arnBy = nil, map[string]keypolicy.Params{}, map[string]string{}
	known := keypolicy.ConsumerNames()
	for _, name := range strings.Split(o.feature, ",") {
		name = strings.TrimSpace(name)
		names := []string{name}
		if name == featureBoth {
			names = []string{featurePolicyEngine, featureBatchEvaluation}
		}
		for _, n := range names {
			switch {
			case !slices.Contains(known, n):
				return badInput("-feature %q: each feature must be one of %s, or %s", name, strings.Join(known, ", "), featureBoth)
			case slices.Contains(f.names, n):
				return badInput("-feature %q lists %s twice", o.feature, n)
			}
			f.names = append(f.names, n)
		}
	}
	has := func(n string) bool { return slices.Contains(f.names, n) }
	if has(keypolicy.ConsumerMemory) {
		switch {
		case len(f.names) > 1:
			return badInput("-feature memory writes an IAM identity policy, not a key policy; it cannot be merged with %s", strings.Join(slices.DeleteFunc(slices.Clone(f.names), func(n string) bool { return n == keypolicy.ConsumerMemory }), ", "))
		case o.merge != "":
			return badInput("-feature memory writes an IAM identity policy, which cannot be merged into a key policy")
		}
	}
	// The flags of the first two features keep their own messages.
	if !has(featurePolicyEngine) {
		if o.sourceContext {
			return badInput("-source-context applies to -feature %s or %s only", featurePolicyEngine, featureBoth)
		}
		if o.engineARN != "" {
			return badInput("-engine-arn applies to -feature %s or %s only", featurePolicyEngine, featureBoth)
		}
	}
	if o.batchARN != "" && !has(featureBatchEvaluation) {
		return badInput("-batch-evaluation-arn applies to -feature %s or %s only", featureBatchEvaluation, featureBoth)
	}
	if f.executionRole != "" && !has(keypolicy.ConsumerPaymentManager) {
		return badInput("-execution-role applies to -feature %s only", keypolicy.ConsumerPaymentManager)
	}
	if f.serviceRole != "" && !has(keypolicy.ConsumerGateway) {
		return badInput("-service-role applies to -feature %s only", keypolicy.ConsumerGateway)
	}

	resources := map[string]string{}
	if o.engineARN != "" {
		resources[featurePolicyEngine], f.arnBy[featurePolicyEngine] = o.engineARN, "-engine-arn"
	}
	if o.batchARN != "" {
		resources[featureBatchEvaluation], f.arnBy[featureBatchEvaluation] = o.batchARN, "-batch-evaluation-arn"
	}
	if f.resourceARNs != "" {
		for _, s := range strings.Split(f.resourceARNs, ",") {
			s = strings.TrimSpace(s)
			a, err := arn.Parse(s)
			if err != nil {
				return badInput("-resource-arn %q: is not an ARN", s)
			}
			typ, _, _ := strings.Cut(a.Resource, "/")
			c, ok := keypolicy.ConsumerForResource(typ)
			switch {
			case !ok:
				return badInput("-resource-arn %q: no feature has resources of type %q", s, typ)
			case !has(c.Name):
				return badInput("-resource-arn %q names a %s: add %s to -feature", s, typ, c.Name)
			case resources[c.Name] != "":
				return badInput("-resource-arn %q: %s already narrows %s to %s; a policy narrows to one resource", s, f.arnBy[c.Name], c.Name, resources[c.Name])
			}
			resources[c.Name], f.arnBy[c.Name] = s, "-resource-arn"
		}
	}

	variants := map[string]string{}
	list := []string{}
	if o.sourceContext {
		list = append(list, keypolicy.VariantSourceContext)
	}
	if f.variants != "" {
		list = append(list, strings.Split(f.variants, ",")...)
	}
	for _, v := range list {
		v = strings.TrimSpace(v)
		matched := false
		for _, n := range f.names {
			if c, _ := keypolicy.ConsumerByName(n); slices.Contains(c.Variants, v) {
				variants[n], matched = v, true
			}
		}
		if !matched {
			return badInput("-variant %q: no feature in -feature %q has that variant", v, o.feature)
		}
	}

	for _, n := range f.names {
		f.params[n] = keypolicy.Params{
			Account: o.account, Region: o.region, Partition: o.partition, Principal: o.principal,
			ExecutionRole: f.executionRole, ServiceRole: f.serviceRole,
			ResourceARN: resources[n], Variant: variants[n],
		}
	}
	return nil
}

// featureDocs returns the policy of the features: for several, one key
// policy they share (keypolicy.Shared).
func featureDocs(o *options) ([]*keypolicy.Document, error) {
	if len(o.names) == 1 {
		doc, err := keypolicy.For(o.names[0], o.params[o.names[0]])
		if err != nil {
			return nil, featureParamError(o, o.names[0], err)
		}
		return []*keypolicy.Document{doc}, nil
	}
	doc, _, err := shared(o)
	if err != nil {
		return nil, err
	}
	return []*keypolicy.Document{doc}, nil
}

// featureRequirements returns the requests of every feature, in -feature
// order, mapped to the Sids featureDocs writes.
func featureRequirements(o *options) ([]keypolicy.Requirement, error) {
	if len(o.names) == 1 {
		reqs, err := keypolicy.RequirementsFor(o.names[0], o.params[o.names[0]])
		if err != nil {
			return nil, featureParamError(o, o.names[0], err)
		}
		return reqs, nil
	}
	_, reqs, err := shared(o)
	return reqs, err
}

// shared is keypolicy.Shared of the features, with errors in terms of
// flags.
func shared(o *options) (*keypolicy.Document, []keypolicy.Requirement, error) {
	uses := make([]keypolicy.Use, len(o.names))
	for i, n := range o.names {
		// Validate each alone first, so that an error names its feature's flag.
		if _, err := keypolicy.RequirementsFor(n, o.params[n]); err != nil {
			return nil, nil, featureParamError(o, n, err)
		}
		uses[i] = keypolicy.Use{Consumer: n, Params: o.params[n]}
	}
	return keypolicy.Shared(uses)
}

// featureParamError rewrites a *ParamError of feature name in terms of the
// flag that set the field.
func featureParamError(o *options, name string, err error) error {
	var pe *keypolicy.InputError
	if !errors.As(err, &pe) {
		return err
	}
	flagged := flagName(pe.Field)
	switch {
	case pe.Field == "ResourceARN" && o.arnBy[name] != "":
		flagged = o.arnBy[name]
	case pe.Value != "":
		return paramError(err)
	}
	if pe.Value == "" {
		return badInput("%s: %s", flagged, pe.Reason)
	}
	return badInput("%s %q: %s", flagged, pe.Value, pe.Reason)
}
