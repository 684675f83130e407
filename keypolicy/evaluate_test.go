package keypolicy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corpusFile is one file of testdata/eval: a hand-written key policy and
// requests with the decision each must get, and why.
type corpusFile struct {
	Description string          `json:"description"`
	Policy      json.RawMessage `json:"policy"`
	Cases       []corpusCase    `json:"cases"`
}

type corpusCase struct {
	Why         string              `json:"why"`
	Principal   string              `json:"principal"`
	Service     string              `json:"service"`
	Action      string              `json:"action"`
	Resource    string              `json:"resource"`
	Context     map[string][]string `json:"context"`
	Want        string              `json:"want"`
	Statements  []int               `json:"statements"`
	Unsupported []string            `json:"unsupported"`
}

var corpusVerdicts = map[string]Verdict{
	"ImplicitDeny":     ImplicitDeny,
	"Allow":            Allow,
	"AllowIfIAMAllows": AllowIfIAMAllows,
	"ExplicitDeny":     ExplicitDeny,
}

func loadCorpus(t testing.TB) map[string]corpusFile {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "eval", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]corpusFile{}
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var f corpusFile
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[filepath.Base(name)] = f
	}
	return out
}

// TestEvaluateCorpus runs every hand-written policy of testdata/eval
// against its requests.
func TestEvaluateCorpus(t *testing.T) {
	t.Parallel()
	corpus := loadCorpus(t)
	if len(corpus) < 25 {
		t.Fatalf("the corpus has %d policies, want at least 25", len(corpus))
	}
	for name, f := range corpus {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if f.Description == "" || len(f.Cases) == 0 {
				t.Fatal("a corpus file needs a description and cases")
			}
			doc, err := Parse(f.Policy)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for _, c := range f.Cases {
				if c.Why == "" {
					t.Errorf("case %+v has no why", c)
				}
				want, ok := corpusVerdicts[c.Want]
				if !ok {
					t.Fatalf("case %q: unknown verdict %q", c.Why, c.Want)
				}
				req := Request{Principal: c.Principal, Service: c.Service, Action: c.Action, Resource: c.Resource, Context: c.Context}
				got := Evaluate(doc, req)
				var unsupported []string
				for _, u := range got.Unsupported {
					if u.Operator == "" {
						unsupported = append(unsupported, "Resource")
					} else {
						unsupported = append(unsupported, u.Operator)
					}
					if doc.Statement[u.Statement].Sid != u.Sid {
						t.Errorf("%s: unsupported operator %q reported with Sid %q for statement %d", c.Why, u.Operator, u.Sid, u.Statement)
					}
				}
				type view struct {
					Verdict     Verdict
					Statements  []int
					Unsupported []string
				}
				if diff := cmp.Diff(view{want, c.Statements, c.Unsupported}, view{got.Verdict, got.Statements, unsupported},
					cmp.Comparer(func(a, b []int) bool { return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b)) }),
					cmp.Comparer(func(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b)) }),
				); diff != "" {
					t.Errorf("%s: Evaluate (-want +got):\n%s", c.Why, diff)
				}
				// Explain must agree with Evaluate on which statements apply.
				for _, r := range Explain(doc, req) {
					applies := r.Applies && (r.Effect == EffectDeny) == (got.Verdict == ExplicitDeny)
					listed := false
					for _, i := range got.Statements {
						listed = listed || i == r.Index
					}
					if listed && !applies {
						t.Errorf("%s: Evaluate lists statement %d but Explain says it does not apply: %s", c.Why, r.Index, r.Reason)
					}
					if !r.Applies && r.Reason == "" {
						t.Errorf("%s: Explain gives no reason for statement %d", c.Why, r.Index)
					}
				}
			}
		})
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"*", "anything:at/all", false, true},
		{"a*", "a", false, true},
		{"a*b", "axxb", false, true},
		{"a*b", "axxbc", false, false},
		{"a*b*c", "abbbc", false, true},
		{"a*b*c", "acb", false, false},
		{"?", "", false, false},
		{"?", "é", false, true}, // ? is one character, not one byte
		{"??", "é", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"kms:*", "KMS:Decrypt", true, true},
		{"kms:*", "KMS:Decrypt", false, false},
		{"KMS:DECRYPT", "kms:decrypt", true, true},
		{"*a*a*a*a*b", strings.Repeat("a", 60), false, false}, // no exponential backtracking
		{"*x", "é", false, false},
		{"*é", "aé", false, true},
	}
	for _, tt := range tests {
		if got := glob(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("glob(%q, %q, %v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
		}
	}
}

func TestParseOperator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want operator
		ok   bool
	}{
		{"StringEquals", operator{base: opStringEquals}, true},
		{"StringNotLikeIfExists", operator{base: opStringLike, negated: true, ifExists: true}, true},
		{"ForAllValues:StringEquals", operator{base: opStringEquals, set: setAllValues}, true},
		{"ForAnyValue:ArnNotLikeIfExists", operator{base: opArnLike, negated: true, ifExists: true, set: setAnyValue}, true},
		{"Null", operator{base: opNull}, true},
		{"NullIfExists", operator{}, false},
		{"ForAllValues:Null", operator{}, false},
		{"stringequals", operator{}, false}, // operator names are exact
		{"StringEqualz", operator{}, false},
		{"ForAllValues:", operator{}, false},
		{"IfExists", operator{}, false},
	}
	for _, tt := range tests {
		got, ok := parseOperator(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseOperator(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestArnMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:iam::111122223333:role/R", "arn:aws:iam::111122223333:role/R", true},
		{"arn:aws:iam::*:role/R", "arn:aws:iam::111122223333:role/R", true},
		{"arn:aws:iam::*:role/R", "arn:aws:iam::1:2:role/R", false},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b", true},
		{"*", "not an arn", true},
		{"arn:*", "arn:aws:iam::1:root", false}, // the pattern has only two parts
		{"arn:aws:iam::1:root", "arn:aws:iam::1", false},
	}
	for _, tt := range tests {
		if got := arnMatch(tt.pattern, tt.arn); got != tt.want {
			t.Errorf("arnMatch(%q, %q) = %v, want %v", tt.pattern, tt.arn, got, tt.want)
		}
	}
}

func TestEvaluateNilAndEmpty(t *testing.T) {
	t.Parallel()
	req := Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt"}
	if d := Evaluate(nil, req); d.Verdict != ImplicitDeny || d.Statements != nil {
		t.Errorf("Evaluate(nil) = %+v, want an implicit deny with no statements", d)
	}
	if got := Explain(nil, req); got != nil {
		t.Errorf("Explain(nil) = %v, want nil", got)
	}
	// A statement without Principal or Action never matches.
	doc := &Document{Statement: []Statement{{Effect: EffectAllow, Resource: One("*")}}}
	if d := Evaluate(doc, req); d.Verdict != ImplicitDeny {
		t.Errorf("statement without Principal and Action: %v, want implicit deny", d.Verdict)
	}
	r := Explain(doc, req)
	if len(r) != 1 || !strings.Contains(r[0].Reason, "neither Principal nor NotPrincipal") {
		t.Errorf("Explain = %+v, want the missing principal named", r)
	}
}

func TestVerdictString(t *testing.T) {
	t.Parallel()
	for v, want := range map[Verdict]string{
		ImplicitDeny: "implicit-deny", Allow: "allow", AllowIfIAMAllows: "allow-if-iam",
		ExplicitDeny: "explicit-deny", Verdict(9): "Verdict(9)", Verdict(-1): "Verdict(-1)",
	} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(v), got, want)
		}
	}
}

// TestEvaluateDoesNotModify checks that Evaluate leaves the document and
// the request context alone.
func TestEvaluateDoesNotModify(t *testing.T) {
	t.Parallel()
	doc, err := ForPolicyEngine(PolicyEngineParams{Account: "111122223333", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	before := string(doc.Compact())
	reqs, err := PolicyEngineRequirements(PolicyEngineParams{Account: "111122223333", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := reqs[0].Request.Context
	ctxBefore, _ := json.Marshal(ctx)
	Evaluate(doc, reqs[0].Request)
	Explain(doc, reqs[0].Request)
	if after := string(doc.Compact()); after != before {
		t.Errorf("the document changed:\n%s", cmp.Diff(before, after))
	}
	if after, _ := json.Marshal(ctx); string(after) != string(ctxBefore) {
		t.Errorf("the context changed: %s, was %s", after, ctxBefore)
	}
}

func TestVerdictText(t *testing.T) {
	t.Parallel()
	for _, v := range []Verdict{ImplicitDeny, Allow, AllowIfIAMAllows, ExplicitDeny} {
		text, err := v.MarshalText()
		if err != nil || string(text) != v.String() {
			t.Errorf("%v.MarshalText() = %q, %v; want %q", v, text, err, v.String())
		}
		var back Verdict = -1
		if err := back.UnmarshalText(text); err != nil || back != v {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", text, back, err, v)
		}
	}
	// A Verdict is a JSON string.
	got, err := json.Marshal(struct{ V Verdict }{AllowIfIAMAllows})
	if err != nil || string(got) != `{"V":"allow-if-iam"}` {
		t.Errorf("json.Marshal = %s, %v", got, err)
	}
	if _, err := Verdict(9).MarshalText(); err == nil {
		t.Error("Verdict(9).MarshalText() succeeded")
	}
	v := Allow
	if err := v.UnmarshalText([]byte("allow if IAM allows")); err == nil || v != Allow {
		t.Errorf("UnmarshalText of an unknown name = %v, left %v", err, v)
	}
}

// TestEvaluateCrossAccount checks that a caller from another account than
// the key's never gets more than AllowIfIAMAllows.
func TestEvaluateCrossAccount(t *testing.T) {
	t.Parallel()
	const (
		key      = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		extRole  = "arn:aws:iam::444455556666:role/ExampleRole"
		ownRole  = "arn:aws:iam::111122223333:role/ExampleRole"
		decrypt  = `"Action":"kms:Decrypt","Resource":"*"`
		stmtHead = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":`
	)
	tests := []struct {
		name      string
		principal string // JSON of the statement's Principal
		caller    string
		resource  string
		want      Verdict
		wantCross bool
	}{
		// "Neither the key policy nor the IAM policy alone is sufficient—you
		// must change both." (KMS Developer Guide, "Allowing users in other
		// accounts to use a KMS key")
		{name: "a role of another account named in the key policy", principal: `{"AWS":"` + extRole + `"}`, caller: extRole, resource: key, want: AllowIfIAMAllows, wantCross: true},
		{name: "a session of that role", principal: `{"AWS":"` + extRole + `"}`, caller: "arn:aws:sts::444455556666:assumed-role/ExampleRole/s", resource: key, want: AllowIfIAMAllows, wantCross: true},
		{name: "Principal * and a caller of another account", principal: `"*"`, caller: extRole, resource: key, want: AllowIfIAMAllows, wantCross: true},
		// "The key policy for the KMS key must give the external account (or
		// users and roles in the external account) permission to use the
		// KMS key."
		{name: "the other account's root named", principal: `{"AWS":"444455556666"}`, caller: extRole, resource: key, want: AllowIfIAMAllows, wantCross: true},
		{name: "the other account's root user itself", principal: `{"AWS":"arn:aws:iam::444455556666:root"}`, caller: "arn:aws:iam::444455556666:root", resource: key, want: AllowIfIAMAllows, wantCross: true},
		// "If the key and the IAM principals are in the same AWS account,
		// you can use the key policy alone to control access" (KMS
		// Developer Guide, KMS key access and permissions)
		{name: "a role of the key's account", principal: `{"AWS":"` + ownRole + `"}`, caller: ownRole, resource: key, want: Allow},
		{name: "Principal * and a caller of the key's account", principal: `"*"`, caller: ownRole, resource: key, want: Allow},
		{name: "the key's root allows its root user", principal: `{"AWS":"arn:aws:iam::111122223333:root"}`, caller: "arn:aws:iam::111122223333:root", resource: key, want: Allow},
		// Without the key ARN the key is taken to be in the caller's account.
		{name: "no key ARN", principal: `{"AWS":"` + extRole + `"}`, caller: extRole, want: Allow},
		{name: "a service principal is in no account", principal: `{"Service":"` + ServicePrincipalName + `"}`, caller: "", resource: key, want: Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(stmtHead + tt.principal + "," + decrypt + "}]}"))
			if err != nil {
				t.Fatal(err)
			}
			req := Request{Principal: tt.caller, Action: "kms:Decrypt", Resource: tt.resource}
			if tt.caller == "" {
				req.Service = ServicePrincipalName
			}
			d := Evaluate(doc, req)
			type view struct {
				Verdict      Verdict
				Statements   []int
				CrossAccount bool
			}
			if diff := cmp.Diff(view{tt.want, []int{0}, tt.wantCross}, view{d.Verdict, d.Statements, d.CrossAccount}); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
			if r := Explain(doc, req); r[0].Delegated != (tt.want == AllowIfIAMAllows) {
				t.Errorf("Explain: Delegated = %v, want %v", r[0].Delegated, tt.want == AllowIfIAMAllows)
			}
		})
	}
}

// TestEvaluateKeeps pins behaviour that matches AWS and must stay.
func TestEvaluateKeeps(t *testing.T) {
	t.Parallel()
	const key = "arn:aws:kms:us-east-1:111122223333:key/k"
	tests := []struct {
		name   string
		policy string
		req    Request
		want   Verdict
	}{
		// "Allows access to the AWS account and enables IAM policies ... It
		// also gives the account root user full access" (KMS Developer
		// Guide, default key policy)
		{name: "the key account's root allows its root user",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
			req:    Request{Principal: "arn:aws:iam::111122223333:root", Action: "kms:PutKeyPolicy", Resource: key}, want: Allow},
		// "When you use NotPrincipal in the same policy statement as
		// "Effect": "Deny", ... you must also include the account ARN" (IAM
		// User Guide, NotPrincipal): naming the account but not the role
		// still denies the role.
		{name: "NotPrincipal naming the account only denies its role",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
			req:    Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt", Resource: key}, want: ExplicitDeny},
		// "If the key in the request context is not present, ...IfExists
		// evaluates to true" (IAM User Guide, condition operators)
		{name: "ForAnyValue IfExists on a missing key matches",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"t"}}}]}`,
			req:    Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt", Resource: key}, want: Allow},
		// "Date condition operators ... you can use ISO 8601 or epoch
		// (UNIX) time" (IAM User Guide, condition operators)
		{name: "dates compare as instants across forms",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"DateEquals":{"aws:CurrentTime":"1771934400"}}}]}`,
			req: Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt", Resource: key,
				Context: map[string][]string{"aws:CurrentTime": {"2026-02-24T12:00:00Z"}}}, want: Allow},
		// ARNs of other partitions name other principals.
		{name: "a principal of another partition never matches",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::111122223333:role/R"},"Action":"kms:*","Resource":"*"}]}`,
			req:    Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt", Resource: key}, want: ImplicitDeny},
		// "IpAddress ... you can use a single IP address" meaning /32.
		{name: "a bare IPv4 address is a /32",
			policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.1"}}}]}`,
			req: Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt", Resource: key,
				Context: map[string][]string{"aws:SourceIp": {"192.0.2.2"}}}, want: ImplicitDeny},
		// "If you do not include a Version element, the value defaults to
		// 2008-10-17 ... variables such as ${aws:username} aren't recognized
		// as variables and are instead treated as literal strings" (IAM User
		// Guide, Version)
		{name: "variables in a 2008-10-17 policy are literal",
			policy: `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"${aws:PrincipalAccount}"}}}]}`,
			req:    Request{Principal: "arn:aws:iam::111122223333:role/R", Action: "kms:Decrypt", Resource: key}, want: ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(tt.policy))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, Evaluate(doc, tt.req).Verdict); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
		})
	}
}
