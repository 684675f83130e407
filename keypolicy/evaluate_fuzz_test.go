package keypolicy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEvaluate checks that no policy and no request make Evaluate, Explain,
// Analyze or Lint panic, and that decisions are consistent.
func FuzzEvaluate(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, n := range names {
		if raw, err := os.ReadFile(n); err == nil {
			f.Add(raw, "arn:aws:iam::111122223333:role/ExampleRole", "", "kms:CreateGrant", "kms:GrantOperations", "Decrypt")
		}
	}
	for _, c := range loadCorpus(f) {
		f.Add([]byte(c.Policy), "arn:aws:sts::111122223333:assumed-role/AppRole/s", "bedrock-agentcore.amazonaws.com", "kms:Decrypt", "aws:SourceArn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/b")
	}
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/ExampleRole"},"Action":"kms:Decrypt","Resource":"arn:aws:kms:*:${aws:PrincipalAccount}:key/*","Condition":{"StringEquals":{"kms:CallerAccount":"${aws:PrincipalAccount}"}}}]}`), "ExampleRole", "", "kms:Decrypt", "kms:GrantOperations", "Decrypt")
	f.Add([]byte(`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"NotAction":"*","NotResource":"?","Condition":{"ForAnyValue:DateLessThanIfExists":{"k":[1,true,"2020-01-01"]}}}}`), "111122223333", "", "*", "K", "")
	f.Fuzz(func(t *testing.T, policy []byte, principal, service, action, key, value string) {
		doc, err := Parse(policy)
		if err != nil {
			return
		}
		req := Request{Principal: principal, Service: service, Action: action, Context: map[string][]string{key: {value, value + "x"}}}
		d := Evaluate(doc, req)
		for _, i := range d.Statements {
			if i < 0 || i >= len(doc.Statement) {
				t.Fatalf("statement index %d out of range", i)
			}
			if isDeny := doc.Statement[i].Effect == EffectDeny; isDeny != (d.Verdict == ExplicitDeny) {
				t.Fatalf("verdict %v decided by statement %d with effect %q", d.Verdict, i, doc.Statement[i].Effect)
			}
		}
		if (d.Verdict == ImplicitDeny) != (len(d.Statements) == 0) {
			t.Fatalf("verdict %v with statements %v", d.Verdict, d.Statements)
		}
		results := Explain(doc, req)
		for _, i := range d.Statements {
			if !results[i].Applies {
				t.Fatalf("Evaluate used statement %d, Explain says: %s", i, results[i].Reason)
			}
		}
		// The verdict does not depend on statement order, on the spelling
		// of the context key, or on a marshal/parse round trip.
		rev := doc.Clone()
		slices.Reverse(rev.Statement)
		if got := Evaluate(rev, req).Verdict; got != d.Verdict {
			t.Fatalf("reversed statements: %v, want %v", got, d.Verdict)
		}
		upper := req
		upper.Context = map[string][]string{asciiUpper(key): req.Context[key]}
		if got := Evaluate(doc, upper).Verdict; got != d.Verdict {
			t.Fatalf("context key %q upper-cased: %v, want %v", key, got, d.Verdict)
		}
		if again, err := Parse(doc.Compact()); err != nil {
			t.Fatalf("re-parsing: %v", err)
		} else if got := Evaluate(again, req).Verdict; got != d.Verdict {
			t.Fatalf("after a round trip: %v, want %v", got, d.Verdict)
		}
		if (req.Validate() == nil) != (d.Err == nil) {
			t.Fatalf("Validate and Evaluate disagree on %+v: %v", req, d.Err)
		}
		// A caller from another account than the key's never gets a plain
		// allow: KMS needs its IAM policy too. The role name and session
		// come from the fuzzer, so any policy naming them is tried.
		const keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		name := strings.Map(func(r rune) rune {
			if r == '/' || r == ':' || r < ' ' {
				return -1
			}
			return r
		}, principal)
		if name == "" {
			name = "ExampleRole"
		}
		for _, caller := range []string{
			"arn:aws:iam::444455556666:role/" + name,
			"arn:aws:sts::444455556666:assumed-role/" + name + "/" + name,
			"arn:aws:iam::444455556666:user/" + name,
			"arn:aws:iam::444455556666:root",
			"444455556666",
		} {
			cross := Request{Principal: caller, Action: action, Resource: keyARN, Context: req.Context}
			if cd := Evaluate(doc, cross); cd.Verdict == Allow {
				t.Fatalf("cross-account caller %s got allow by %v", caller, cd.Statements)
			} else if cd.Err == nil && cd.Allowed() && !cd.CrossAccount {
				t.Fatalf("cross-account caller %s allowed without CrossAccount", caller)
			}
		}
		a := Analyze(doc, []Requirement{{ID: "fuzz", Action: action, Request: req}})
		if a.Results[0].OK() != d.Allowed() {
			t.Fatalf("Analyze and Evaluate disagree")
		}
		_ = a.String()
		for _, f := range Lint(doc) {
			_ = f.String()
		}
	})
}

// FuzzGlob checks the hand-written matcher against regexp, which is
// correct but too slow to compile per request.
func FuzzGlob(f *testing.F) {
	f.Add("kms:*", "kms:Decrypt", false)
	f.Add("a*b?c*", "aXbYcZ", true)
	f.Add("*a*a*a*b", "aaaaaaaaaaaa", false)
	f.Add("arn:aws*:bedrock-agentcore:*:*:policy-engine/*", "arn:aws-cn:bedrock-agentcore:cn-north-1:111122223333:policy-engine/e", false)
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		if fold && (!isASCII(pattern) || !isASCII(s)) {
			return // glob folds ASCII only; (?i) folds Unicode
		}
		var re strings.Builder
		re.WriteString("(?s)^")
		if fold {
			re.WriteString("(?i)")
		}
		for _, r := range pattern {
			switch r {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := glob(pattern, s, fold); got != want {
			t.Fatalf("glob(%q, %q, %v) = %v, regexp %s says %v", pattern, s, fold, got, re.String(), want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiUpper upper-cases ASCII letters only, as condition keys are
// compared.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}
