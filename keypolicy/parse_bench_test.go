package keypolicy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Sizes of the linearity benchmarks: 1x, 4x and 16x, the largest at KMS's
// limit. Parse and Merge must take about the same time per byte at each.
var linearSizes = []int{MaxPolicyBytes / 16, MaxPolicyBytes / 4, MaxPolicyBytes}

// unknownFieldsPolicy returns a policy of about n bytes made of many unknown
// top-level fields, the input that was once quadratic.
func unknownFieldsPolicy(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"Version":"2012-10-17","Statement":[]`)
	for i := 0; b.Len() < n-20; i++ {
		b.WriteString(`,"f` + strconv.Itoa(i) + `":1`)
	}
	b.WriteString(`}`)
	return []byte(b.String())
}

// statementsPolicy returns a policy of about n bytes made of statements with
// distinct Sids.
func statementsPolicy(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"Version":"2012-10-17","Statement":[`)
	for i := 0; b.Len() < n-200; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Sid":"s%d","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/r%d"},"Action":["kms:Decrypt"],"Resource":"*"}`, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// deepPolicy returns a policy of about n bytes whose unknown field nests
// lists as deep as the size allows, up to 9,000 levels (encoding/json, and
// so Parse, refuses more than 10,000), the rest of the size in a string.
func deepPolicy(n int) []byte {
	d := min((n-50)/2, 9000)
	return []byte(`{"Version":"2012-10-17","Id":"` + strings.Repeat("x", n-50-2*d) + `","X":` + strings.Repeat("[", d) + strings.Repeat("]", d) + `}`)
}

func benchLinear(b *testing.B, gen func(int) []byte, fn func(b *testing.B, data []byte)) {
	for _, n := range linearSizes {
		data := gen(n)
		b.Run(strconv.Itoa(len(data))+"B", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				fn(b, data)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(data)), "ns/byte")
		})
	}
}

func parseOrFatal(b *testing.B, data []byte) *Document {
	doc, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// BenchmarkParseLinear parses and writes back policies of 1x, 4x and 16x
// the size; ns/byte stays about constant.
func BenchmarkParseLinear(b *testing.B) {
	for _, bc := range []struct {
		name string
		gen  func(int) []byte
	}{
		{"unknown-fields", unknownFieldsPolicy},
		{"statements", statementsPolicy},
		{"deep", deepPolicy},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchLinear(b, bc.gen, func(b *testing.B, data []byte) {
				if _, err := parseOrFatal(b, data).JSON(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkMergeLinear parses a policy of 1x, 4x and 16x the size and merges it into
// itself (every statement is found already present) and into the default
// key policy (every statement is added).
func BenchmarkMergeLinear(b *testing.B) {
	def, err := DefaultKeyPolicy(testAccount, "aws")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		gen  func(int) []byte
		self bool
	}{
		{"into-itself", statementsPolicy, true},
		{"into-default", statementsPolicy, false},
		{"unknown-fields", unknownFieldsPolicy, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchLinear(b, bc.gen, func(b *testing.B, data []byte) {
				add := parseOrFatal(b, data)
				base := def
				if bc.self {
					base = add
				}
				if _, err := Merge(base, add); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
