package keypolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Parse parses a key policy. It accepts everything AWS accepts in a key
// policy: either Version, a single statement object instead of a list,
// "Principal": "*", and values written as a string or a list. Fields it does
// not model are kept in Extra. The result marshals back to the same content.
//
// Input over [MaxPolicyBytes], KMS's limit, returns a [*SizeError] before
// any other work. Malformed input returns an error that wraps
// [ErrMalformedPolicy]: a [*SyntaxError] with the line and column for
// invalid JSON, including invalid UTF-8 or a lone UTF-16 surrogate escape in
// any string (never silently rewritten to U+FFFD), or a [*ParseError] with
// the path of a value of the wrong type.
//
// Parse takes time and memory linear in the size of data.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxPolicyBytes {
		return nil, &SizeError{Size: len(data), Limit: MaxPolicyBytes}
	}
	if !json.Valid(data) {
		return nil, syntaxError(data)
	}
	if err := checkStrings(data); err != nil {
		return nil, err
	}
	d := &Document{}
	kind := kindOf(data)
	if kind != '{' {
		return nil, &ParseError{Msg: "a key policy must be a JSON object, not " + kindName(kind)}
	}
	keys, err := eachMember(data, "", func(key string, val json.RawMessage) error {
		switch key {
		case "Version":
			return parseString(val, key, &d.Version)
		case "Id":
			return parseString(val, key, &d.ID)
		case "Statement":
			return d.parseStatements(val)
		default:
			d.Extra = append(d.Extra, Field{Name: key, Value: compact(val)})
			return nil
		}
	})
	if err != nil {
		return nil, err
	}
	d.keys = keys
	return d, nil
}

func (d *Document) parseStatements(val json.RawMessage) error {
	switch kindOf(val) {
	case '{':
		s, err := parseStatement(val, "Statement")
		if err != nil {
			return err
		}
		d.Statement = []Statement{s}
		d.SingleStatement = true
		return nil
	case '[':
		d.Statement = []Statement{}
		return eachItem(val, func(i int, item json.RawMessage) error {
			path := "Statement[" + strconv.Itoa(i) + "]"
			if kindOf(item) != '{' {
				return &ParseError{Path: path, Msg: "must be an object, not " + kindName(kindOf(item))}
			}
			s, err := parseStatement(item, path)
			if err != nil {
				return err
			}
			d.Statement = append(d.Statement, s)
			return nil
		})
	default:
		return &ParseError{Path: "Statement", Msg: "must be an object or a list of objects, not " + kindName(kindOf(val))}
	}
}

func parseStatement(data json.RawMessage, path string) (Statement, error) {
	var s Statement
	keys, err := eachMember(data, path, func(key string, val json.RawMessage) error {
		p := path + "." + key
		var err error
		switch key {
		case "Sid":
			err = parseString(val, p, &s.Sid)
		case "Effect":
			err = parseString(val, p, &s.Effect)
		case "Principal":
			s.Principal, err = parsePrincipal(val, p)
		case "NotPrincipal":
			s.NotPrincipal, err = parsePrincipal(val, p)
		case "Action":
			s.Action, err = parseStrings(val, p, false)
		case "NotAction":
			s.NotAction, err = parseStrings(val, p, false)
		case "Resource":
			s.Resource, err = parseStrings(val, p, false)
		case "NotResource":
			s.NotResource, err = parseStrings(val, p, false)
		case "Condition":
			s.Condition, err = parseCondition(val, p)
		default:
			s.Extra = append(s.Extra, Field{Name: key, Value: compact(val)})
		}
		return err
	})
	s.keys = keys
	return s, err
}

func parsePrincipal(val json.RawMessage, path string) (*Principal, error) {
	switch kindOf(val) {
	case '"':
		s := decodeString(val)
		if s != "*" {
			return nil, &ParseError{Path: path, Msg: fmt.Sprintf("a principal written as a string must be \"*\", not %q", s)}
		}
		return &Principal{Wildcard: true}, nil
	case '{':
		p := &Principal{Entries: []PrincipalEntry{}}
		_, err := eachMember(val, path, func(key string, v json.RawMessage) error {
			vals, err := parseStrings(v, path+"."+key, false)
			if err != nil {
				return err
			}
			p.Entries = append(p.Entries, PrincipalEntry{Type: key, Values: vals})
			return nil
		})
		return p, err
	default:
		return nil, &ParseError{Path: path, Msg: "must be \"*\" or an object, not " + kindName(kindOf(val))}
	}
}

func parseCondition(val json.RawMessage, path string) (Condition, error) {
	if kindOf(val) != '{' {
		return nil, &ParseError{Path: path, Msg: "must be an object, not " + kindName(kindOf(val))}
	}
	c := Condition{}
	_, err := eachMember(val, path, func(op string, opVal json.RawMessage) error {
		opPath := path + "." + op
		if kindOf(opVal) != '{' {
			return &ParseError{Path: opPath, Msg: "must be an object of condition keys, not " + kindName(kindOf(opVal))}
		}
		o := ConditionOperator{Operator: op, Keys: []ConditionKey{}}
		_, err := eachMember(opVal, opPath, func(key string, v json.RawMessage) error {
			vals, err := parseStrings(v, opPath+"."+key, true)
			if err != nil {
				return err
			}
			o.Keys = append(o.Keys, ConditionKey{Key: key, Values: vals})
			return nil
		})
		c = append(c, o)
		return err
	})
	return c, err
}

func parseStrings(val json.RawMessage, path string, literals bool) (Strings, error) {
	switch k := kindOf(val); k {
	case '"':
		return Strings{Values: []string{decodeString(val)}, Single: true}, nil
	case '[':
		out := Strings{Values: []string{}}
		err := eachItem(val, func(i int, item json.RawMessage) error {
			switch ik := kindOf(item); {
			case ik == '"':
				out.Values = append(out.Values, decodeString(item))
				if out.literal != nil {
					out.literal = append(out.literal, false)
				}
			case literals && (ik == '0' || ik == 't' || ik == 'f'):
				if out.literal == nil {
					out.literal = make([]bool, len(out.Values), len(out.Values)+1)
				}
				out.Values = append(out.Values, string(item))
				out.literal = append(out.literal, true)
			default:
				return &ParseError{Path: fmt.Sprintf("%s[%d]", path, i), Msg: "must be a string, not " + kindName(ik)}
			}
			return nil
		})
		return out, err
	case '0', 't', 'f':
		if literals {
			return Strings{Values: []string{string(val)}, Single: true, literal: []bool{true}}, nil
		}
		fallthrough
	default:
		return Strings{}, &ParseError{Path: path, Msg: "must be a string or a list of strings, not " + kindName(k)}
	}
}

func parseString(val json.RawMessage, path string, dst *string) error {
	if kindOf(val) != '"' {
		return &ParseError{Path: path, Msg: "must be a string, not " + kindName(kindOf(val))}
	}
	*dst = decodeString(val)
	return nil
}

// The functions below walk JSON that Parse has already checked with
// json.Valid, so they need not report syntax errors: each value they hand
// out is an exact sub-slice of the input, without surrounding white space.

// eachMember calls fn for each member of the JSON object data, in order, and
// returns the member names. Duplicate names are rejected: AWS does not say
// which of two would apply, so keeping either would change the policy.
func eachMember(data []byte, path string, fn func(key string, val json.RawMessage) error) ([]string, error) {
	i := skipSpace(data, 0) + 1 // past '{'
	var keys []string
	var seen map[string]bool // once there are many keys, so that the check stays linear
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] == '}' {
			return keys, nil
		}
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
		end := skipString(data, i)
		key := decodeString(data[i:end])
		i = skipSpace(data, end)
		i = skipSpace(data, i+1) // past ':'
		end = skipValue(data, i)
		if seen == nil && len(keys) >= 8 {
			seen = make(map[string]bool, 2*len(keys))
			for _, k := range keys {
				seen[k] = true
			}
		}
		if seen != nil && seen[key] || seen == nil && slices.Contains(keys, key) {
			return nil, &ParseError{Path: joinPath(path, key), Msg: "appears more than once"}
		}
		if seen != nil {
			seen[key] = true
		}
		keys = append(keys, key)
		if err := fn(key, data[i:end]); err != nil {
			return nil, err
		}
		i = end
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// eachItem calls fn for each item of the JSON array data, in order.
func eachItem(data []byte, fn func(i int, item json.RawMessage) error) error {
	i := skipSpace(data, 0) + 1 // past '['
	for n := 0; ; n++ {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] == ']' {
			return nil
		}
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
		end := skipValue(data, i)
		if err := fn(n, data[i:end]); err != nil {
			return err
		}
		i = end
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string starting at data[i].
func skipString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// skipValue returns the index just past the value starting at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = skipString(data, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(data)
	default: // number, true, false, null
		for ; i < len(data); i++ {
			switch data[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
		}
		return i
	}
}

// decodeString decodes the JSON string s (with its quotes) as encoding/json
// does: escapes resolved. Parse has rejected invalid UTF-8 and lone
// surrogates with checkStrings, so nothing is replaced by U+FFFD.
func decodeString(s []byte) string {
	body := s[1 : len(s)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body)
	}
	var out string
	if err := json.Unmarshal(s, &out); err != nil {
		return string(body) // unreachable for input that passed json.Valid
	}
	return out
}

// checkStrings reports the first string in data, which json.Valid accepted,
// that holds invalid UTF-8 or a lone UTF-16 surrogate escape: encoding/json
// would silently turn either into U+FFFD, which would change what the user
// wrote.
func checkStrings(data []byte) error {
	bad := func(i int, msg string) error { return newSyntaxError(data, int64(i), msg) }
	in := false
	for i := 0; i < len(data); {
		c := data[i]
		if !in {
			in = c == '"'
			i++
			continue
		}
		switch {
		case c == '"':
			in = false
			i++
		case c == '\\':
			if data[i+1] != 'u' {
				i += 2
				continue
			}
			r := hex4(data[i+2 : i+6])
			switch {
			case r >= 0xDC00 && r < 0xE000:
				return bad(i, "lone surrogate \\u"+string(data[i+2:i+6])+" in a string")
			case r >= 0xD800 && r < 0xDC00:
				j := i + 6
				if j+6 > len(data) || data[j] != '\\' || data[j+1] != 'u' {
					return bad(i, "lone surrogate \\u"+string(data[i+2:i+6])+" in a string")
				}
				if lo := hex4(data[j+2 : j+6]); lo < 0xDC00 || lo >= 0xE000 {
					return bad(i, "lone surrogate \\u"+string(data[i+2:i+6])+" in a string")
				}
				i = j + 6
			default:
				i += 6
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				return bad(i, "invalid UTF-8 in a string")
			}
			i += size
		}
	}
	return nil
}

// hex4 decodes four hex digits, which json.Valid has checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// kindOf returns the first byte of the JSON value in data: '{', '[', '"',
// 't', 'f', 'n', or '0' for a number.
func kindOf(data []byte) byte {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 {
		return 0
	}
	switch c := data[0]; c {
	case '{', '[', '"', 't', 'f', 'n':
		return c
	default:
		return '0'
	}
}

func kindName(k byte) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '0':
		return "a number"
	default:
		return "nothing"
	}
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return append(json.RawMessage(nil), raw...)
	}
	return b.Bytes()
}

// syntaxError locates the first JSON syntax error in data.
func syntaxError(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		msg := "unexpected end of JSON input"
		if err != nil {
			msg = err.Error()
		}
		return newSyntaxError(data, int64(len(data)), msg)
	}
	// encoding/json counts the offending byte as read; point at it, except
	// at the end of the input where there is no byte to point at.
	offset := se.Offset
	if offset > 0 && offset <= int64(len(data)) && !strings.HasPrefix(se.Error(), "unexpected end") {
		offset--
	}
	return newSyntaxError(data, offset, se.Error())
}

func newSyntaxError(data []byte, offset int64, msg string) *SyntaxError {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Offset: offset, Line: line, Column: col, Msg: msg}
}
