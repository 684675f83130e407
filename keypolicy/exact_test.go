package keypolicy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func compactFile(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b.Bytes()
}

// TestExactness checks the generators against the documented JSON, byte for byte.
func TestExactness(t *testing.T) {
	t.Parallel()
	pe, err := ForPolicyEngine(PolicyEngineParams{
		Account: "111122223333", Region: "us-east-1",
		Principal: "arn:aws:iam::111122223333:role/ExampleRole",
	})
	if err != nil {
		t.Fatal(err)
	}
	be, err := ForBatchEvaluation(BatchEvaluationParams{
		Account: "111122223333", Region: "us-east-1",
		Principal: "arn:aws:iam::111122223333:role/MyBatchEvaluationRole",
	})
	if err != nil {
		t.Fatal(err)
	}
	src, err := ForPolicyEngine(PolicyEngineParams{Account: "111122223333", Region: "us-east-1", SourceContext: true})
	if err != nil {
		t.Fatal(err)
	}
	srcStmt, _ := src.Statement[1].MarshalJSON()
	tests := []struct {
		name string
		file string
		got  []byte
	}{
		{"policy engine", "policy-engine-key-policy.json", pe.Compact()},
		{"batch evaluation", "batch-evaluation-key-policy.json", be.Compact()},
		{"policy engine source-context statement", "policy-engine-source-context-statement.json", srcStmt},
	}
	for _, tt := range tests {
		want := compactFile(t, tt.file)
		if !bytes.Equal(want, tt.got) {
			t.Errorf("%s differs from %s (-want +got):\n%s", tt.name, tt.file, cmp.Diff(string(want), string(tt.got)))
		}
	}
}

// TestParseRoundTripSpec checks that the documented policies parse and
// marshal back to the same bytes, indentation included.
func TestParseRoundTripSpec(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"policy-engine-key-policy.json", "batch-evaluation-key-policy.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(raw)
		if err != nil {
			t.Fatalf("Parse(%s): %v", name, err)
		}
		got, err := d.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(raw), string(got)); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s", name, diff)
		}
	}
}
