package keypolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"unicode/utf8"
)

// JSON returns d as AWS shows key policies: two-space indented JSON with
// HTML escaping off and a trailing newline. Fields are written in the order
// they were parsed, or in AWS's order for fields set in code. Values nested
// more than 32 levels deep (only possible in fields this package does not
// model) are written compact, so that the output stays linear in the size
// of the document.
//
// The only error is a [Field] in Extra whose Value is not valid JSON.
func (d *Document) JSON() ([]byte, error) {
	compact := d.appendCompact(make([]byte, 0, 2048))
	if d.hasExtra() && !json.Valid(compact) {
		return nil, errors.New("keypolicy: an Extra field does not hold valid JSON")
	}
	out := make([]byte, 0, len(compact)*2)
	out = appendIndented(out, compact)
	return append(out, '\n'), nil
}

func (d *Document) hasExtra() bool {
	if d == nil {
		return false
	}
	if len(d.Extra) > 0 {
		return true
	}
	for i := range d.Statement {
		if len(d.Statement[i].Extra) > 0 {
			return true
		}
	}
	return false
}

// maxIndentDepth is the deepest nesting [Document.JSON] indents; deeper
// values are written compact, so that the output stays linear in the size
// of the document (indenting n levels writes n² spaces). A key policy's own
// structure is at most seven levels deep.
const maxIndentDepth = 32

// appendIndented appends src, compact JSON as appendCompact writes it, with
// the two-space indentation json.Indent would give it down to
// maxIndentDepth levels, and compact below. It relies on src having no white
// space outside strings, which is why it is not used on input from
// elsewhere.
func appendIndented(dst, src []byte) []byte {
	const indent = "\n                                                                "
	newline := func(dst []byte, depth int) []byte {
		if n := 1 + 2*depth; n <= len(indent) {
			return append(dst, indent[:n]...)
		}
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, ' ', ' ')
		}
		return dst
	}
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			// Copy the string through its closing quote.
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return append(dst, src[i:]...)
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			if depth == maxIndentDepth {
				end := skipValue(src, i)
				dst = append(dst, src[i:end]...)
				i = end - 1
				continue
			}
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			dst = newline(dst, depth)
		case '}', ']':
			depth--
			dst = newline(dst, depth)
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = newline(dst, depth)
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// Compact returns d as JSON without insignificant white space. Unlike
// [Document.JSON], it does not check the values of Extra fields.
func (d *Document) Compact() []byte {
	return d.appendCompact(nil)
}

// MarshalJSON implements [json.Marshaler]; it writes the compact form.
func (d *Document) MarshalJSON() ([]byte, error) { return d.appendCompact(nil), nil }

// UnmarshalJSON implements [json.Unmarshaler] with [Parse].
func (d *Document) UnmarshalJSON(data []byte) error {
	p, err := Parse(data)
	if err != nil {
		return err
	}
	*d = *p
	return nil
}

// MarshalJSON implements [json.Marshaler]; it writes the compact form.
func (s Statement) MarshalJSON() ([]byte, error) { return s.appendCompact(nil), nil }

// documentOrder is the canonical order of a document's members. A function,
// not a package-level slice, so that nothing can change it; the slice stays
// on the stack.
func documentOrder() []string { return []string{"Version", "Id", "Statement"} }

// statementOrder is the canonical order of a statement's members.
func statementOrder() []string {
	return []string{
		"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
		"Resource", "NotResource", "Condition",
	}
}

// objectWriter writes the members of one JSON object, in the parsed order
// first and then in the canonical order.
type objectWriter struct {
	b     []byte
	first bool
}

func (w *objectWriter) key(name string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = appendString(w.b, name)
	w.b = append(w.b, ':')
}

// writeObject writes known fields (through emit, which reports whether the
// field has anything to write) and extra fields in the parsed order keys,
// then the remaining known fields in canonical order, then the remaining
// extras.
func writeObject(b []byte, keys, canonical []string, extra []Field, emit func(w *objectWriter, name string, parsed bool) bool) []byte {
	w := &objectWriter{b: append(b, '{'), first: true}
	// With many fields, look names up in maps, so that writing stays
	// linear in the number of fields.
	var parsedSet map[string]bool
	var extraAt map[string]int // the first Extra field of each name
	if len(keys)+len(extra) > 16 {
		parsedSet = make(map[string]bool, len(keys))
		for _, k := range keys {
			parsedSet[k] = true
		}
		extraAt = make(map[string]int, len(extra))
		for i := len(extra) - 1; i >= 0; i-- {
			extraAt[extra[i].Name] = i
		}
	}
	done := func(name string) bool {
		if parsedSet != nil {
			return parsedSet[name]
		}
		return slices.Contains(keys, name)
	}
	findExtra := func(name string) int {
		if extraAt != nil {
			if i, ok := extraAt[name]; ok {
				return i
			}
			return -1
		}
		return slices.IndexFunc(extra, func(f Field) bool { return f.Name == name })
	}
	for _, k := range keys {
		if slices.Contains(canonical, k) {
			emit(w, k, true)
			continue
		}
		if i := findExtra(k); i >= 0 {
			w.key(extra[i].Name)
			w.b = appendRaw(w.b, extra[i].Value)
		}
	}
	for _, k := range canonical {
		if !done(k) {
			emit(w, k, false)
		}
	}
	for _, f := range extra {
		if !done(f.Name) {
			w.key(f.Name)
			w.b = appendRaw(w.b, f.Value)
		}
	}
	return append(w.b, '}')
}

func (d *Document) appendCompact(b []byte) []byte {
	if d == nil {
		return append(b, "null"...)
	}
	return writeObject(b, d.keys, documentOrder(), d.Extra, func(w *objectWriter, name string, parsed bool) bool {
		switch name {
		case "Version":
			if parsed || d.Version != "" {
				w.key(name)
				w.b = appendString(w.b, d.Version)
			}
		case "Id":
			if parsed || d.ID != "" {
				w.key(name)
				w.b = appendString(w.b, d.ID)
			}
		case "Statement":
			if !parsed && d.Statement == nil {
				return false
			}
			w.key(name)
			if d.SingleStatement && len(d.Statement) == 1 {
				w.b = d.Statement[0].appendCompact(w.b)
				return true
			}
			w.b = append(w.b, '[')
			for i := range d.Statement {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.b = d.Statement[i].appendCompact(w.b)
			}
			w.b = append(w.b, ']')
		}
		return true
	})
}

func (s *Statement) appendCompact(b []byte) []byte {
	return writeObject(b, s.keys, statementOrder(), s.Extra, func(w *objectWriter, name string, parsed bool) bool {
		str := func(v string) {
			if parsed || v != "" {
				w.key(name)
				w.b = appendString(w.b, v)
			}
		}
		strs := func(v Strings) {
			if !v.IsZero() {
				w.key(name)
				w.b = v.appendJSON(w.b)
			}
		}
		principal := func(p *Principal) {
			if p != nil {
				w.key(name)
				w.b = p.appendJSON(w.b)
			}
		}
		switch name {
		case "Sid":
			str(s.Sid)
		case "Effect":
			str(s.Effect)
		case "Principal":
			principal(s.Principal)
		case "NotPrincipal":
			principal(s.NotPrincipal)
		case "Action":
			strs(s.Action)
		case "NotAction":
			strs(s.NotAction)
		case "Resource":
			strs(s.Resource)
		case "NotResource":
			strs(s.NotResource)
		case "Condition":
			if s.Condition != nil {
				w.key(name)
				w.b = s.Condition.appendJSON(w.b)
			}
		}
		return true
	})
}

func (s Strings) appendJSON(b []byte) []byte {
	if s.Single && len(s.Values) == 1 {
		return s.appendItem(b, 0)
	}
	b = append(b, '[')
	for i := range s.Values {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.appendItem(b, i)
	}
	return append(b, ']')
}

func (s Strings) appendItem(b []byte, i int) []byte {
	if s.IsLiteral(i) {
		return append(b, s.Values[i]...)
	}
	return appendString(b, s.Values[i])
}

func (p *Principal) appendJSON(b []byte) []byte {
	if p.Wildcard {
		return append(b, `"*"`...)
	}
	b = append(b, '{')
	for i, e := range p.Entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.Type)
		b = append(b, ':')
		b = e.Values.appendJSON(b)
	}
	return append(b, '}')
}

func (c Condition) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, op := range c {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, op.Operator)
		b = append(b, ":{"...)
		for j, k := range op.Keys {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k.Key)
			b = append(b, ':')
			b = k.Values.appendJSON(b)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendRaw appends v without insignificant white space. Invalid JSON is
// appended as it is, for [Document.JSON] to report.
func appendRaw(b []byte, v json.RawMessage) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return append(b, v...)
	}
	return append(b, buf.Bytes()...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json does with
// SetEscapeHTML(false): invalid UTF-8 becomes U+FFFD and U+2028/U+2029 are
// escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
