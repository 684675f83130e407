package keypolicy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testKeyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// identityCases are the identity-policy variants kept as golden files
// under testdata/identity.
func identityCases() []struct {
	name string
	doc  func() (*Document, error)
} {
	pe := func(p PolicyEngineParams, key string) func() (*Document, error) {
		return func() (*Document, error) { return IdentityForPolicyEngine(p, key) }
	}
	be := func(p BatchEvaluationParams, key string) func() (*Document, error) {
		return func() (*Document, error) { return IdentityForBatchEvaluation(p, key) }
	}
	const engine = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	const batch = "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"
	role := "arn:aws:iam::111122223333:role/ExampleRole"
	return []struct {
		name string
		doc  func() (*Document, error)
	}{
		{"policy-engine-key", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, Principal: role}, testKeyARN)},
		{"policy-engine-any-key", pe(PolicyEngineParams{Account: testAccount, Region: testRegion}, "")},
		{"policy-engine-source-context", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, SourceContext: true}, testKeyARN)},
		{"policy-engine-engine-arn", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, PolicyEngineARN: engine}, testKeyARN)},
		{"policy-engine-aws-cn", pe(PolicyEngineParams{Account: testAccount, Region: "cn-north-1"}, "")},
		{"batch-evaluation-key", be(BatchEvaluationParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"}, testKeyARN)},
		{"batch-evaluation-any-key", be(BatchEvaluationParams{Account: testAccount, Region: testRegion}, "")},
		{"batch-evaluation-batch-arn", be(BatchEvaluationParams{Account: testAccount, Region: testRegion, BatchEvaluationARN: batch}, testKeyARN)},
		{"batch-evaluation-aws-us-gov", be(BatchEvaluationParams{Account: testAccount, Region: "us-gov-west-1"}, "")},
	}
}

// TestIdentityGolden compares each generated identity policy with its
// golden file under testdata/identity, byte for byte (rewrite them with
// go test ./keypolicy -update), and fails on golden files no case writes.
func TestIdentityGolden(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, tt := range identityCases() {
		names[tt.name+".json"] = true
	}
	t.Run("cases", func(t *testing.T) {
		for _, tt := range identityCases() {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				doc, err := tt.doc()
				if err != nil {
					t.Fatal(err)
				}
				if err := ValidateIdentity(doc); err != nil {
					t.Errorf("ValidateIdentity: %v", err)
				}
				got, err := doc.JSON()
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "identity", tt.name+".json")
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./keypolicy -update to create it)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
				again, err := doc.JSON()
				if err != nil || string(again) != string(got) {
					t.Errorf("a second JSON() differs: %v", err)
				}
			})
		}
	})
	entries, err := os.ReadDir(filepath.Join("testdata", "identity"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !names[e.Name()] {
			t.Errorf("testdata/identity/%s is not written by any case", e.Name())
		}
	}
}

// identityTargets are the parameter sets whose identity policy must
// satisfy the caller's requirements.
func identityTargets(t *testing.T) []struct {
	name string
	reqs []Requirement
	doc  *Document
} {
	t.Helper()
	must := func(doc *Document, err error) *Document {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	reqs := func(r []Requirement, err error) []Requirement {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	role := "arn:aws:iam::111122223333:role/ExampleRole"
	engine := "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/E1"
	pe := PolicyEngineParams{Account: testAccount, Region: testRegion, Principal: role}
	pes := PolicyEngineParams{Account: testAccount, Region: testRegion, Principal: role, SourceContext: true, PolicyEngineARN: engine}
	be := BatchEvaluationParams{Account: testAccount, Region: testRegion, Principal: role}
	return []struct {
		name string
		reqs []Requirement
		doc  *Document
	}{
		{"policy-engine", reqs(PolicyEngineRequirements(pe)), must(IdentityForPolicyEngine(pe, testKeyARN))},
		{"policy-engine-source-context-engine", reqs(PolicyEngineRequirements(pes)), must(IdentityForPolicyEngine(pes, testKeyARN))},
		{"policy-engine-any-key", reqs(PolicyEngineRequirements(pe)), must(IdentityForPolicyEngine(pe, ""))},
		{"batch-evaluation", reqs(BatchEvaluationRequirements(be)), must(IdentityForBatchEvaluation(be, testKeyARN))},
	}
}

// TestIdentityPolicySatisfiesRequirements: the identity policy allows every
// request the caller makes on the key, and each of its statements is
// needed by at least one of them.
func TestIdentityPolicySatisfiesRequirements(t *testing.T) {
	t.Parallel()
	for _, tt := range identityTargets(t) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var caller []Request
			for _, r := range tt.reqs {
				if r.Caller != CallerPrincipal {
					continue
				}
				req := r.Request
				req.Resource = testKeyARN
				caller = append(caller, req)
				if d := EvaluateIdentity(tt.doc, req); d.Verdict != Allow {
					t.Errorf("%s: %v, want allow", r, d.Verdict)
				}
			}
			if len(caller) == 0 {
				t.Fatal("no caller requirements")
			}
			for i := range tt.doc.Statement {
				less := tt.doc.Clone()
				less.Statement = slices.Delete(less.Statement, i, i+1)
				broken := false
				for _, req := range caller {
					if EvaluateIdentity(less, req).Verdict != Allow {
						broken = true
					}
				}
				if !broken {
					t.Errorf("statement %q is not needed by any requirement", tt.doc.Statement[i].Sid)
				}
			}
		})
	}
}

// TestIdentityPolicyScopedToKey: the policy for one key allows nothing on
// another key, and the policy for any key allows nothing in another
// account.
func TestIdentityPolicyScopedToKey(t *testing.T) {
	t.Parallel()
	p := PolicyEngineParams{Account: testAccount, Region: testRegion}
	reqs, err := PolicyEngineRequirements(p)
	if err != nil {
		t.Fatal(err)
	}
	one, err := IdentityForPolicyEngine(p, testKeyARN)
	if err != nil {
		t.Fatal(err)
	}
	anyKey, err := IdentityForPolicyEngine(p, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		doc      *Document
		resource string
		want     Verdict
	}{
		{"the key", one, testKeyARN, Allow},
		{"another key", one, "arn:aws:kms:us-east-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab", ImplicitDeny},
		{"any key of the account", anyKey, "arn:aws:kms:us-east-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab", Allow},
		{"a key of another account", anyKey, "arn:aws:kms:us-east-1:444455556666:key/0000abcd-12ab-34cd-56ef-1234567890ab", ImplicitDeny},
		{"a key in another Region", anyKey, "arn:aws:kms:us-west-2:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab", ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, r := range reqs {
				req := r.Request
				req.Resource = tt.resource
				if got := EvaluateIdentity(tt.doc, req).Verdict; got != tt.want {
					t.Errorf("%s: %v, want %v", r, got, tt.want)
				}
			}
		})
	}
}

func TestIdentityParamErrors(t *testing.T) {
	t.Parallel()
	pe := PolicyEngineParams{Account: testAccount, Region: testRegion}
	be := BatchEvaluationParams{Account: testAccount, Region: testRegion}
	tests := []struct {
		name      string
		gen       func() (*Document, error)
		wantField string
	}{
		{"alias ARN", func() (*Document, error) {
			return IdentityForPolicyEngine(pe, "arn:aws:kms:us-east-1:111122223333:alias/agentcore")
		}, "KeyARN"},
		{"alias name", func() (*Document, error) { return IdentityForPolicyEngine(pe, "alias/agentcore") }, "KeyARN"},
		{"bare key id", func() (*Document, error) {
			return IdentityForPolicyEngine(pe, "1234abcd-12ab-34cd-56ef-1234567890ab")
		}, "KeyARN"},
		{"other partition", func() (*Document, error) {
			return IdentityForPolicyEngine(pe, "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
		}, "KeyARN"},
		{"batch key in another Region", func() (*Document, error) {
			return IdentityForBatchEvaluation(be, "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
		}, "KeyARN"},
		{"bad account", func() (*Document, error) {
			return IdentityForBatchEvaluation(BatchEvaluationParams{Account: "1", Region: testRegion}, "")
		}, "Account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := tt.gen()
			var pe *InputError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("got %v, %v; want an *InputError", doc, err)
			}
			if pe.Field != tt.wantField || pe.Reason == "" {
				t.Errorf("field %q reason %q, want field %q", pe.Field, pe.Reason, tt.wantField)
			}
		})
	}
	// A policy engine may use a key in another Region (the preflight warns).
	if _, err := IdentityForPolicyEngine(pe, "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"); err != nil {
		t.Errorf("policy engine with a key in another Region: %v", err)
	}
}

func TestEvaluateIdentity(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/R"
	parse := func(s string) *Document {
		doc, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	allowAll := parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)
	tests := []struct {
		name string
		doc  *Document
		req  Request
		want Decision
	}{
		{"allow applies to the caller", allowAll, Request{Principal: role, Action: "kms:Decrypt", Resource: testKeyARN},
			Decision{Verdict: Allow, Statements: []int{0}}},
		{"applies to a session of the role", allowAll, Request{Principal: "arn:aws:sts::111122223333:assumed-role/R/s", Action: "kms:Decrypt", Resource: testKeyARN},
			Decision{Verdict: Allow, Statements: []int{0}}},
		{"a key of another account is still allowed by the caller's own policy", allowAll,
			Request{Principal: role, Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
			Decision{Verdict: Allow, Statements: []int{0}}},
		{"not for a service principal", allowAll, Request{Service: ServicePrincipalName, Action: "kms:Decrypt", Resource: testKeyARN}, Decision{}},
		{"not for nobody", allowAll, Request{Action: "kms:Decrypt", Resource: testKeyARN}, Decision{}},
		{"nil document", nil, Request{Principal: role, Action: "kms:Decrypt"}, Decision{}},
		{"explicit deny wins", parse(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"kms:*","Resource":"*"},
			{"Effect":"Deny","Action":"kms:CreateGrant","Resource":"*"}]}`),
			Request{Principal: role, Action: "kms:CreateGrant", Resource: testKeyARN},
			Decision{Verdict: ExplicitDeny, Statements: []int{1}}},
		{"other action implicitly denied", parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`),
			Request{Principal: role, Action: "kms:CreateGrant", Resource: testKeyARN}, Decision{}},
		{"a statement with a Principal never matches", parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`),
			Request{Principal: role, Action: "kms:Decrypt", Resource: testKeyARN}, Decision{}},
		{"conditions apply", parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"bedrock-agentcore.us-east-1.amazonaws.com"}}}]}`),
			Request{Principal: role, Action: "kms:Decrypt", Resource: testKeyARN}, Decision{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := EvaluateIdentity(tt.doc, tt.req)
			if diff := cmp.Diff(tt.want.Verdict, got.Verdict); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want.Statements, got.Statements); diff != "" {
				t.Errorf("statements (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantPath string // "" for a valid policy
	}{
		{"valid", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`, ""},
		{"principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`, "Statement[0]"},
		{"bad effect", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"},{"Effect":"allow","Action":"kms:Decrypt","Resource":"*"}]}`, "Statement[1]"},
		{"no action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, "Statement[0]"},
		{"no resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt"}]}`, "Statement[0]"},
		{"no statement", `{"Version":"2012-10-17","Statement":[]}`, "Statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			err = ValidateIdentity(doc)
			var pe *ParseError
			switch {
			case tt.wantPath == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.wantPath != "" && (!errors.As(err, &pe) || pe.Path != tt.wantPath):
				t.Errorf("got %v, want a *ParseError at %s", err, tt.wantPath)
			}
		})
	}
	if err := ValidateIdentity(nil); err == nil {
		t.Error("ValidateIdentity(nil) = nil")
	}
}

func TestIdentitySid(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{SidPolicyCreateGrants, IdentitySidPolicyCreateGrants},
		{SidPolicyKMSOperations, IdentitySidPolicyKMSOperations},
		{SidPolicyKMSOperationsSource, IdentitySidPolicyKMSOperationsSource},
		{SidPolicyKMSValidation, IdentitySidPolicyKMSValidation},
		{SidBatchCallerAccess, SidBatchCallerAccess},
		{SidBatchCallerCryptoOps, SidBatchCallerCryptoOps},
		{SidBatchServicePrincipalAccess, ""},
		{"Enable IAM User Permissions", ""},
	} {
		if got := IdentitySid(tt.in); got != tt.want {
			t.Errorf("IdentitySid(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
