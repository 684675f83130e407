package keypolicy

import (
	"strings"
	"testing"
)

// consumerCase is one generated policy with the requirements of the same
// parameters.
type consumerCase struct {
	name string
	doc  *Document
	reqs []Requirement
	root bool // the caller is the account root
	// noRequirement are Sids no requirement maps to, with the reason.
	noRequirement map[string]string
}

// consumerCases generates every key-policy consumer's policy for several
// partitions, principals, variants and narrowings.
func consumerCases(t *testing.T) []consumerCase {
	t.Helper()
	var out []consumerCase
	for _, region := range []string{"us-east-1", "cn-north-1", "us-gov-west-1", "eu-west-3"} {
		part := map[string]string{"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "eu-west-3": "aws"}[region]
		const account = "444455556666"
		role := "arn:" + part + ":iam::" + account + ":role/service-role/AgentCoreAdmin"
		second := "arn:" + part + ":iam::" + account + ":role/SecondRole"
		for _, c := range Consumers() {
			if c.Kind != KeyPolicy {
				continue
			}
			principals := []string{"", role, "arn:" + part + ":iam::" + account + ":user/alice"}
			if c.Name == ConsumerTokenVault {
				principals = []string{"arn:" + part + ":iam::" + account + ":root", role}
			}
			variants := append([]string{""}, c.Variants...)
			for _, principal := range principals {
				for _, variant := range variants {
					narrows := []string{""}
					switch {
					case c.Narrowing == NarrowRequired:
						narrows = []string{"arn:" + part + ":bedrock-agentcore:" + region + ":" + account + ":" + c.Resource + "/res-1"}
					case c.Narrowing != NarrowNotDocumented && (c.NarrowVariant == "" || c.NarrowVariant == variant):
						narrows = append(narrows, "arn:"+part+":bedrock-agentcore:"+region+":"+account+":"+c.Resource+"/res-1")
					}
					for _, narrow := range narrows {
						p := Params{Account: account, Region: region, Principal: principal, Variant: variant, ResourceARN: narrow}
						p.ExecutionRole, p.ServiceRole = second, second
						doc, err := For(c.Name, p)
						if err != nil {
							t.Fatalf("%s %+v: %v", c.Name, p, err)
						}
						reqs, err := RequirementsFor(c.Name, p)
						if err != nil {
							t.Fatalf("%s %+v: %v", c.Name, p, err)
						}
						cc := consumerCase{
							name: c.Name + " " + region + " " + principal + " variant=" + variant + " " + narrow,
							doc:  doc, reqs: reqs,
							root: principal == "" || strings.HasSuffix(principal, ":root"),
						}
						if c.Name == ConsumerGateway {
							cc.noRequirement = map[string]string{SidGatewayLogging: "StringEquals with a trailing * matches only that literal string"}
						}
						out = append(out, cc)
					}
				}
			}
		}
	}
	return out
}

// TestConsumerPoliciesSatisfyRequirements: every generated policy allows
// every request its consumer makes, through the documented statement.
func TestConsumerPoliciesSatisfyRequirements(t *testing.T) {
	t.Parallel()
	cases := consumerCases(t)
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		a := Analyze(c.doc, c.reqs)
		if !a.OK() {
			t.Errorf("%s: not satisfied:\n%s", c.name, a)
			continue
		}
		for _, r := range a.Results {
			want := Allow
			if c.root && r.Requirement.Caller == CallerPrincipal {
				want = AllowIfIAMAllows
			}
			if r.Decision.Verdict != want {
				t.Errorf("%s: %s: %v, want %v", c.name, r.Requirement, r.Decision.Verdict, want)
			}
			if len(r.Deciding) != 1 || r.Deciding[0].Sid != r.Requirement.Statement {
				t.Errorf("%s: %s decided by %v, want only %q", c.name, r.Requirement, r.Deciding, r.Requirement.Statement)
			}
		}
	}
}

// TestEveryConsumerStatementIsNeeded: removing any one statement of a
// generated policy makes the requirements mapped to it fail, and only
// those.
func TestEveryConsumerStatementIsNeeded(t *testing.T) {
	t.Parallel()
	for _, c := range consumerCases(t) {
		for i := range c.doc.Statement {
			d := c.doc.Clone()
			removed := d.Statement[i].Sid
			d.Statement = append(d.Statement[:i], d.Statement[i+1:]...)
			a := Analyze(d, c.reqs)
			failed := 0
			for _, r := range a.Results {
				if r.Requirement.Statement == removed {
					if r.OK() {
						t.Errorf("%s without %q: %s still passes", c.name, removed, r.Requirement)
					}
					if !strings.Contains(r.Fix, "add statement "+`"`+removed+`"`) {
						t.Errorf("%s without %q: %s: fix %q does not say to add the statement", c.name, removed, r.Requirement, r.Fix)
					}
					failed++
				} else if !r.OK() {
					t.Errorf("%s without %q: %s fails although its statement is there: %s", c.name, removed, r.Requirement, r)
				}
			}
			_, exempt := c.noRequirement[removed]
			switch {
			case failed == 0 && !exempt:
				t.Errorf("%s: removing %q breaks no requirement", c.name, removed)
			case failed > 0 && exempt:
				t.Errorf("%s: %q is listed as having no requirement, but %d map to it", c.name, removed, failed)
			}
		}
	}
}
