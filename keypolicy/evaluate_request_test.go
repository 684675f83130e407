package keypolicy

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRequestValidate(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	const key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name      string
		req       Request
		wantField string // "" for a valid request
	}{
		{name: "a role with a key ARN", req: Request{Principal: role, Action: "kms:Decrypt", Resource: key}},
		{name: "a session without Resource", req: Request{Principal: "arn:aws:sts::111122223333:assumed-role/ExampleRole/s", Action: "kms:Decrypt"}},
		{name: "a bare account id is the root", req: Request{Principal: "111122223333", Action: "kms:Decrypt"}},
		{name: "another STS ARN with an account", req: Request{Principal: "arn:aws:sts::111122223333:federated-user/bob", Action: "kms:Decrypt"}},
		{name: "a service principal", req: Request{Service: ServicePrincipalName, Action: "kms:Decrypt", Resource: key}},
		{name: "an unauthenticated caller", req: Request{Action: "kms:Decrypt"}},
		{name: "both Principal and Service", req: Request{Principal: role, Service: ServicePrincipalName, Action: "kms:Decrypt"}, wantField: "Service"},
		{name: "a service principal in Principal", req: Request{Principal: ServicePrincipalName, Action: "kms:Decrypt"}, wantField: "Principal"},
		{name: "an ARN in Service", req: Request{Service: role, Action: "kms:Decrypt"}, wantField: "Service"},
		{name: "an account id in Service", req: Request{Service: "111122223333", Action: "kms:Decrypt"}, wantField: "Service"},
		{name: "a wildcard caller", req: Request{Principal: "*", Action: "kms:Decrypt"}, wantField: "Principal"},
		{name: "not an identity", req: Request{Principal: "ExampleRole", Action: "kms:Decrypt"}, wantField: "Principal"},
		{name: "an ARN with an 11-digit account", req: Request{Principal: "arn:aws:iam::11112222333:role/R", Action: "kms:Decrypt"}, wantField: "Principal"},
		{name: "no action", req: Request{Principal: role}, wantField: "Action"},
		{name: "a key id instead of the key ARN", req: Request{Principal: role, Action: "kms:Decrypt", Resource: "1234abcd-12ab-34cd-56ef-1234567890ab"}, wantField: "Resource"},
		{name: "a wildcard resource", req: Request{Principal: role, Action: "kms:Decrypt", Resource: "*"}, wantField: "Resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.req.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("Validate() = %v, want a *RequestError unwrapping to ErrInvalidRequest", err)
			}
			if re.Field != tt.wantField || re.Reason == "" {
				t.Errorf("Validate() = %+v, want Field %q and a reason", re, tt.wantField)
			}
			// Evaluate and Explain allow nothing for an invalid request,
			// whatever the policy says, and say why.
			doc := &Document{Version: Version2012, Statement: []Statement{{Effect: EffectAllow, Principal: &Principal{Wildcard: true}, Action: One("*"), Resource: One("*")}}}
			d := Evaluate(doc, tt.req)
			if d.Verdict != ImplicitDeny || !errors.Is(d.Err, ErrInvalidRequest) {
				t.Errorf("Evaluate = %+v, want an implicit deny with the error", d)
			}
			if r := Explain(doc, tt.req); r[0].Applies || r[0].Reason != err.Error() {
				t.Errorf("Explain = %+v, want the error as the reason", r)
			}
		})
	}
}

// TestEvaluateDerivedKeys checks the condition keys a request fills in
// from its caller, and that an explicit Context value overrides them.
func TestEvaluateDerivedKeys(t *testing.T) {
	t.Parallel()
	const key = "arn:aws:kms:us-east-1:111122223333:key/k"
	tests := []struct {
		name     string
		op, cond string // the condition key and the value it must equal
		value    string
		req      Request
		want     Verdict
	}{
		// "aws:PrincipalArn ... For IAM roles, the request context returns
		// the ARN of the role, not the ARN of the user that assumed the
		// role." (IAM User Guide, global condition context keys)
		{name: "a session's aws:PrincipalArn is its role", cond: "aws:PrincipalArn", value: "arn:aws:iam::111122223333:role/AppRole",
			req: Request{Principal: "arn:aws:sts::111122223333:assumed-role/AppRole/s"}, want: Allow},
		{name: "a role's aws:PrincipalArn is the role", cond: "aws:PrincipalArn", value: "arn:aws:iam::111122223333:role/path/AppRole",
			req: Request{Principal: "arn:aws:iam::111122223333:role/path/AppRole"}, want: Allow},
		// "aws:PrincipalAccount: the AWS account to which the requesting
		// principal belongs."
		{name: "aws:PrincipalAccount", cond: "aws:PrincipalAccount", value: "111122223333",
			req: Request{Principal: "arn:aws:iam::111122223333:user/alice"}, want: Allow},
		// "kms:CallerAccount: ... the AWS account of the caller" (KMS
		// Developer Guide, condition keys).
		{name: "kms:CallerAccount", cond: "kms:CallerAccount", value: "111122223333",
			req: Request{Principal: "arn:aws:iam::111122223333:role/AppRole"}, want: Allow},
		{name: "aws:username of a user", cond: "aws:username", value: "alice",
			req: Request{Principal: "arn:aws:iam::111122223333:user/team/alice"}, want: Allow},
		{name: "aws:PrincipalType of a session", cond: "aws:PrincipalType", value: "AssumedRole",
			req: Request{Principal: "arn:aws:sts::111122223333:assumed-role/AppRole/s"}, want: Allow},
		{name: "aws:PrincipalType of the root", cond: "aws:PrincipalType", value: "Account",
			req: Request{Principal: "arn:aws:iam::111122223333:root"}, want: Allow},
		{name: "a service principal's name", cond: "aws:PrincipalServiceName", value: ServicePrincipalName,
			req: Request{Service: ServicePrincipalName}, want: Allow},
		{name: "aws:PrincipalIsAWSService for a service", cond: "aws:PrincipalIsAWSService", value: "true",
			req: Request{Service: ServicePrincipalName}, want: Allow},
		{name: "aws:PrincipalIsAWSService for a role", cond: "aws:PrincipalIsAWSService", value: "false",
			req: Request{Principal: "arn:aws:iam::111122223333:role/AppRole"}, want: Allow},
		{name: "a service has no aws:PrincipalAccount", cond: "aws:PrincipalAccount", value: "111122223333",
			req: Request{Service: ServicePrincipalName}, want: ImplicitDeny},
		{name: "the key name is case-insensitive", cond: "AWS:principalarn", value: "arn:aws:iam::111122223333:role/AppRole",
			req: Request{Principal: "arn:aws:iam::111122223333:role/AppRole"}, want: Allow},
		{name: "an explicit value overrides the derived one", cond: "aws:PrincipalArn", value: "arn:aws:iam::111122223333:role/path/AppRole",
			req: Request{Principal: "arn:aws:sts::111122223333:assumed-role/AppRole/s",
				Context: map[string][]string{"aws:principalarn": {"arn:aws:iam::111122223333:role/path/AppRole"}}}, want: Allow},
		{name: "an explicit empty value makes the key absent", cond: "kms:CallerAccount", value: "111122223333",
			req: Request{Principal: "arn:aws:iam::111122223333:role/AppRole",
				Context: map[string][]string{"kms:CallerAccount": nil}}, want: ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := &Document{Version: Version2012, Statement: []Statement{{
				Effect: EffectAllow, Principal: &Principal{Wildcard: true}, Action: One("kms:Decrypt"), Resource: One("*"),
				Condition: Condition{{Operator: "StringEquals", Keys: []ConditionKey{{Key: tt.cond, Values: One(tt.value)}}}},
			}}}
			tt.req.Action, tt.req.Resource = "kms:Decrypt", key
			d := Evaluate(doc, tt.req)
			if diff := cmp.Diff(tt.want, d.Verdict); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s\n%+v", diff, Explain(doc, tt.req))
			}
		})
	}
}

// TestEvaluateResourceFillsIn checks that Resource patterns are matched
// against the key ARN, and cannot be decided without it.
func TestEvaluateResourceFillsIn(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/AppRole"
	tests := []struct {
		name            string
		resource        string // the statement's Resource
		reqResource     string
		want            Verdict
		wantUnsupported bool
	}{
		// "In a key policy, the value of the Resource element is "*", which
		// means "this KMS key."" (KMS Developer Guide, key policies)
		{name: "* without a key ARN", resource: "*", want: Allow},
		{name: "* with a key ARN", resource: "*", reqResource: "arn:aws:kms:us-east-1:111122223333:key/k", want: Allow},
		{name: "the key ARN named", resource: "arn:aws:kms:us-east-1:111122223333:key/k", reqResource: "arn:aws:kms:us-east-1:111122223333:key/k", want: Allow},
		{name: "another key named", resource: "arn:aws:kms:us-east-1:111122223333:key/other", reqResource: "arn:aws:kms:us-east-1:111122223333:key/k", want: ImplicitDeny},
		{name: "a key ARN named, none in the request", resource: "arn:aws:kms:us-east-1:111122223333:key/k", want: ImplicitDeny, wantUnsupported: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := &Document{Version: Version2012, Statement: []Statement{{
				Effect: EffectAllow, Principal: AWSPrincipal(role), Action: One("kms:Decrypt"), Resource: One(tt.resource),
			}}}
			d := Evaluate(doc, Request{Principal: role, Action: "kms:Decrypt", Resource: tt.reqResource})
			if d.Verdict != tt.want || (len(d.Unsupported) > 0) != tt.wantUnsupported {
				t.Errorf("Evaluate = %+v, want %v, unsupported %v", d, tt.want, tt.wantUnsupported)
			}
		})
	}
}
