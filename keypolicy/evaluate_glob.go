package keypolicy

import "unicode/utf8"

// glob reports whether s matches pattern, where * matches any run of
// characters (possibly empty) and ? matches exactly one character. With
// fold, ASCII letters match regardless of case (action names are ASCII).
//
// It runs in O(len(pattern)*len(s)) at worst, without allocating: on a
// mismatch it backtracks only to the last *, which is enough because a
// later * can absorb anything an earlier one could.
func glob(pattern, s string, fold bool) bool { return globMode(pattern, s, fold, false) }

// globEscaped is glob for a pattern in which escapeByte makes the next byte
// literal, as [expand] writes substituted values and ${*}, ${?}, ${$}.
func globEscaped(pattern, s string, fold bool) bool { return globMode(pattern, s, fold, true) }

// escapeByte, in an escaped pattern, makes the byte after it literal.
const escapeByte = 0

func globMode(pattern, s string, fold, escaped bool) bool {
	px, sx := 0, 0
	starPx, starSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, n := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += n
					continue
				}
			default:
				n := 1
				if escaped && c == escapeByte && px+1 < len(pattern) {
					c, n = pattern[px+1], 2
				}
				if sx < len(s) && byteEqual(c, s[sx], fold) {
					px += n
					sx++
					continue
				}
			}
		}
		// Mismatch: let the last * absorb one more character, if any.
		if starPx >= 0 && starSx < len(s) {
			_, n := utf8.DecodeRuneInString(s[starSx:])
			starSx += n
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

func byteEqual(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}
