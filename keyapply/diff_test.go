package keyapply

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// patch applies the unified diff d to before, as patch(1) would, and
// returns the result; it fails the test on a hunk that does not apply.
func patch(t *testing.T, before, d string) string {
	t.Helper()
	if d == "" {
		return before
	}
	old := splitLines(before)
	lines := strings.SplitAfter(d, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		t.Fatalf("no diff header:\n%s", d)
	}
	var out []string
	pos := 0 // next line of old to copy
	for i := 2; i < len(lines) && lines[i] != ""; {
		var os, oc, ns, nc int
		h := lines[i]
		if _, err := fmt.Sscanf(h, "@@ -%s +%s @@\n", new(string), new(string)); err != nil {
			t.Fatalf("bad hunk header %q", h)
		}
		f := strings.Fields(h)
		parse := func(r string) (int, int) {
			s, c, ok := strings.Cut(r[1:], ",")
			start, _ := strconv.Atoi(s)
			count := 1
			if ok {
				count, _ = strconv.Atoi(c)
			}
			if count > 0 {
				start--
			}
			return start, count
		}
		os, oc = parse(f[1])
		ns, nc = parse(f[2])
		if os < pos || os > len(old) {
			t.Fatalf("hunk %q out of order or range", h)
		}
		out = append(out, old[pos:os]...)
		if len(out) != ns {
			t.Fatalf("hunk %q: new start %d, have %d lines", h, ns, len(out))
		}
		pos = os
		i++
		gotOld, gotNew := 0, 0
		for i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@ ") {
			l := lines[i]
			i++
			text := l[1:]
			if i < len(lines) && lines[i] == "\\ No newline at end of file\n" {
				text = strings.TrimSuffix(text, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if pos >= len(old) || old[pos] != text {
					t.Fatalf("hunk %q does not apply at old line %d: %q", h, pos, text)
				}
				pos++
				gotOld++
				if l[0] == ' ' {
					out = append(out, text)
					gotNew++
				}
			case '+':
				out = append(out, text)
				gotNew++
			default:
				t.Fatalf("bad diff line %q", l)
			}
		}
		if gotOld != oc || gotNew != nc {
			t.Fatalf("hunk %q has %d old and %d new lines", h, gotOld, gotNew)
		}
	}
	out = append(out, old[pos:]...)
	return strings.Join(out, "")
}

func TestLineDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		before, after string
		want          string
	}{
		{name: "equal", before: "a\nb\n", after: "a\nb\n", want: ""},
		{
			name:   "a statement appended",
			before: "{\n  \"Statement\": [\n    {\n      \"Sid\": \"A\"\n    }\n  ]\n}\n",
			after:  "{\n  \"Statement\": [\n    {\n      \"Sid\": \"A\"\n    },\n    {\n      \"Sid\": \"B\"\n    }\n  ]\n}\n",
			want:   "--- before\n+++ after\n@@ -2,6 +2,9 @@\n   \"Statement\": [\n     {\n       \"Sid\": \"A\"\n+    },\n+    {\n+      \"Sid\": \"B\"\n     }\n   ]\n }\n",
		},
		{
			name: "two hunks far apart", before: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", after: "1\nx\n3\n4\n5\n6\n7\n8\n9\n10\ny\n12\n",
			want: "--- before\n+++ after\n@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+y\n 12\n",
		},
		{name: "from empty", before: "", after: "a\n", want: "--- before\n+++ after\n@@ -0,0 +1 @@\n+a\n"},
		{name: "no final newline", before: "a", after: "a\n", want: "--- before\n+++ after\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := lineDiff("before", tt.before, "after", tt.after)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lineDiff (-want +got):\n%s", diff)
			}
			if back := patch(t, tt.before, got); back != tt.after {
				t.Errorf("patching gives %q, want %q", back, tt.after)
			}
		})
	}
}

// TestLineDiffLarge checks the fallback beyond maxDiffCells: still a diff
// that patches before into after.
func TestLineDiffLarge(t *testing.T) {
	t.Parallel()
	var a, b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&a, "a%d\n", i)
		fmt.Fprintf(&b, "b%d\n", i)
	}
	d := lineDiff("before", a.String(), "after", b.String())
	if back := patch(t, a.String(), d); back != b.String() {
		t.Error("the fallback diff does not patch before into after")
	}
}

// FuzzLineDiff checks that the diff is empty exactly for equal inputs and
// always patches before into after.
func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n")
	f.Add("", "x")
	f.Add("x\n\n\ny", "\n\nx\ny\n")
	f.Add("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n0\n4\n5\n6\n7\n8\n0\n")
	f.Fuzz(func(t *testing.T, before, after string) {
		d := lineDiff("before", before, "after", after)
		if (d == "") != (before == after) {
			t.Fatalf("diff %q for equal=%v", d, before == after)
		}
		if back := patch(t, before, d); back != after {
			t.Fatalf("patching %q with\n%s\ngives %q, want %q", before, d, back, after)
		}
	})
}
