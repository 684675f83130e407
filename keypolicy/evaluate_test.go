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
