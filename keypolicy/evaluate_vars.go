package keypolicy

import "strings"

// hasVariable reports whether s may hold a policy variable.
func hasVariable(s string) bool { return strings.Contains(s, "${") }

// expand substitutes the policy variables of policy value s from e, the way
// the IAM User Guide's "policy variables" page describes: ${key} is the
// value of the request's condition key key (its name ignoring case),
// ${key, 'default'} falls back to default when the key has no value (two
// single quotes inside it stand for one), and ${*}, ${?} and ${$} are a
// literal *, ? and $. Substitution happens once: text a variable produces
// is not expanded again. A "${" that does not open a well-formed variable
// is kept as written.
//
// A key that is absent, or multivalued (a multivalued key cannot be a
// policy variable), with no default makes ok false: the value then matches
// nothing.
//
// For a pattern (StringLike, ArnLike, ArnEquals, Resource), substituted
// text is literal: its * and ? are not wildcards. expand then writes each
// such byte, and each escapeByte of s, after an escapeByte, and reports
// escaped; match the result with [globEscaped] or [arnMatchEscaped].
func expand(s string, e *env, pattern bool) (out string, escaped, ok bool) {
	var b []byte
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		value, n, isVar := parseVariable(rest[i+2:], e)
		if !isVar {
			b = appendText(b, rest[:i+2], pattern, false)
			rest = rest[i+2:]
			continue
		}
		if n < 0 {
			return "", false, false
		}
		b = appendText(b, rest[:i], pattern, false)
		b = appendText(b, value, pattern, true)
		rest = rest[i+2+n:]
	}
	b = appendText(b, rest, pattern, false)
	return string(b), pattern, true
}

// appendText appends t to b; in a pattern, literal bytes (all of t when
// value, else only escapeByte) are escaped.
func appendText(b []byte, t string, pattern, value bool) []byte {
	if !pattern {
		return append(b, t...)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == escapeByte || (value && (c == '*' || c == '?')) {
			b = append(b, escapeByte)
		}
		b = append(b, c)
	}
	return b
}

// parseVariable reads a variable body after "${" in s. It returns the text
// the variable stands for and the length of the body with its closing
// brace, negated when the variable has no value; isVar is false when s
// does not start a well-formed variable.
func parseVariable(s string, e *env) (value string, n int, isVar bool) {
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return "", 0, false
	}
	switch v := strings.TrimSpace(s[:end]); v {
	case "*", "?", "$":
		return v, end + 1, true
	}
	comma := strings.IndexByte(s[:end], ',')
	key := s[:end]
	if comma >= 0 {
		key = s[:comma]
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, "${' ") {
		return "", 0, false
	}
	var def string
	if comma >= 0 {
		// The default is quoted and may hold a }, so it is read from after
		// the comma up to its closing quote.
		var ok bool
		def, end, ok = parseDefault(s, comma+1)
		if !ok {
			return "", 0, false
		}
	}
	n = end + 1
	if vals, present := e.get(key); present && len(vals) == 1 && !multiValuedKey(key) {
		return vals[0], n, true
	}
	if comma >= 0 {
		return def, n, true
	}
	return "", -n, true
}

// parseDefault reads " 'default' }" from s[i:], where two single quotes
// stand for one. It returns the default and the index of the brace.
func parseDefault(s string, i int) (def string, brace int, ok bool) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '\'' {
		return "", 0, false
	}
	i++
	var b strings.Builder
	for {
		if i >= len(s) {
			return "", 0, false
		}
		if s[i] == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			i++
			break
		}
		b.WriteByte(s[i])
		i++
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '}' {
		return "", 0, false
	}
	return b.String(), i, true
}
