package keypolicy

import (
	"fmt"
	"testing"
)

func BenchmarkForPolicyEngineJSON(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    PolicyEngineParams
	}{
		{"documented", PolicyEngineParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:role/ExampleRole"}},
		{"source-context-narrowed", PolicyEngineParams{Account: testAccount, Region: testRegion, SourceContext: true, PolicyEngineARN: goodEngine}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				doc, err := ForPolicyEngine(bc.p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := doc.JSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkForBatchEvaluationJSON(b *testing.B) {
	p := BatchEvaluationParams{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"}
	b.ReportAllocs()
	for b.Loop() {
		doc, err := ForBatchEvaluation(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := doc.JSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// tenStatementPolicy returns the JSON of a 10-statement key policy: the
// default statement, both features' statements, and three more.
func tenStatementPolicy(b *testing.B) []byte {
	b.Helper()
	doc, err := DefaultKeyPolicy(testAccount, "aws")
	if err != nil {
		b.Fatal(err)
	}
	pe, _ := ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion})
	be, _ := ForBatchEvaluation(BatchEvaluationParams{Account: testAccount, Region: testRegion})
	for _, add := range []*Document{pe, be} {
		if doc, err = Merge(doc, add); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 3 {
		doc.Statement = append(doc.Statement, Statement{
			Sid: fmt.Sprintf("Admin%d", i), Effect: EffectAllow,
			Principal: AWSPrincipal(fmt.Sprintf("arn:aws:iam::111122223333:role/Admin%d", i)),
			Action:    List("kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*"),
			Resource:  One("*"),
		})
	}
	if len(doc.Statement) != 10 {
		b.Fatalf("%d statements", len(doc.Statement))
	}
	out, err := doc.JSON()
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func BenchmarkParse10(b *testing.B) {
	data := tenStatementPolicy(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMerge10(b *testing.B) {
	base, err := Parse(tenStatementPolicy(b))
	if err != nil {
		b.Fatal(err)
	}
	present, _ := ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion})
	fresh := present.Clone()
	for i := range fresh.Statement {
		fresh.Statement[i].Sid += " (second key user)"
	}
	conflict, _ := ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion, PolicyEngineARN: goodEngine})
	for _, bc := range []struct {
		name string
		add  *Document
	}{
		{"3-present", present},
		{"3-new", fresh},
		{"conflict", conflict},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Merge(base, bc.add)
			}
		})
	}
}
