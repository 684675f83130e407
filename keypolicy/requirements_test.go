package keypolicy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// defaultKeyPolicy is the key policy KMS gives a key created without one.
func defaultKeyPolicy(t testing.TB, partition, account string) *Document {
	t.Helper()
	doc, err := Parse([]byte(`{
  "Version": "2012-10-17",
  "Id": "key-default-1",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:` + partition + `:iam::` + account + `:root"},
      "Action": "kms:*",
      "Resource": "*"
    }
  ]
}`))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestPolicyEngineRequirementsDocumented(t *testing.T) {
	t.Parallel()
	reqs, err := PolicyEngineRequirements(PolicyEngineParams{
		Account: "111122223333", Region: "us-east-1",
		Principal: "arn:aws:iam::111122223333:role/ExampleRole",
	})
	if err != nil {
		t.Fatal(err)
	}
	const (
		role   = "arn:aws:iam::111122223333:role/ExampleRole"
		via    = "bedrock-agentcore.us-east-1.amazonaws.com"
		ec     = "kms:EncryptionContext:aws:bedrock-agentcore-policy:policy-engine-arn"
		engine = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	)
	global := func(ctx map[string][]string) map[string][]string {
		ctx["kms:CallerAccount"] = []string{"111122223333"}
		ctx["aws:PrincipalAccount"] = []string{"111122223333"}
		ctx["aws:PrincipalArn"] = []string{role}
		return ctx
	}
	grant := func(ops ...string) Request {
		return Request{Principal: role, Action: "kms:CreateGrant", Context: global(map[string][]string{
			"kms:ViaService": {via}, "kms:GrantConstraintType": {"EncryptionContextSubset"}, ec: {engine}, "kms:GrantOperations": ops,
		})}
	}
	crypto := func(action string) Request {
		return Request{Principal: role, Action: action, Context: global(map[string][]string{"kms:ViaService": {via}, ec: {engine}})}
	}
	want := map[string]Request{
		"create-grant-management": grant("Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"),
		"create-grant-evaluation": grant("Decrypt", "ReEncryptFrom", "ReEncryptTo"),
		"decrypt":                 crypto("kms:Decrypt"),
		"generate-data-key":       crypto("kms:GenerateDataKey"),
		"describe-key":            {Principal: role, Action: "kms:DescribeKey", Context: global(map[string][]string{"kms:ViaService": {via}})},
	}
	got := map[string]Request{}
	for _, r := range reqs {
		got[r.ID] = r.Request
		if r.Feature != FeaturePolicyEngine || r.Caller != CallerPrincipal || r.Action != r.Request.Action || r.Description == "" {
			t.Errorf("%s: inconsistent requirement %+v", r.ID, r)
		}
		var keys []string
		for k := range r.Request.Context {
			keys = append(keys, k)
		}
		if diff := cmp.Diff(keys, r.ContextKeys, cmp.Transformer("sort", sortedCopy)); diff != "" {
			t.Errorf("%s: ContextKeys differ from the context (-context +ContextKeys):\n%s", r.ID, diff)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	wantSids := []string{SidPolicyCreateGrants, SidPolicyCreateGrants, SidPolicyKMSOperations, SidPolicyKMSOperations, SidPolicyKMSValidation}
	for i, r := range reqs {
		if r.Statement != wantSids[i] {
			t.Errorf("%s maps to %q, want %q", r.ID, r.Statement, wantSids[i])
		}
	}
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestRequirementsVariants(t *testing.T) {
	t.Parallel()
	const engine = "arn:aws-cn:bedrock-agentcore:cn-north-1:111122223333:policy-engine/pe-1"
	reqs, err := PolicyEngineRequirements(PolicyEngineParams{
		Account: "111122223333", Region: "cn-north-1", SourceContext: true, PolicyEngineARN: engine,
	})
	if err != nil {
		t.Fatal(err)
	}
	dec := reqs[2]
	want := Request{
		Principal: "arn:aws-cn:iam::111122223333:role/" + SampleCallerRole, Action: "kms:Decrypt",
		Context: map[string][]string{
			"kms:ViaService": {"bedrock-agentcore.cn-north-1.amazonaws.com.cn"},
			"kms:EncryptionContext:" + PolicyEngineContextKey: {engine},
			"aws:SourceAccount":    {"111122223333"},
			"aws:SourceArn":        {engine},
			"kms:CallerAccount":    {"111122223333"},
			"aws:PrincipalAccount": {"111122223333"},
			"aws:PrincipalArn":     {"arn:aws-cn:iam::111122223333:role/" + SampleCallerRole},
		},
	}
	if diff := cmp.Diff(want, dec.Request); diff != "" {
		t.Errorf("decrypt with source context (-want +got):\n%s", diff)
	}
	if dec.Statement != SidPolicyKMSOperationsSource {
		t.Errorf("decrypt maps to %q, want %q", dec.Statement, SidPolicyKMSOperationsSource)
	}

	breqs, err := BatchEvaluationRequirements(BatchEvaluationParams{Account: "111122223333", Region: "us-gov-west-1", Principal: "arn:aws-us-gov:iam::111122223333:user/alice"})
	if err != nil {
		t.Fatal(err)
	}
	const batch = "arn:aws-us-gov:bedrock-agentcore:us-gov-west-1:111122223333:batch-evaluate/" + SampleBatchEvaluationID
	gotIDs := []string{}
	for _, r := range breqs {
		gotIDs = append(gotIDs, r.String()+" "+r.Caller.String())
	}
	wantIDs := []string{
		"batch-evaluation/describe-key caller",
		"batch-evaluation/caller-generate-data-key caller",
		"batch-evaluation/caller-decrypt caller",
		"batch-evaluation/service-generate-data-key service principal",
		"batch-evaluation/service-decrypt service principal",
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Errorf("batch requirements (-want +got):\n%s", diff)
	}
	wantSvc := Request{Service: ServicePrincipalName, Action: "kms:Decrypt", Context: map[string][]string{
		"aws:SourceAccount": {"111122223333"}, "aws:SourceArn": {batch},
		"kms:EncryptionContext:" + BatchEvaluationContextKey: {batch},
		"aws:PrincipalServiceName":                           {ServicePrincipalName},
	}}
	if diff := cmp.Diff(wantSvc, breqs[4].Request); diff != "" {
		t.Errorf("service decrypt (-want +got):\n%s", diff)
	}
	if breqs[1].Request.Principal != "arn:aws-us-gov:iam::111122223333:user/alice" {
		t.Errorf("caller = %q, want the user", breqs[1].Request.Principal)
	}
}

func TestRequirementsInvalidParams(t *testing.T) {
	t.Parallel()
	_, err := PolicyEngineRequirements(PolicyEngineParams{Account: "1234", Region: "us-east-1"})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Field != "Account" || !errors.Is(err, ErrInvalidParams) {
		t.Errorf("PolicyEngineRequirements with a bad account: %v, want a *ParamError for Account", err)
	}
	_, err = BatchEvaluationRequirements(BatchEvaluationParams{Account: "111122223333", Region: "us-east-1",
		BatchEvaluationARN: "arn:aws:bedrock-agentcore:us-east-1:444455556666:batch-evaluate/x"})
	if !errors.As(err, &pe) || pe.Field != "BatchEvaluationARN" {
		t.Errorf("BatchEvaluationRequirements with a foreign ARN: %v, want a *ParamError for BatchEvaluationARN", err)
	}
}

// propertyCase is one set of parameters for the generated-policy properties.
type propertyCase struct {
	name string
	doc  *Document
	reqs []Requirement
	root bool // the principal is the account root
}

func propertyCases(t *testing.T) []propertyCase {
	t.Helper()
	const account = "111122223333"
	var out []propertyCase
	for _, region := range []string{"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "eusc-de-east-1"} {
		pe, _ := PolicyEngineRequirements(PolicyEngineParams{Account: account, Region: region})
		part := strings.Split(pe[0].Request.Principal, ":")[1]
		principals := []string{
			"",
			"arn:" + part + ":iam::" + account + ":root",
			"arn:" + part + ":iam::" + account + ":role/AgentCoreAdmin",
			"arn:" + part + ":iam::" + account + ":role/service-role/team/AgentCoreAdmin",
			"arn:" + part + ":iam::" + account + ":user/alice",
		}
		for _, principal := range principals {
			root := principal == "" || strings.HasSuffix(principal, ":root")
			for _, source := range []bool{false, true} {
				for _, narrow := range []string{"", "arn:" + part + ":bedrock-agentcore:" + region + ":" + account + ":policy-engine/pe-1"} {
					p := PolicyEngineParams{Account: account, Region: region, Principal: principal, SourceContext: source, PolicyEngineARN: narrow}
					doc, err := ForPolicyEngine(p)
					if err != nil {
						t.Fatalf("%+v: %v", p, err)
					}
					reqs, err := PolicyEngineRequirements(p)
					if err != nil {
						t.Fatalf("%+v: %v", p, err)
					}
					out = append(out, propertyCase{name: "policy engine " + region + " " + principal + " source=" + map[bool]string{false: "no", true: "yes"}[source] + " " + narrow, doc: doc, reqs: reqs, root: root})
				}
			}
			for _, narrow := range []string{"", "arn:" + part + ":bedrock-agentcore:" + region + ":" + account + ":batch-evaluate/be-1"} {
				p := BatchEvaluationParams{Account: account, Region: region, Principal: principal, BatchEvaluationARN: narrow}
				doc, err := ForBatchEvaluation(p)
				if err != nil {
					t.Fatalf("%+v: %v", p, err)
				}
				reqs, err := BatchEvaluationRequirements(p)
				if err != nil {
					t.Fatalf("%+v: %v", p, err)
				}
				out = append(out, propertyCase{name: "batch evaluation " + region + " " + principal + " " + narrow, doc: doc, reqs: reqs, root: root})
			}
		}
	}
	return out
}

// TestGeneratedPoliciesSatisfyRequirements: every generated policy allows
// every request its feature makes, through the documented statement, and
// lints clean.
func TestGeneratedPoliciesSatisfyRequirements(t *testing.T) {
	t.Parallel()
	cases := propertyCases(t)
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
			if r.Fix != "" {
				t.Errorf("%s: %s has a fix although it passes: %s", c.name, r.Requirement, r.Fix)
			}
		}
		if f := Lint(c.doc); len(f) != 0 {
			t.Errorf("%s: Lint found %v", c.name, f)
		}
		// A session of the caller's role is allowed as the role is.
		for _, r := range c.reqs {
			id := parseIdentity(r.Request.Principal)
			if id.kind != idRole {
				continue
			}
			req := r.Request
			req.Principal = "arn:" + id.partition + ":sts::" + id.account + ":assumed-role/" + id.name + "/session-1"
			if d := Evaluate(c.doc, req); !d.Allowed() {
				t.Errorf("%s: %s from a session: %v", c.name, r, d.Verdict)
			}
		}
	}
}

// TestEveryGeneratedStatementIsNeeded: removing any one statement of a
// generated policy makes the requirements mapped to it fail.
func TestEveryGeneratedStatementIsNeeded(t *testing.T) {
	t.Parallel()
	for _, c := range propertyCases(t) {
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
			if failed == 0 {
				t.Errorf("%s: removing %q breaks no requirement", c.name, removed)
			}
		}
	}
}

// TestDefaultKeyPolicyAlone: the default key policy delegates every caller
// request to IAM and gives the service principal nothing.
func TestDefaultKeyPolicyAlone(t *testing.T) {
	t.Parallel()
	for _, region := range []string{"us-east-1", "cn-north-1", "us-gov-west-1"} {
		pe, err := PolicyEngineRequirements(PolicyEngineParams{Account: "111122223333", Region: region})
		if err != nil {
			t.Fatal(err)
		}
		be, err := BatchEvaluationRequirements(BatchEvaluationParams{Account: "111122223333", Region: region})
		if err != nil {
			t.Fatal(err)
		}
		part := strings.Split(pe[0].Request.Principal, ":")[1]
		generated, err := DefaultKeyPolicy("111122223333", part)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range []*Document{defaultKeyPolicy(t, part, "111122223333"), generated} {
			a := Analyze(doc, append(pe, be...))
			services := 0
			for _, r := range a.Results {
				switch r.Requirement.Caller {
				case CallerPrincipal:
					if r.Decision.Verdict != AllowIfIAMAllows {
						t.Errorf("%s %s: %v, want allow if IAM allows", region, r.Requirement, r.Decision.Verdict)
					}
					if !strings.Contains(r.Reason, "IAM policies") {
						t.Errorf("%s %s: reason %q does not mention IAM", region, r.Requirement, r.Reason)
					}
				case CallerService:
					services++
					if r.Decision.Verdict != ImplicitDeny {
						t.Errorf("%s %s: %v, want implicit deny", region, r.Requirement, r.Decision.Verdict)
					}
					if !strings.Contains(r.Fix, `add statement "AllowServicePrincipalAccess"`) {
						t.Errorf("%s %s: fix %q", region, r.Requirement, r.Fix)
					}
				}
			}
			if services != 2 {
				t.Errorf("%d service-principal requirements, want 2", services)
			}
			if a.OK() || len(a.Failed()) != 2 || len(a.NeedsIAM()) != 8 {
				t.Errorf("%s: OK=%v failed=%d needsIAM=%d, want false, 2, 8", region, a.OK(), len(a.Failed()), len(a.NeedsIAM()))
			}
		}
	}
}

// TestMergedIntoDefaultPolicy: both features' statements merged into the
// default key policy satisfy both features, each through its own
// statement naming the role, not through the root delegation. (The
// caller's DescribeKey of the batch evaluation statements, which has no
// condition, also allows the policy engine's DescribeKey.)
func TestMergedIntoDefaultPolicy(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/AgentCoreAdmin"
	doc, err := DefaultKeyPolicy("111122223333", "aws")
	if err != nil {
		t.Fatal(err)
	}
	pe, err := ForPolicyEngine(PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	be, err := ForBatchEvaluation(BatchEvaluationParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	for _, add := range []*Document{pe, be} {
		if doc, err = Merge(doc, add); err != nil {
			t.Fatal(err)
		}
	}
	peReqs, _ := PolicyEngineRequirements(PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	beReqs, _ := BatchEvaluationRequirements(BatchEvaluationParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	a := Analyze(doc, append(peReqs, beReqs...))
	for _, r := range a.Results {
		own := false
		for _, s := range r.Deciding {
			own = own || s.Sid == r.Requirement.Statement
			if s.Sid == SidDefaultIAMUserPermissions {
				t.Errorf("%s: the root delegation is among the deciding statements of a plain allow", r)
			}
		}
		if r.Decision.Verdict != Allow || !own {
			t.Errorf("%s: want allow by %q", r, r.Requirement.Statement)
		}
	}
}

// TestCallerAccountPolicy: a policy in the style of AWS managed keys
// ("*" narrowed by kms:CallerAccount and kms:ViaService) works for the
// policy engine, because every request carries kms:CallerAccount, and not
// for the batch evaluation caller, whose requests promise no
// kms:ViaService.
func TestCallerAccountPolicy(t *testing.T) {
	t.Parallel()
	doc, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{
		"Sid":"Allow access through AgentCore for all principals in the account","Effect":"Allow","Principal":{"AWS":"*"},
		"Action":["kms:CreateGrant","kms:Decrypt","kms:GenerateDataKey","kms:DescribeKey"],"Resource":"*",
		"Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:ViaService":"bedrock-agentcore.us-east-1.amazonaws.com"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	pe, _ := PolicyEngineRequirements(PolicyEngineParams{Account: "111122223333", Region: "us-east-1"})
	if a := Analyze(doc, pe); !a.OK() || len(a.NeedsIAM()) != 0 {
		t.Errorf("policy engine:\n%s", a)
	}
	be, _ := BatchEvaluationRequirements(BatchEvaluationParams{Account: "111122223333", Region: "us-east-1"})
	a := Analyze(doc, be)
	if len(a.Failed()) != len(be) {
		t.Errorf("batch evaluation: %d of %d fail, want all:\n%s", len(a.Failed()), len(be), a)
	}
	if f := Lint(doc); len(f) != 0 {
		t.Errorf("Lint: %v", f)
	}
}
