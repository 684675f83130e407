package keyapply

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkLineDiff diffs a key policy of about 32 KiB, indented, against
// itself with statements appended (the common case: a short middle) and
// against a policy with every line changed (the fallback past
// maxDiffCells).
func BenchmarkLineDiff(b *testing.B) {
	var base strings.Builder
	for i := 0; base.Len() < 30000; i++ {
		fmt.Fprintf(&base, "    {\n      \"Sid\": \"s%d\",\n      \"Effect\": \"Allow\"\n    },\n", i)
	}
	appended := base.String() + strings.Repeat("    {\n      \"Sid\": \"new\"\n    },\n", 20)
	changed := strings.ReplaceAll(base.String(), "Allow", "Deny")
	for _, bc := range []struct{ name, after string }{
		{"appended", appended},
		{"every-fourth-line-changed", changed},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if lineDiff("a", base.String(), "b", bc.after) == "" {
					b.Fatal("no diff")
				}
			}
		})
	}
}
