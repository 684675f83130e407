package keypolicy

import (
	"errors"
	"testing"
)

// FuzzFor: for any parameters, every consumer's For and RequirementsFor
// return a policy that parses back to itself, or a *ParamError; never a
// panic.
func FuzzFor(f *testing.F) {
	f.Add("111122223333", "us-east-1", "arn:aws:iam::111122223333:role/R", "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g", "", "arn:aws:iam::111122223333:role/S")
	f.Add("111122223333", "cn-north-1", "", "", "scoped", "")
	f.Add("1", "x", "arn:", "arn:aws:bedrock-agentcore:us-east-1:111122223333:dataset/*", "source-context", "arn:aws:iam::111122223333:root")
	f.Fuzz(func(t *testing.T, account, region, principal, resource, variant, second string) {
		p := Params{Account: account, Region: region, Principal: principal, ResourceARN: resource, Variant: variant, ExecutionRole: second, ServiceRole: second}
		for _, name := range ConsumerNames() {
			doc, err := For(name, p)
			var pe *ParamError
			if err != nil {
				if !errors.As(err, &pe) || doc != nil {
					t.Fatalf("%s: For = %v, %v; want a *ParamError and no policy", name, doc, err)
				}
			} else {
				raw, err := doc.JSON()
				if err != nil {
					t.Fatalf("%s: JSON: %v", name, err)
				}
				back, err := Parse(raw)
				if err != nil {
					t.Fatalf("%s: the policy does not parse: %v\n%s", name, err, raw)
				}
				if again, _ := back.JSON(); string(again) != string(raw) {
					t.Fatalf("%s: the policy does not round-trip", name)
				}
			}
			reqs, rerr := RequirementsFor(name, p)
			if (rerr == nil) != (err == nil) {
				t.Fatalf("%s: For and RequirementsFor disagree: %v / %v", name, err, rerr)
			}
			if rerr == nil && len(reqs) == 0 {
				t.Fatalf("%s: no requirements", name)
			}
		}
	})
}
