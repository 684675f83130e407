package keypolicy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEvaluatePolicyVariables evaluates policy variables through Evaluate,
// one documented rule per row.
func TestEvaluatePolicyVariables(t *testing.T) {
	t.Parallel()
	const (
		role = "arn:aws:iam::111122223333:role/AppRole"
		key  = "arn:aws:kms:us-east-1:111122223333:key/k"
	)
	tests := []struct {
		name     string
		version  string
		op       string
		condKey  string
		value    string   // the policy value, with variables
		values   []string // the policy values, when there are several
		ctx      map[string][]string
		resource string // the statement's Resource; "*" if empty
		want     Verdict
	}{
		// "When the policy is evaluated, the policy variables are replaced
		// with values that come from the conditional context keys passed in
		// the request." (IAM User Guide, policy variables)
		{name: "the issue's example: kms:CallerAccount equals ${aws:PrincipalAccount}", version: Version2012,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:PrincipalAccount}", want: Allow},
		{name: "another account does not match", version: Version2012,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:PrincipalAccount}",
			ctx: map[string][]string{"kms:CallerAccount": {"444455556666"}}, want: ImplicitDeny},
		{name: "${aws:SourceAccount} inside a longer value", version: Version2012,
			op: "StringEquals", condKey: "aws:SourceArn", value: "arn:aws:bedrock-agentcore:us-east-1:${aws:SourceAccount}:batch-evaluate/b",
			ctx: map[string][]string{"aws:SourceAccount": {"111122223333"}, "aws:SourceArn": {"arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/b"}}, want: Allow},
		{name: "${aws:PrincipalArn} with ArnEquals", version: Version2012,
			op: "ArnEquals", condKey: "aws:SourceArn", value: "${aws:PrincipalArn}",
			ctx: map[string][]string{"aws:SourceArn": {role}}, want: Allow},
		// "Key names are case-insensitive."
		{name: "the variable's key ignores case", version: Version2012,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${AWS:principalaccount}", want: Allow},
		// "If the ... context key ... is not present in the request, ... the
		// entire statement might be invalid": a value whose variable has no
		// value matches nothing.
		{name: "an absent key without a default matches nothing", version: Version2012,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:SourceAccount}", want: ImplicitDeny},
		{name: "an absent key leaves the other values", version: Version2012,
			op: "StringEquals", condKey: "kms:CallerAccount", values: []string{"${aws:SourceAccount}", "111122223333"}, want: Allow},
		// "To add a default value to a variable, surround the default value
		// with single quotes (' '), and separate the variable text and the
		// default value with a comma and space (, )."
		{name: "the default of an absent key", version: Version2012,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:SourceAccount, '111122223333'}", want: Allow},
		{name: "a present key ignores its default", version: Version2012,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:PrincipalAccount, '999999999999'}", want: Allow},
		{name: "two single quotes are one", version: Version2012,
			op: "StringEquals", condKey: "test:Quote", value: "${test:Missing, 'it''s}'}",
			ctx: map[string][]string{"test:Quote": {"it's}"}}, want: Allow},
		// "You can use any available single-valued context key as a policy
		// variable. You can't use a multivalued context key as a policy
		// variable." (IAM User Guide, single-valued vs. multivalued keys)
		{name: "a multivalued key is no variable", version: Version2012,
			op: "StringEquals", condKey: "test:Ops", value: "${kms:GrantOperations}",
			ctx: map[string][]string{"kms:GrantOperations": {"Decrypt"}, "test:Ops": {"Decrypt"}}, want: ImplicitDeny},
		// "${*}, ${?}, ${$} ... represent characters that otherwise have
		// special meaning": they are literal.
		{name: "${*} is a literal star in StringLike", version: Version2012,
			op: "StringLike", condKey: "test:Name", value: "a${*}", ctx: map[string][]string{"test:Name": {"a*"}}, want: Allow},
		{name: "${*} is not a wildcard", version: Version2012,
			op: "StringLike", condKey: "test:Name", value: "a${*}", ctx: map[string][]string{"test:Name": {"abc"}}, want: ImplicitDeny},
		{name: "${?} and ${$}", version: Version2012,
			op: "StringEquals", condKey: "test:Name", value: "${?}${$}", ctx: map[string][]string{"test:Name": {"?$"}}, want: Allow},
		{name: "substituted text is no wildcard", version: Version2012,
			op: "StringLike", condKey: "test:Name", value: "${test:Pattern}", ctx: map[string][]string{"test:Pattern": {"a*"}, "test:Name": {"abc"}}, want: ImplicitDeny},
		{name: "wildcards around a variable still work", version: Version2012,
			op: "StringLike", condKey: "aws:SourceArn", value: "arn:aws:*:*:${aws:PrincipalAccount}:*",
			ctx: map[string][]string{"aws:SourceArn": {"arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/e"}}, want: Allow},
		// "You can use policy variables in the Resource element and in
		// string comparisons in the Condition element."
		{name: "Numeric operators take no variables", version: Version2012,
			op: "NumericEquals", condKey: "test:N", value: "${test:M}", ctx: map[string][]string{"test:N": {"1"}, "test:M": {"1"}}, want: ImplicitDeny},
		{name: "a variable in Resource", version: Version2012, op: "StringLike", condKey: "test:Any", value: "*",
			ctx: map[string][]string{"test:Any": {"x"}}, resource: "arn:aws:kms:us-east-1:${aws:PrincipalAccount}:key/*", want: Allow},
		{name: "a variable in Resource with no value", version: Version2012, op: "StringLike", condKey: "test:Any", value: "*",
			ctx: map[string][]string{"test:Any": {"x"}}, resource: "arn:aws:kms:us-east-1:${aws:SourceAccount}:key/*", want: ImplicitDeny},
		// "If you do not include a Version element, the value defaults to
		// 2008-10-17, ... variables such as ${aws:username} aren't
		// recognized as variables and are instead treated as literal
		// strings in the policy." (IAM User Guide, Version)
		{name: "literal in a 2008-10-17 policy", version: Version2008,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:PrincipalAccount}", want: ImplicitDeny},
		{name: "literal text matches itself in a 2008-10-17 policy", version: Version2008,
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:PrincipalAccount}",
			ctx: map[string][]string{"kms:CallerAccount": {"${aws:PrincipalAccount}"}}, want: Allow},
		{name: "literal without Version", version: "",
			op: "StringEquals", condKey: "kms:CallerAccount", value: "${aws:PrincipalAccount}", want: ImplicitDeny},
		{name: "a malformed variable is literal", version: Version2012,
			op: "StringEquals", condKey: "test:Name", value: "${aws:PrincipalAccount", ctx: map[string][]string{"test:Name": {"${aws:PrincipalAccount"}}, want: Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			values := One(tt.value)
			if tt.values != nil {
				values = List(tt.values...)
			}
			resource := tt.resource
			if resource == "" {
				resource = "*"
			}
			doc := &Document{Version: tt.version, Statement: []Statement{{
				Effect: EffectAllow, Principal: &Principal{Wildcard: true}, Action: One("kms:Decrypt"), Resource: One(resource),
				Condition: Condition{{Operator: tt.op, Keys: []ConditionKey{{Key: tt.condKey, Values: values}}}},
			}}}
			req := Request{Principal: role, Action: "kms:Decrypt", Resource: key, Context: tt.ctx}
			if diff := cmp.Diff(tt.want, Evaluate(doc, req).Verdict); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s\n%+v", diff, Explain(doc, req))
			}
		})
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	c := newCaller(Request{Principal: "arn:aws:sts::111122223333:assumed-role/AppRole/s", Action: "kms:Decrypt"})
	e := env{ctx: map[string][]string{"test:Star": {"a*b"}, "test:Two": {"x", "y"}}, c: &c, vars: true}
	tests := []struct {
		in          string
		pattern     bool
		want        string
		wantEscaped bool
		wantOK      bool
	}{
		{in: "${aws:PrincipalArn}", want: "arn:aws:iam::111122223333:role/AppRole", wantOK: true},
		{in: "acct-${aws:PrincipalAccount}-${aws:PrincipalType}", want: "acct-111122223333-AssumedRole", wantOK: true},
		{in: "${ aws:PrincipalAccount }", want: "111122223333", wantOK: true},
		{in: "${test:Star}", pattern: true, want: "a\x00*b", wantEscaped: true, wantOK: true},
		{in: "*${*}?${?}", pattern: true, want: "*\x00*?\x00?", wantEscaped: true, wantOK: true},
		{in: "${test:Two}", wantOK: false},
		{in: "${test:Two, 'd'}", want: "d", wantOK: true},
		{in: "${test:Missing, ''''}", want: "'", wantOK: true},
		{in: "${test:Missing, 'a'", want: "${test:Missing, 'a'", wantOK: true},
		{in: "${}", want: "${}", wantOK: true},
		{in: "$${aws:PrincipalAccount}}", want: "$111122223333}", wantOK: true},
		{in: "${test:Missing, '${aws:PrincipalAccount}'}", want: "${aws:PrincipalAccount}", wantOK: true}, // one round only
	}
	for _, tt := range tests {
		got, escaped, ok := expand(tt.in, &e, tt.pattern)
		if ok != tt.wantOK || (ok && (got != tt.want || escaped != tt.wantEscaped)) {
			t.Errorf("expand(%q, %v) = %q, %v, %v; want %q, %v, %v", tt.in, tt.pattern, got, escaped, ok, tt.want, tt.wantEscaped, tt.wantOK)
		}
	}
}
