package keypolicy

import (
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
)

// goldenCases are the generator variants kept as golden files: each
// principal form, the source-context variant, narrowing, and the partitions
// whose ARN prefix or DNS suffix differs from aws.
func goldenCases() []struct {
	name string
	doc  func() (*Document, error)
} {
	pe := func(p PolicyEngineParams) func() (*Document, error) {
		return func() (*Document, error) { return ForPolicyEngine(p) }
	}
	be := func(p BatchEvaluationParams) func() (*Document, error) {
		return func() (*Document, error) { return ForBatchEvaluation(p) }
	}
	const engine = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	const batch = "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"
	return []struct {
		name string
		doc  func() (*Document, error)
	}{
		{"policy-engine-root", pe(PolicyEngineParams{Account: testAccount, Region: testRegion})},
		{"policy-engine-role", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:role/ExampleRole"})},
		{"policy-engine-user", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:user/platform/alice"})},
		{"policy-engine-source-context", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, SourceContext: true})},
		{"policy-engine-engine-arn", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, PolicyEngineARN: engine})},
		{"policy-engine-source-context-engine-arn", pe(PolicyEngineParams{Account: testAccount, Region: testRegion, SourceContext: true, PolicyEngineARN: engine})},
		{"policy-engine-aws-cn", pe(PolicyEngineParams{Account: testAccount, Region: "cn-north-1", Principal: "arn:aws-cn:iam::111122223333:role/ExampleRole"})},
		{"policy-engine-aws-us-gov", pe(PolicyEngineParams{Account: testAccount, Region: "us-gov-west-1", SourceContext: true})},
		{"policy-engine-aws-iso", pe(PolicyEngineParams{Account: testAccount, Region: "us-iso-east-1"})},
		{"policy-engine-aws-iso-b", pe(PolicyEngineParams{Account: testAccount, Region: "us-isob-east-1", Partition: "aws-iso-b"})},
		{"batch-evaluation-root", be(BatchEvaluationParams{Account: testAccount, Region: testRegion})},
		{"batch-evaluation-role", be(BatchEvaluationParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"})},
		{"batch-evaluation-user", be(BatchEvaluationParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::444455556666:user/bob"})},
		{"batch-evaluation-batch-arn", be(BatchEvaluationParams{Account: testAccount, Region: testRegion, BatchEvaluationARN: batch})},
		{"batch-evaluation-aws-cn", be(BatchEvaluationParams{Account: testAccount, Region: "cn-northwest-1"})},
		{"batch-evaluation-aws-us-gov", be(BatchEvaluationParams{Account: testAccount, Region: "us-gov-east-1", Partition: "aws-us-gov"})},
		{"batch-evaluation-aws-iso-f", be(BatchEvaluationParams{Account: testAccount, Region: "us-isof-south-1"})},
		{"default-key-policy", func() (*Document, error) { return DefaultKeyPolicy(testAccount, "") }},
		{"default-key-policy-aws-cn", func() (*Document, error) { return DefaultKeyPolicy(testAccount, "aws-cn") }},
		{"merge-default-policy-engine", mergeAll(
			func() (*Document, error) { return DefaultKeyPolicy(testAccount, "aws") },
			pe(PolicyEngineParams{Account: testAccount, Region: testRegion}),
		)},
		{"merge-default-both", mergeAll(
			func() (*Document, error) { return DefaultKeyPolicy(testAccount, "aws") },
			pe(PolicyEngineParams{Account: testAccount, Region: testRegion}),
			be(BatchEvaluationParams{Account: testAccount, Region: testRegion}),
		)},
	}
}

// mergeAll returns a function that merges the documents of adds, in
// order, into the document of base.
func mergeAll(base func() (*Document, error), adds ...func() (*Document, error)) func() (*Document, error) {
	return func() (*Document, error) {
		doc, err := base()
		if err != nil {
			return nil, err
		}
		for _, add := range adds {
			a, err := add()
			if err != nil {
				return nil, err
			}
			if doc, err = Merge(doc, a); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
}

// TestGolden compares each generated policy with its golden file, byte for
// byte. Run "go test ./keypolicy -update" to rewrite them after a deliberate
// change, and review the diff.
//
// After the cases have run (and, with -update, written their files), it
// fails on golden files no case writes, so that a renamed case cannot leave
// a stale file behind.
func TestGolden(t *testing.T) {
	t.Parallel()
	t.Run("cases", func(t *testing.T) { runGoldenCases(t) })
	names := map[string]bool{}
	for _, tt := range goldenCases() {
		names[tt.name+".json"] = true
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !names[e.Name()] {
			t.Errorf("testdata/golden/%s is not written by any case", e.Name())
		}
	}
	if len(entries) != len(names) {
		t.Errorf("%d golden files for %d cases", len(entries), len(names))
	}
}

func runGoldenCases(t *testing.T) {
	for _, tt := range goldenCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := tt.doc()
			if err != nil {
				t.Fatal(err)
			}
			got, err := doc.JSON()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", tt.name+".json")
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
			// The golden file must itself parse back to the same document.
			back, err := Parse(want)
			if err != nil {
				t.Fatalf("Parse(%s): %v", path, err)
			}
			again, _ := back.JSON()
			if diff := cmp.Diff(string(want), string(again)); diff != "" {
				t.Errorf("%s does not round-trip (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestTestdataIsValidJSON guards every JSON file under testdata.
func TestTestdataIsValidJSON(t *testing.T) {
	t.Parallel()
	n := 0
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		n++
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !json.Valid(raw) {
			t.Errorf("%s is not valid JSON", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("found %d JSON files under testdata, want at least the 5 spec copies", n)
	}
}
