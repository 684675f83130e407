package keypolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseRoundTrip checks that accepted policies marshal back to exactly
// the indented form of their input: every field in its place, every value in
// its form.
func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string // already in the package's indented form
	}{
		{"version 2012", `{
  "Version": "2012-10-17",
  "Statement": []
}
`},
		{"version 2008", `{
  "Version": "2008-10-17",
  "Id": "old",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111122223333:root"
      },
      "Action": "kms:*",
      "Resource": "*"
    }
  ]
}
`},
		{"principal wildcard and NotPrincipal", `{
  "Statement": [
    {
      "Sid": "Anyone",
      "Effect": "Deny",
      "Principal": "*",
      "NotAction": [
        "kms:Describe*"
      ],
      "NotResource": [],
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "false"
        }
      }
    },
    {
      "Effect": "Deny",
      "NotPrincipal": {
        "AWS": [
          "arn:aws:iam::111122223333:root",
          "arn:aws:iam::111122223333:role/Admin"
        ],
        "Service": "kms.amazonaws.com"
      },
      "Action": "kms:ScheduleKeyDeletion",
      "Resource": "*"
    }
  ]
}
`},
		{"single statement object", `{
  "Version": "2012-10-17",
  "Statement": {
    "Sid": "One",
    "Effect": "Allow",
    "Principal": {
      "AWS": "*"
    },
    "Action": "kms:Decrypt",
    "Resource": "*"
  }
}
`},
		{"unknown fields stay in their place", `{
  "Comment": {
    "owner": "team-a",
    "tags": [
      1,
      true,
      null
    ]
  },
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "X-Note": "before the principal",
      "Principal": {
        "AWS": "arn:aws:iam::111122223333:root"
      },
      "Resource": "*",
      "Action": "kms:*",
      "Trailer": null
    }
  ],
  "Id": "at the end"
}
`},
		{"number and bool condition values", `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": "*",
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Condition": {
        "NumericLessThanEquals": {
          "kms:MaxDuration": 3600,
          "kms:Other": [
            1,
            "2",
            2.5e3
          ]
        },
        "Bool": {
          "aws:SecureTransport": true,
          "aws:ViaAWSService": [
            false
          ]
        }
      }
    }
  ]
}
`},
		{"condition operator and key order kept", `{
  "Statement": [
    {
      "Effect": "Allow",
      "Condition": {
        "StringLike": {
          "z": "1",
          "a": "2"
        },
        "ArnEquals": {
          "m": []
        },
        "StringEquals": {}
      }
    }
  ]
}
`},
		{"escapes and non-ASCII", `{
  "Id": "a<b>&c \"q\" \\ é ✓ \u2028",
  "Statement": []
}
`},
		{"empty object", `{}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := doc.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.in, string(got)); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseModel checks what Parse puts in the model.
func TestParseModel(t *testing.T) {
	t.Parallel()
	doc, err := Parse([]byte(`{"Version":"2008-10-17","Statement":{"Sid":"S","Effect":"Allow","Principal":"*",
		"Action":["kms:Decrypt"],"Resource":"*","Condition":{"NumericLessThan":{"K":[5,"6"]},"Bool":{"B":true}},"New":[1]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != Version2008 || !doc.SingleStatement || len(doc.Statement) != 1 {
		t.Fatalf("Version %q, SingleStatement %v, %d statements", doc.Version, doc.SingleStatement, len(doc.Statement))
	}
	s := doc.Statement[0]
	if !s.Principal.Wildcard || s.Action.Single || !s.Resource.Single {
		t.Errorf("Principal.Wildcard %v, Action.Single %v, Resource.Single %v", s.Principal.Wildcard, s.Action.Single, s.Resource.Single)
	}
	k, ok := s.Condition.Get("NumericLessThan", "k")
	if !ok || !cmp.Equal(k.Values, []string{"5", "6"}) || !k.IsLiteral(0) || k.IsLiteral(1) {
		t.Errorf("NumericLessThan k = %+v, %v; want [5 6] with 5 a literal", k, ok)
	}
	b, ok := s.Condition.Get("Bool", "B")
	if !ok || !b.IsLiteral(0) || b.Values[0] != "true" {
		t.Errorf("Bool B = %+v, %v; want literal true", b, ok)
	}
	if diff := cmp.Diff([]Field{{Name: "New", Value: []byte("[1]")}}, s.Extra); diff != "" {
		t.Errorf("Extra (-want +got):\n%s", diff)
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		line, col  int
		wantOffset int64
	}{
		{"empty", "", 1, 1, 0},
		{"truncated", "{\n  \"Version\": \"2012-10-17\",\n", 3, 1, 29},
		{"bad value", "{\n  \"Statement\": [\n    {\"Sid\": x}\n  ]\n}", 3, 13, 31},
		{"trailing comma", `{"a":1,}`, 1, 8, 7},
		{"missing comma", "{\n\"Version\": \"2012-10-17\"\n\"Id\": \"x\"}", 3, 1, 26},
		{"trailing garbage", "{} x", 1, 4, 3},
		{"single quotes", "{'Version': 1}", 1, 2, 1},
		// encoding/json would turn these into U+FFFD: the user's text would change.
		{"invalid UTF-8 in a value", "{\"Id\": \"a\xffb\"}", 1, 10, 9},
		{"invalid UTF-8 in a member name", "{\"I\xc3\": 1}", 1, 4, 3},
		{"UTF-8 encoded surrogate", "{\"Id\": \"\xed\xa0\x80\"}", 1, 9, 8},
		{"lone high surrogate", `{"Id": "\ud800"}`, 1, 9, 8},
		{"high surrogate then a letter", `{"Id": "\ud800x"}`, 1, 9, 8},
		{"high surrogate then a high one", `{"Id": "\uD800\uD800"}`, 1, 9, 8},
		{"lone low surrogate", `{"Statement": [{"Sid": "a\udc00"}]}`, 1, 26, 25},
		{"lone surrogate in an unknown field", `{"X": ["\udfff"]}`, 1, 9, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(tt.in))
			if doc != nil {
				t.Errorf("got a document with error %v", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
			}
			if !errors.Is(err, ErrMalformedPolicy) {
				t.Errorf("errors.Is(%v, ErrMalformedPolicy) = false", err)
			}
			if se.Line != tt.line || se.Column != tt.col || se.Offset != tt.wantOffset {
				t.Errorf("at line %d, column %d, offset %d; want line %d, column %d, offset %d (%v)",
					se.Line, se.Column, se.Offset, tt.line, tt.col, tt.wantOffset, err)
			}
			if se.Msg == "" {
				t.Error("empty Msg")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantPath string
	}{
		{"top level list", `[]`, ""},
		{"top level string", `"policy"`, ""},
		{"top level null", `null`, ""},
		{"Version number", `{"Version":2012}`, "Version"},
		{"Id list", `{"Id":["a"]}`, "Id"},
		{"Statement string", `{"Statement":"x"}`, "Statement"},
		{"Statement item string", `{"Statement":[{}, "x"]}`, "Statement[1]"},
		{"Sid number", `{"Statement":[{"Sid":1}]}`, "Statement[0].Sid"},
		{"Effect null", `{"Statement":[{"Effect":null}]}`, "Statement[0].Effect"},
		{"Action number", `{"Statement":[{"Action":1}]}`, "Statement[0].Action"},
		{"Action item number", `{"Statement":[{"Action":["a",1]}]}`, "Statement[0].Action[1]"},
		{"Resource object", `{"Statement":[{"Resource":{}}]}`, "Statement[0].Resource"},
		{"NotResource bool", `{"Statement":[{"NotResource":true}]}`, "Statement[0].NotResource"},
		{"Principal list", `{"Statement":[{"Principal":["*"]}]}`, "Statement[0].Principal"},
		{"Principal string other than *", `{"Statement":[{"Principal":"arn:aws:iam::111122223333:root"}]}`, "Statement[0].Principal"},
		{"Principal AWS number", `{"Statement":[{"Principal":{"AWS":1}}]}`, "Statement[0].Principal.AWS"},
		{"NotPrincipal AWS item null", `{"Statement":[{"NotPrincipal":{"AWS":[null]}}]}`, "Statement[0].NotPrincipal.AWS[0]"},
		{"single statement Action", `{"Statement":{"Action":{}}}`, "Statement.Action"},
		{"Condition list", `{"Statement":[{"Condition":[]}]}`, "Statement[0].Condition"},
		{"Condition operator string", `{"Statement":[{"Condition":{"StringEquals":"x"}}]}`, "Statement[0].Condition.StringEquals"},
		{"Condition value null", `{"Statement":[{"Condition":{"Null":{"k":null}}}]}`, "Statement[0].Condition.Null.k"},
		{"Condition value object", `{"Statement":[{"Condition":{"StringEquals":{"k":{}}}}]}`, "Statement[0].Condition.StringEquals.k"},
		{"Condition item list", `{"Statement":[{"Condition":{"StringEquals":{"k":["a",["b"]]}}}]}`, "Statement[0].Condition.StringEquals.k[1]"},
		{"duplicate top-level key", `{"Version":"2012-10-17","Version":"2008-10-17"}`, "Version"},
		{"duplicate unknown key", `{"X":1,"X":1}`, "X"},
		{"duplicate statement key", `{"Statement":[{"Effect":"Allow","Effect":"Deny"}]}`, "Statement[0].Effect"},
		{"duplicate principal type", `{"Statement":[{"Principal":{"AWS":"a","AWS":"b"}}]}`, "Statement[0].Principal.AWS"},
		{"duplicate condition operator", `{"Statement":[{"Condition":{"Bool":{},"Bool":{}}}]}`, "Statement[0].Condition.Bool"},
		{"duplicate condition key", `{"Statement":[{"Condition":{"Bool":{"k":"true","k":"false"}}}]}`, "Statement[0].Condition.Bool.k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(tt.in))
			if doc != nil {
				t.Errorf("got a document with error %v", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if !errors.Is(err, ErrMalformedPolicy) {
				t.Errorf("errors.Is(%v, ErrMalformedPolicy) = false", err)
			}
			if pe.Path != tt.wantPath {
				t.Errorf("Path = %q, want %q (%v)", pe.Path, tt.wantPath, err)
			}
		})
	}
}

func TestUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var d Document
	if err := d.UnmarshalJSON([]byte(`{"Id":"x","Statement":[]}`)); err != nil {
		t.Fatal(err)
	}
	if d.ID != "x" || d.Statement == nil {
		t.Errorf("got %+v", d)
	}
	if err := d.UnmarshalJSON([]byte(`{`)); !errors.Is(err, ErrMalformedPolicy) {
		t.Errorf("UnmarshalJSON(\"{\") = %v, want ErrMalformedPolicy", err)
	}
}

// TestMarshalBuiltDocument checks JSON for a document built in code: AWS's
// field order, empty fields left out, HTML characters not escaped.
func TestMarshalBuiltDocument(t *testing.T) {
	t.Parallel()
	d := &Document{Statement: []Statement{{
		Condition: Condition{{Operator: "StringEquals", Keys: []ConditionKey{{Key: "k", Values: List("<a&b>")}}}},
		Resource:  One("*"),
		Effect:    EffectAllow,
		Extra:     []Field{{Name: "Z", Value: []byte(`{"b":1}`)}},
	}}, Version: Version2012}
	got, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "k": [
            "<a&b>"
          ]
        }
      },
      "Z": {
        "b": 1
      }
    }
  ]
}
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	var nilDoc *Document
	if got := string(nilDoc.Compact()); got != "null" {
		t.Errorf("nil document Compact() = %s, want null", got)
	}
}

// TestJSONExtraValues checks Extra values set in code: white space is
// removed, and invalid JSON is an error rather than invalid output.
func TestJSONExtraValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"spaced object", "{ \"a\" : [ 1 , 2 ] }", "{\n  \"X\": {\n    \"a\": [\n      1,\n      2\n    ]\n  }\n}\n", false},
		{"string with braces", `"{[,:]}"`, "{\n  \"X\": \"{[,:]}\"\n}\n", false},
		{"empty", "", "", true},
		{"truncated", `{"a":`, "", true},
		{"two values", `1 2`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &Document{Extra: []Field{{Name: "X", Value: []byte(tt.in)}}}
			got, err := d.JSON()
			if (err != nil) != tt.wantErr {
				t.Fatalf("JSON() error = %v, wantErr %v (output %s)", err, tt.wantErr, got)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// Statement-level extras are checked the same way.
			s := &Document{Statement: []Statement{{Extra: d.Extra}}}
			if _, err := s.JSON(); (err != nil) != tt.wantErr {
				t.Errorf("statement extra: error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

// TestJSONMatchesIndent compares JSON with json.Indent on nesting as deep
// as JSON indents, and checks that deeper values are written compact, with
// the same content.
func TestJSONMatchesIndent(t *testing.T) {
	t.Parallel()
	nest := func(n int) []byte {
		return []byte(strings.Repeat(`{"a":[`, n) + `"x",{},[]` + strings.Repeat(`]}`, n))
	}
	// The document and the field take one level; each {"a":[ two more.
	shallow := (maxIndentDepth - 1) / 2
	tests := []struct {
		name       string
		value      []byte
		wantIndent bool // byte for byte what json.Indent writes
	}{
		{name: "as deep as JSON indents", value: nest(shallow), wantIndent: true},
		{name: "deeper: the rest compact", value: nest(40)},
		{name: "9,000 levels deep", value: nest(4500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := &Document{Version: Version2012, Extra: []Field{{Name: "Deep", Value: tt.value}}}
			got, err := d.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if tt.wantIndent {
				if err := json.Indent(&want, d.Compact(), "", "  "); err != nil {
					t.Fatal(err)
				}
				want.WriteByte('\n')
				if diff := cmp.Diff(want.String(), string(got)); diff != "" {
					t.Errorf("(-json.Indent +JSON):\n%s", diff)
				}
				return
			}
			if err := json.Compact(&want, got); err != nil {
				t.Fatalf("invalid JSON written: %v", err)
			}
			if !bytes.Equal(want.Bytes(), d.Compact()) {
				t.Error("JSON holds different content from Compact")
			}
			// Linear: at most the indentation of maxIndentDepth levels per line.
			if limit := len(d.Compact()) * (2 + 2*maxIndentDepth); len(got) > limit {
				t.Errorf("JSON wrote %d bytes for %d bytes of content", len(got), len(d.Compact()))
			}
		})
	}
}

// TestAppendString checks string escaping against encoding/json with HTML
// escaping off.
func TestAppendString(t *testing.T) {
	t.Parallel()
	var all []byte
	for c := 0; c < 0x80; c++ {
		all = append(all, byte(c))
	}
	for _, s := range []string{"", "plain", string(all), "\xff\xfe bad \xc3", "line\u2028para\u2029end", "é✓😀", "<&>"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := string(appendString(nil, s)) + "\n"
		if diff := cmp.Diff(want.String(), got); diff != "" {
			t.Errorf("appendString(%q) (-encoding/json +got):\n%s", s, diff)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   error
		want string
	}{
		{"syntax", &SyntaxError{Line: 3, Column: 7, Msg: "invalid character 'x'"}, "keypolicy: invalid JSON at line 3, column 7: invalid character 'x'"},
		{"parse with path", &ParseError{Path: "Statement[0].Action", Msg: "must be a string"}, "keypolicy: Statement[0].Action: must be a string"},
		{"parse without path", &ParseError{Msg: "a key policy must be a JSON object"}, "keypolicy: a key policy must be a JSON object"},
		{"param", &ParamError{Field: "Region", Value: "x\n", Reason: "is not a Region"}, `keypolicy: invalid Region "x\n": is not a Region`},
		{"conflict", &ConflictError{Sid: "S"}, `keypolicy: the policy already has a different statement with Sid "S"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.in.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestEncodingJSON checks that a Document inside another value marshals and
// unmarshals through encoding/json with its own rules.
func TestEncodingJSON(t *testing.T) {
	t.Parallel()
	in := `{"Policy":{"Statement":{"Sid":"S","Action":"a","Odd":[1]},"Version":"2012-10-17"}}`
	var v struct{ Policy *Document }
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, string(out)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	s, err := json.Marshal(v.Policy.Statement[0])
	if err != nil || string(s) != `{"Sid":"S","Action":"a","Odd":[1]}` {
		t.Errorf("Statement: %s, %v", s, err)
	}
}
