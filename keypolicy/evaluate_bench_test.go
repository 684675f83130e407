package keypolicy

import "testing"

// BenchmarkEvaluate decides one request (the management grant's
// CreateGrant, which exercises every condition operator of the first
// statement) against the documented policy engine key policy.
func BenchmarkEvaluate(b *testing.B) {
	doc, reqs := documentedPolicyEngine(b)
	req := reqs[0].Request
	b.ReportAllocs()
	for b.Loop() {
		if d := Evaluate(doc, req); d.Verdict != Allow {
			b.Fatal(d.Verdict)
		}
	}
}

// BenchmarkEvaluateDenied decides a request no statement allows, so every
// statement is evaluated.
func BenchmarkEvaluateDenied(b *testing.B) {
	doc, reqs := documentedPolicyEngine(b)
	req := reqs[2].Request
	req.Context = map[string][]string{"kms:ViaService": {"bedrock-agentcore.us-west-2.amazonaws.com"}}
	b.ReportAllocs()
	for b.Loop() {
		if d := Evaluate(doc, req); d.Verdict != ImplicitDeny {
			b.Fatal(d.Verdict)
		}
	}
}

// BenchmarkAnalyze analyses every policy engine requirement against the
// documented policy.
func BenchmarkAnalyze(b *testing.B) {
	doc, reqs := documentedPolicyEngine(b)
	b.ReportAllocs()
	for b.Loop() {
		if a := Analyze(doc, reqs); !a.OK() {
			b.Fatal(a)
		}
	}
}

// BenchmarkAnalyzeFailing analyses every batch evaluation requirement
// against the default key policy: two fail and are explained.
func BenchmarkAnalyzeFailing(b *testing.B) {
	reqs, err := BatchEvaluationRequirements(BatchEvaluationParams{Account: "111122223333", Region: "us-east-1"})
	if err != nil {
		b.Fatal(err)
	}
	doc := defaultKeyPolicy(b, "aws", "111122223333")
	b.ReportAllocs()
	for b.Loop() {
		if a := Analyze(doc, reqs); len(a.Failed()) != 2 {
			b.Fatal(a)
		}
	}
}
