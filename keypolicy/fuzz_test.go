package keypolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// seedPolicies returns the spec copies and golden files, the seed corpus of
// the policy fuzzers.
func seedPolicies(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, pattern := range []string{"testdata/*.json", "testdata/golden/*.json"} {
		names, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range names {
			raw, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, raw)
		}
	}
	if len(out) == 0 {
		f.Fatal("no seed policies")
	}
	out = append(out,
		[]byte(`{"Statement":{"Principal":"*","Condition":{"Bool":{"k":[true,1,"x"]}}},"Z":null}`),
		[]byte(`{"Version":"2008-10-17","Statement":[{"NotPrincipal":{"AWS":[]},"NotAction":"a","NotResource":[]}]}`),
		[]byte(`{"Id":"\u2028<>&\ufffd","Statement":[]}`),
		[]byte(`{"Id":"\ud83d\ude00","X":"\ud800","Y":"\xff"}`),
		[]byte(`{"X":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`),
	)
	return out
}

// FuzzParse checks that Parse never panics, returns only its documented
// errors, and that what it accepts marshals to valid JSON that parses back
// to the same JSON.
func FuzzParse(f *testing.F) {
	for _, seed := range seedPolicies(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			if doc != nil {
				t.Fatalf("document returned with error %v", err)
			}
			var se *SyntaxError
			var pe *ParseError
			var ze *SizeError
			switch {
			case errors.As(err, &ze):
				if len(data) <= MaxPolicyBytes || !errors.Is(err, ErrPolicyTooLarge) {
					t.Fatalf("size error for %d bytes: %v", len(data), err)
				}
			case !errors.Is(err, ErrMalformedPolicy) || !(errors.As(err, &se) || errors.As(err, &pe)):
				t.Fatalf("undocumented error %T: %v", err, err)
			}
			return
		}
		first, err := doc.JSON()
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		var std bytes.Buffer
		if err := json.Indent(&std, doc.Compact(), "", "  "); err != nil {
			t.Fatalf("invalid JSON written: %v\n%s", err, doc.Compact())
		}
		std.WriteByte('\n')
		if nesting(doc.Compact()) <= maxIndentDepth && !bytes.Equal(first, std.Bytes()) {
			t.Fatalf("JSON differs from json.Indent:\n%s\n%s", first, std.Bytes())
		}
		// Nothing is lost or changed: the output holds the same JSON value
		// as the input, as encoding/json reads both.
		if in, out := decodeAny(t, data), decodeAny(t, first); !reflect.DeepEqual(in, out) {
			t.Fatalf("content changed:\n in %s\nout %s", data, first)
		}
		again, err := Parse(first)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, first)
		}
		second, err := again.JSON()
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("not stable:\n%s\n%s", first, second)
		}
		if !bytes.Equal(doc.Clone().Compact(), doc.Compact()) {
			t.Fatal("Clone changes the document")
		}
	})
}

// nesting returns how deep objects and lists nest in the compact JSON b.
func nesting(b []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = skipString(b, i) - 1
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
		case '}', ']':
			depth--
		}
	}
	return deepest
}

func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("encoding/json rejects what Parse accepted: %v\n%s", err, data)
	}
	return v
}

// FuzzMerge checks that Merge keeps every base statement unchanged and in
// place, and that merging twice equals merging once.
func FuzzMerge(f *testing.F) {
	seeds := seedPolicies(f)
	for i, seed := range seeds {
		f.Add(seed, seeds[(i+1)%len(seeds)])
		f.Add(seed, seed)
	}
	f.Fuzz(func(t *testing.T, baseData, addData []byte) {
		base, err := Parse(baseData)
		if err != nil {
			return
		}
		add, err := Parse(addData)
		if err != nil {
			return
		}
		baseBefore, addBefore := base.Compact(), add.Compact()
		merged, err := Merge(base, add)
		if !bytes.Equal(base.Compact(), baseBefore) || !bytes.Equal(add.Compact(), addBefore) {
			t.Fatal("Merge modified its arguments")
		}
		if err != nil {
			var ce *ConflictError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) || merged != nil {
				t.Fatalf("undocumented result: %v (%T), document %v", err, err, merged != nil)
			}
			return
		}
		if len(merged.Statement) < len(base.Statement) || len(merged.Statement) > len(base.Statement)+len(add.Statement) {
			t.Fatalf("%d statements from %d + %d", len(merged.Statement), len(base.Statement), len(add.Statement))
		}
		for i := range base.Statement {
			if got, want := merged.Statement[i].appendCompact(nil), base.Statement[i].appendCompact(nil); !bytes.Equal(got, want) {
				t.Fatalf("base statement %d changed:\n got %s\nwant %s", i, got, want)
			}
		}
		for _, s := range add.Statement {
			found := false
			for _, m := range merged.Statement {
				if m.Sid == s.Sid && m.Equivalent(s) {
					found = true
					break
				}
			}
			if !found {
				t.Fatalf("statement %s was neither added nor already present", s.appendCompact(nil))
			}
		}
		out := merged.Compact()
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %s", out)
		}
		twice, err := Merge(merged, add)
		if err != nil {
			t.Fatalf("second merge: %v", err)
		}
		if !bytes.Equal(twice.Compact(), out) {
			t.Fatalf("not idempotent:\nonce  %s\ntwice %s", out, twice.Compact())
		}
	})
}

// FuzzGenerate checks that the generators, whatever the parameters, return
// either a *ParamError or a valid policy of exactly three statements.
func FuzzGenerate(f *testing.F) {
	f.Add("111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/ExampleRole", false, "", false)
	f.Add("111122223333", "us-east-1", "aws", "", true, "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123", false)
	f.Add("111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/MyBatchEvaluationRole", false, "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id", true)
	f.Add("111122223333", "cn-north-1", "aws-cn", "arn:aws-cn:iam::111122223333:user/p/a", true, "", true)
	f.Add("111122223333", "us-gov-west-1", "", "arn:aws-us-gov:iam::111122223333:root", false, "", false)
	f.Add("11112222333\"", "us-east-1\n", "aws*", "arn:aws:sts::111122223333:assumed-role/R/s", true, "*", false)
	f.Add("111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/a\"b/c", false, "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/\"", false)
	f.Fuzz(func(t *testing.T, account, region, partition, principal string, flag bool, narrow string, batch bool) {
		var (
			doc *Document
			err error
		)
		if batch {
			doc, err = ForBatchEvaluation(BatchEvaluationParams{Account: account, Region: region, Partition: partition, Principal: principal, BatchEvaluationARN: narrow})
		} else {
			doc, err = ForPolicyEngine(PolicyEngineParams{Account: account, Region: region, Partition: partition, Principal: principal, SourceContext: flag, PolicyEngineARN: narrow})
		}
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidParams) || doc != nil || pe.Field == "" {
				t.Fatalf("undocumented result: %v (%T), document %v", err, err, doc != nil)
			}
			return
		}
		out, err := doc.JSON()
		if err != nil || !json.Valid(out) {
			t.Fatalf("invalid JSON (%v): %s", err, out)
		}
		var generic struct{ Statement []map[string]any }
		if err := json.Unmarshal(out, &generic); err != nil {
			t.Fatal(err)
		}
		if len(generic.Statement) != 3 {
			t.Fatalf("%d statements, want 3:\n%s", len(generic.Statement), out)
		}
		back, err := Parse(out)
		if err != nil || len(back.Statement) != 3 {
			t.Fatalf("output does not parse to 3 statements (%v):\n%s", err, out)
		}
		// No parameter may smuggle in a wildcard the documented policy
		// does not have: the only "*" values are the documented ones.
		for _, s := range generic.Statement {
			if p, ok := s["Principal"].(string); ok {
				t.Fatalf("principal written as a string %q", p)
			}
		}
	})
}
