package keyapply

import (
	"strconv"
	"strings"
)

// diffContext is how many unchanged lines a hunk shows around a change.
const diffContext = 3

// maxDiffCells bounds the table of the line diff (lines of a times lines of
// b, after the common head and tail are taken off). Beyond it the diff
// replaces the whole middle: still exact, just not minimal. A key policy of
// 32 KiB that gains a few statements needs a handful of cells.
const maxDiffCells = 1 << 20

// edit is one line of an edit script: ' ' kept, '-' deleted, '+' inserted.
type edit struct {
	op   byte
	line string // with its newline, if it had one
}

// splitLines splits s into lines that keep their newlines; the last line
// has none if s does not end with one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// edits returns an edit script from a to b: a longest common subsequence of
// lines, by dynamic programming over the part between the common head and
// tail.
func edits(a, b []string) []edit {
	var out []edit
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		out = append(out, edit{' ', a[head]})
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	am, bm := a[head:len(a)-tail], b[head:len(b)-tail]
	n, m := len(am), len(bm)
	if n == 0 || m == 0 || n*m > maxDiffCells || n*m < 0 {
		for _, l := range am {
			out = append(out, edit{'-', l})
		}
		for _, l := range bm {
			out = append(out, edit{'+', l})
		}
	} else {
		// lcs[i*(m+1)+j] is the length of the LCS of am[i:] and bm[j:].
		lcs := make([]int32, (n+1)*(m+1))
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				switch {
				case am[i] == bm[j]:
					lcs[i*(m+1)+j] = lcs[(i+1)*(m+1)+j+1] + 1
				default:
					lcs[i*(m+1)+j] = max(lcs[(i+1)*(m+1)+j], lcs[i*(m+1)+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n && j < m {
			switch {
			case am[i] == bm[j]:
				out = append(out, edit{' ', am[i]})
				i++
				j++
			case lcs[(i+1)*(m+1)+j] >= lcs[i*(m+1)+j+1]:
				out = append(out, edit{'-', am[i]})
				i++
			default:
				out = append(out, edit{'+', bm[j]})
				j++
			}
		}
		for ; i < n; i++ {
			out = append(out, edit{'-', am[i]})
		}
		for ; j < m; j++ {
			out = append(out, edit{'+', bm[j]})
		}
	}
	for _, l := range a[len(a)-tail:] {
		out = append(out, edit{' ', l})
	}
	return out
}

// lineDiff returns a unified diff from before to after, with diffContext
// lines of context, headed "--- beforeName" and "+++ afterName", or "" when
// they are equal.
func lineDiff(beforeName, before, afterName, after string) string {
	if before == after {
		return ""
	}
	es := edits(splitLines(before), splitLines(after))
	var b strings.Builder
	b.WriteString("--- " + beforeName + "\n+++ " + afterName + "\n")
	// oldLine[k] and newLine[k] are the line numbers (from 0) at edit k.
	oldLine, newLine := make([]int, len(es)+1), make([]int, len(es)+1)
	for k, e := range es {
		oldLine[k+1], newLine[k+1] = oldLine[k], newLine[k]
		if e.op != '+' {
			oldLine[k+1]++
		}
		if e.op != '-' {
			newLine[k+1]++
		}
	}
	for k := 0; k < len(es); {
		if es[k].op == ' ' {
			k++
			continue
		}
		// A hunk: from diffContext lines before this change to
		// diffContext lines after the last change that is at most
		// 2*diffContext unchanged lines from the next.
		start := max(0, k-diffContext)
		end := k
		for {
			for end < len(es) && es[end].op != ' ' {
				end++
			}
			next := end
			for next < len(es) && es[next].op == ' ' {
				next++
			}
			if next < len(es) && next-end <= 2*diffContext {
				end = next
				continue
			}
			end = min(len(es), end+diffContext)
			break
		}
		b.WriteString("@@ -" + hunkRange(oldLine[start], oldLine[end]-oldLine[start]) +
			" +" + hunkRange(newLine[start], newLine[end]-newLine[start]) + " @@\n")
		for _, e := range es[start:end] {
			b.WriteByte(e.op)
			b.WriteString(e.line)
			if !strings.HasSuffix(e.line, "\n") {
				b.WriteString("\n\\ No newline at end of file\n")
			}
		}
		k = end
	}
	return b.String()
}

// hunkRange writes a hunk's range as unified diffs do: "start,count" with
// start counted from 1, or the line before an empty range.
func hunkRange(start, count int) string {
	if count == 0 {
		return strconv.Itoa(start) + ",0"
	}
	if count == 1 {
		return strconv.Itoa(start + 1)
	}
	return strconv.Itoa(start+1) + "," + strconv.Itoa(count)
}
