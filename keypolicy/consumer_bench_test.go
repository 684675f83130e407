package keypolicy

import "testing"

// BenchmarkForConsumer: generating and marshalling each consumer's policy
// with its example values.
func BenchmarkForConsumer(b *testing.B) {
	for _, c := range Consumers() {
		if c.Name == ConsumerTokenVault {
			c.Example.Principal = "arn:aws:iam::111122223333:root"
		}
		b.Run(c.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				doc, err := For(c.Name, c.Example)
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

// BenchmarkSharedAnalyze: one policy for the eight key-policy consumers of
// the CLI, and Analyze of its 43 requirements.
func BenchmarkSharedAnalyze(b *testing.B) {
	p := Params{Account: testAccount, Region: testRegion, Principal: "arn:aws:iam::111122223333:role/Caller",
		ExecutionRole: "arn:aws:iam::111122223333:role/Exec", ServiceRole: "arn:aws:iam::111122223333:role/Gw"}
	gw := p
	gw.ResourceARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1"
	var uses []Use
	for _, n := range []string{ConsumerPolicyEngine, ConsumerBatchEvaluation, ConsumerEvaluator, ConsumerDataset, ConsumerConfigurationBundle, ConsumerRecommendation, ConsumerPaymentManager} {
		uses = append(uses, Use{n, p})
	}
	uses = append(uses, Use{ConsumerGateway, gw})
	b.Run("Shared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Shared(uses); err != nil {
				b.Fatal(err)
			}
		}
	})
	doc, reqs, err := Shared(uses)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Analyze", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !Analyze(doc, reqs).OK() {
				b.Fatal("not OK")
			}
		}
	})
}
