package iamtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// FuzzStatementSpans: any text, no panic; for a policy keypolicy parses,
// one span per statement, each starting at a brace and ending at one.
func FuzzStatementSpans(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
		"{\n  \"Statement\": {\n    \"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"\n  }\n}",
		`{"Id":{"a":[1,{"b":"}"}]},"Statement":[{"Sid":"x\"{","Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Deny","NotAction":["a:*"],"Resource":"*"}]}`,
		`{`, `[]`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		spans := statementSpans(text)
		doc, err := keypolicy.Parse([]byte(text))
		if err != nil || len(doc.Statement) == 0 {
			return
		}
		if len(spans) != len(doc.Statement) {
			t.Fatalf("%d spans for %d statements", len(spans), len(doc.Statement))
		}
		lines := strings.Split(text, "\n")
		at := func(p int32, q int32) byte { return lines[p-1][q-1] }
		for _, s := range spans {
			if at(s.start.Line, s.start.Column) != '{' || at(s.end.Line, s.end.Column) != '}' {
				t.Fatalf("span %+v does not run from brace to brace", s)
			}
		}
	})
}

// FuzzServeHTTP: any form body gets an answer, never a panic.
func FuzzServeHTTP(f *testing.F) {
	for _, s := range []string{
		"Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FR&ActionNames.member.1=kms%3ADecrypt",
		"Action=CreateRole&Version=2010-05-08&RoleName=R&AssumeRolePolicyDocument=%7B%7D",
		"Action=SimulatePrincipalPolicy&Version=2010-05-08&ContextEntries.member.1.ContextKeyValues.member.1=x&MaxItems=abc",
		"Action=Nope", "%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		m := New()
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		if rec.Code == 0 || rec.Body.Len() == 0 {
			t.Fatalf("no answer: %d", rec.Code)
		}
	})
}
