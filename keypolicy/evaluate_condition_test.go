package keypolicy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestConditionOperators evaluates one condition key per row through
// Evaluate, so that the operator table, the qualifiers and the value
// comparisons are all exercised the way policies use them.
func TestConditionOperators(t *testing.T) {
	t.Parallel()
	missing := []string(nil)
	tests := []struct {
		op     string
		policy []string
		req    []string // nil: the key is missing
		want   bool
		why    string
	}{
		{"StringEquals", []string{"a", "b"}, []string{"b"}, true, "values of one key are ORed"},
		{"StringEquals", []string{"a"}, []string{"A"}, false, "case-sensitive"},
		{"StringEquals", []string{"a"}, missing, false, "missing key: positive operator is false"},
		{"StringNotEquals", []string{"a"}, missing, true, "missing key: negated operator is true"},
		{"StringNotEquals", []string{"a", "b"}, []string{"b"}, false, "equal to one of the values"},
		{"StringNotEquals", []string{"a"}, []string{"a", "c"}, false, "a multi-valued request: no value may match"},
		{"StringEquals", []string{"a"}, []string{"c", "a"}, true, "a multi-valued request without qualifier: one value suffices"},
		{"StringEqualsIfExists", []string{"a"}, missing, true, "IfExists: missing is true"},
		{"StringEqualsIfExists", []string{"a"}, []string{"b"}, false, "IfExists: present must match"},
		{"StringNotEqualsIfExists", []string{"a"}, []string{"a"}, false, "negated IfExists, present and equal"},
		{"StringEqualsIgnoreCase", []string{"Straße"}, []string{"STRASSE"}, false, "simple case folding only"},
		{"StringEqualsIgnoreCase", []string{"Ünïcode"}, []string{"üNÏCODE"}, true, "Unicode case folding"},
		{"StringNotEqualsIgnoreCase", []string{"a"}, []string{"A"}, false, "equal ignoring case"},
		{"StringLike", []string{"a*c"}, []string{"abbc"}, true, "wildcards"},
		{"StringNotLike", []string{"a*c"}, []string{"abbd"}, true, "negated wildcard"},
		{"StringLike", []string{"${aws:username}"}, []string{"alice"}, false, "no Version: policy variables are literal"},
		{"NumericEquals", []string{"10"}, []string{"10.0"}, true, "numbers compare as numbers"},
		{"NumericNotEquals", []string{"10"}, []string{"11"}, true, ""},
		{"NumericLessThan", []string{"10"}, []string{"9"}, true, ""},
		{"NumericLessThan", []string{"10"}, []string{"10"}, false, ""},
		{"NumericLessThanEquals", []string{"10"}, []string{"10"}, true, ""},
		{"NumericGreaterThan", []string{"10"}, []string{"11"}, true, ""},
		{"NumericGreaterThan", []string{"10"}, []string{"10"}, false, ""},
		{"NumericGreaterThanEquals", []string{"10"}, []string{"10"}, true, ""},
		{"NumericEquals", []string{"ten"}, []string{"10"}, false, "a policy value that is not a number never matches"},
		{"NumericEquals", []string{"NaN"}, []string{"NaN"}, false, "NaN is not a number to compare"},
		{"DateEquals", []string{"2026-02-24T12:00:00Z"}, []string{"2026-02-24T13:00:00+01:00"}, true, "the same instant"},
		{"DateNotEquals", []string{"2026-02-24"}, []string{"2026-02-25"}, true, ""},
		{"DateLessThan", []string{"2026-02-24"}, []string{"2026-02-23T23:59:59Z"}, true, ""},
		{"DateLessThanEquals", []string{"1771934400"}, []string{"2026-02-24T12:00:00Z"}, true, "epoch seconds"},
		{"DateGreaterThan", []string{"2026-02-24T12:00Z"}, []string{"2026-02-24T12:01:00Z"}, true, "minutes precision"},
		{"DateGreaterThanEquals", []string{"2026-02-24T12:00:00.5Z"}, []string{"2026-02-24T12:00:00Z"}, false, "fractional seconds"},
		{"DateEquals", []string{"tomorrow"}, []string{"2026-02-24"}, false, "not a date"},
		{"Bool", []string{"true"}, []string{"TRUE"}, true, "Bool ignores case"},
		{"Bool", []string{"true"}, []string{"yes"}, false, "not a boolean"},
		{"BinaryEquals", []string{"QmluYXJ5"}, []string{"QmluYXJ5"}, true, "base64 compared as written"},
		{"IpAddress", []string{"10.0.0.0/8"}, []string{"10.1.2.3"}, true, ""},
		{"IpAddress", []string{"10.0.0.1"}, []string{"10.0.0.1"}, true, "a single address"},
		{"IpAddress", []string{"10.0.0.0/8"}, []string{"::ffff:10.1.2.3"}, true, "an IPv4-mapped address"},
		{"IpAddress", []string{"10.0.0.0/8"}, []string{"not-an-ip"}, false, ""},
		{"IpAddress", []string{"bogus"}, []string{"10.0.0.1"}, false, ""},
		{"NotIpAddress", []string{"10.0.0.0/8"}, []string{"192.0.2.1"}, true, ""},
		{"ArnEquals", []string{"arn:aws:iam::111122223333:role/R"}, []string{"arn:aws:iam::111122223333:role/R"}, true, ""},
		{"ArnNotEquals", []string{"arn:aws:iam::111122223333:role/R"}, []string{"arn:aws:iam::111122223333:role/S"}, true, ""},
		{"ArnLike", []string{"arn:aws:iam::*:role/*"}, []string{"arn:aws:iam::111122223333:role/R"}, true, ""},
		{"Null", []string{"true"}, missing, true, "absent"},
		{"Null", []string{"false"}, missing, false, ""},
		{"Null", []string{"false"}, []string{"x"}, true, "present"},
		{"Null", []string{"maybe"}, []string{"x"}, false, "not a boolean"},
		{"ForAllValues:StringEquals", []string{"a", "b"}, []string{"a", "b"}, true, "every value listed"},
		{"ForAllValues:StringEquals", []string{"a"}, []string{"a", "b"}, false, "b is not listed"},
		{"ForAllValues:StringEquals", []string{"a"}, missing, true, "missing: vacuously true"},
		{"ForAllValues:StringNotEquals", []string{"a"}, []string{"b", "c"}, true, "no value is a"},
		{"ForAllValues:StringNotEquals", []string{"a"}, []string{"b", "a"}, false, ""},
		{"ForAnyValue:StringEquals", []string{"a"}, []string{"b", "a"}, true, ""},
		{"ForAnyValue:StringEquals", []string{"a"}, missing, false, "missing: false"},
		{"ForAnyValue:StringEqualsIfExists", []string{"a"}, missing, true, "missing with IfExists: true"},
		{"ForAnyValue:StringNotEquals", []string{"a"}, []string{"a", "b"}, true, "b is not a"},
		{"ForAnyValue:StringNotEquals", []string{"a"}, []string{"a"}, false, ""},
	}
	for _, tt := range tests {
		doc := &Document{Statement: []Statement{{
			Effect: EffectAllow, Principal: &Principal{Wildcard: true}, Action: One("kms:Decrypt"), Resource: One("*"),
			Condition: Condition{{Operator: tt.op, Keys: []ConditionKey{{Key: "test:Key", Values: List(tt.policy...)}}}},
		}}}
		req := Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt"}
		if tt.req != nil {
			req.Context = map[string][]string{"Test:key": tt.req}
		}
		d := Evaluate(doc, req)
		if got := d.Verdict == Allow; got != tt.want {
			t.Errorf("%s %q against %q: %v, want %v (%s)", tt.op, tt.policy, tt.req, got, tt.want, tt.why)
		}
		if len(d.Unsupported) != 0 {
			t.Errorf("%s reported as unsupported", tt.op)
		}
	}
}

func TestPrincipalForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		principal string // JSON
		req       Request
		want      Verdict
		why       string
	}{
		{`{"Service":"*"}`, Request{Service: ServicePrincipalName}, ImplicitDeny, "service principals take no wildcard"},
		{`{"Service":["s3.amazonaws.com","bedrock-agentcore.amazonaws.com"]}`, Request{Service: ServicePrincipalName}, Allow, "one of the services"},
		{`{"AWS":"*"}`, Request{Service: ServicePrincipalName}, Allow, `{"AWS":"*"} is "*"`},
		{`{"AWS":"arn:aws:iam::111122223333:root"}`, Request{Service: ServicePrincipalName}, ImplicitDeny, "a service is in no account"},
		{`{"Federated":"cognito-identity.amazonaws.com"}`, Request{Principal: "arn:aws:iam::111122223333:role/R"}, ImplicitDeny, "federated principals are not callers of KMS"},
		{`{"AWS":"arn:aws:sts::111122223333:federated-user/bob"}`, Request{Principal: "arn:aws:sts::111122223333:federated-user/bob"}, Allow, "another ARN matches itself"},
		{`{"AWS":"111122223333"}`, Request{Principal: "arn:aws:sts::111122223333:federated-user/bob"}, AllowIfIAMAllows, "a federated user is in its account"},
		{`{"AWS":"arn:aws:iam::111122223333:root"}`, Request{Principal: "111122223333"}, Allow, "a bare account id as caller is the root"},
		{`{"AWS":"arn:aws:iam::111122223333:role/R"}`, Request{Principal: "arn:aws:sts::111122223333:assumed-role/R"}, ImplicitDeny, "a session ARN needs a session name"},
		{`{"AWS":"arn:aws:iam::111122223333:role/R"}`, Request{}, ImplicitDeny, "an anonymous caller"},
		{`"*"`, Request{}, Allow, "an anonymous caller matches *"},
		{`{"AWS":"arn:aws:iam::111122223333:role/R"}`, Request{Principal: "*"}, ImplicitDeny, "* is no caller"},
		{`{"AWS":"arn:aws-cn:iam::111122223333:root"}`, Request{Principal: "arn:aws:iam::111122223333:role/R"}, ImplicitDeny, "partitions differ"},
		{`{"AWS":"arn:aws:iam::11112222333:root"}`, Request{Principal: "arn:aws:iam::11112222333:role/R"}, ImplicitDeny, "not a 12-digit account"},
	}
	for _, tt := range tests {
		doc, err := Parse([]byte(`{"Statement":[{"Effect":"Allow","Principal":` + tt.principal + `,"Action":"kms:*","Resource":"*"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		tt.req.Action = "kms:Decrypt"
		if got := Evaluate(doc, tt.req).Verdict; got != tt.want {
			t.Errorf("%s for %+v: %v, want %v (%s)", tt.principal, tt.req, got, tt.want, tt.why)
		}
	}
}

// TestEvaluateMultivaluedKey checks that a single-valued operator on a
// multivalued key is not decided: its statement matches nothing and is
// listed as unsupported, whether it allows or denies.
func TestEvaluateMultivaluedKey(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/AppRole"
	allowAll := Statement{Sid: "All", Effect: EffectAllow, Principal: AWSPrincipal(role), Action: One("kms:*"), Resource: One("*")}
	tests := []struct {
		name       string
		effect     string
		op, key    string
		withAllow  bool // add an Allow of everything before the statement
		ops        []string
		want       Verdict
		wantListed bool
	}{
		// "Multivalued context keys require a condition set operator." (IAM
		// User Guide, single-valued vs. multivalued context keys); AWS
		// documents no outcome without one.
		{name: "StringEquals on kms:GrantOperations allows nothing", effect: EffectAllow, op: "StringEquals", key: "kms:GrantOperations",
			ops: []string{"Decrypt"}, want: ImplicitDeny, wantListed: true},
		{name: "StringEquals on kms:GrantOperations with the key missing", effect: EffectAllow, op: "StringEquals", key: "kms:GrantOperations",
			want: ImplicitDeny, wantListed: true},
		{name: "IfExists does not make it decidable", effect: EffectAllow, op: "StringLikeIfExists", key: "aws:TagKeys",
			ops: []string{"x"}, want: ImplicitDeny, wantListed: true},
		{name: "a Deny on aws:CalledVia denies nothing but is listed", effect: EffectDeny, op: "StringNotEquals", key: "aws:CalledVia",
			withAllow: true, ops: []string{"x"}, want: Allow, wantListed: true},
		// "The ForAllValues qualifier tests whether the value of every member
		// of the request set is a subset of the condition context key set."
		{name: "ForAllValues: is decided", effect: EffectAllow, op: "ForAllValues:StringEquals", key: "kms:GrantOperations",
			ops: []string{"Decrypt"}, want: Allow},
		{name: "ForAnyValue: is decided", effect: EffectAllow, op: "ForAnyValue:StringEquals", key: "KMS:grantoperations",
			ops: []string{"Decrypt", "Encrypt"}, want: Allow},
		// Null tests presence, which a multivalued key has too.
		{name: "Null is decided", effect: EffectAllow, op: "Null", key: "kms:GrantOperations", want: Allow},
		{name: "a single-valued key is decided", effect: EffectAllow, op: "StringEquals", key: "kms:GrantConstraintType",
			ops: []string{"Decrypt"}, want: Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			value := "Decrypt"
			if tt.op == "Null" {
				value = "true"
			}
			s := Statement{Sid: "S", Effect: tt.effect, Principal: AWSPrincipal(role), Action: One("kms:*"), Resource: One("*"),
				Condition: Condition{{Operator: tt.op, Keys: []ConditionKey{{Key: tt.key, Values: One(value)}}}}}
			doc := &Document{Version: Version2012}
			if tt.withAllow {
				doc.Statement = append(doc.Statement, allowAll)
			}
			doc.Statement = append(doc.Statement, s)
			req := Request{Principal: role, Action: "kms:CreateGrant"}
			if tt.ops != nil {
				req.Context = map[string][]string{"kms:GrantOperations": tt.ops, "aws:TagKeys": tt.ops, "aws:CalledVia": tt.ops, "kms:GrantConstraintType": tt.ops}
			}
			if tt.op == "Null" {
				req.Context = nil
			}
			d := Evaluate(doc, req)
			var listed []UnsupportedOperator
			if tt.wantListed {
				listed = []UnsupportedOperator{{Statement: len(doc.Statement) - 1, Sid: "S", Operator: tt.op, Key: tt.key}}
			}
			if diff := cmp.Diff(tt.want, d.Verdict); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(listed, d.Unsupported, cmpopts.IgnoreFields(UnsupportedOperator{}, "Reason"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Unsupported (-want +got):\n%s", diff)
			}
		})
	}
}
