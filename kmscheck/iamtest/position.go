package iamtest

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// span is where one statement is in a policy's text.
type span struct{ start, end types.Position }

// statementSpans returns the position of each statement of a policy's
// text, in order: from its opening brace to its closing brace, lines and
// columns counted from 1. It returns nil for text it cannot walk (which
// parsePolicy has already refused).
func statementSpans(text string) []span {
	dec := json.NewDecoder(strings.NewReader(text))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "Statement" {
			if !skipValue(dec) {
				return nil
			}
			continue
		}
		off := skipSeparators(text, int(dec.InputOffset()))
		if off >= len(text) {
			return nil
		}
		if text[off] == '{' {
			if !skipValue(dec) {
				return nil
			}
			return []span{spanOf(text, off, int(dec.InputOffset()))}
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return nil
		}
		var out []span
		for dec.More() {
			start := skipSeparators(text, int(dec.InputOffset()))
			if !skipValue(dec) {
				return nil
			}
			out = append(out, spanOf(text, start, int(dec.InputOffset())))
		}
		return out
	}
	return nil
}

// skipSeparators skips white space, colons and commas from off.
func skipSeparators(text string, off int) int {
	for off < len(text) && strings.IndexByte(" \t\r\n:,", text[off]) >= 0 {
		off++
	}
	return off
}

// skipValue reads one whole JSON value from dec.
func skipValue(dec *json.Decoder) bool {
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return true
		}
	}
}

// spanOf returns the span from text[start] to text[end-1].
func spanOf(text string, start, end int) span {
	return span{start: position(text, start), end: position(text, end-1)}
}

func position(text string, off int) types.Position {
	line := 1 + strings.Count(text[:off], "\n")
	col := off - strings.LastIndexByte(text[:off], '\n')
	return types.Position{Line: int32(line), Column: int32(col)}
}
