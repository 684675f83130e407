package agentcore

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Tag limits of the AgentCore APIs (TagsMap in the control-plane and
// data-plane API references: CreatePolicyEngine, TagResource,
// StartBatchEvaluation).
const (
	// MaxTags is the most tags one resource or request may carry.
	MaxTags = 50
	// MaxTagKeyChars and MaxTagValueChars are the length limits of a tag
	// key (at least one character) and of a tag value (possibly empty).
	MaxTagKeyChars   = 128
	MaxTagValueChars = 256
	// ReservedTagPrefix starts the tag keys AWS reserves for itself; a
	// request may not set them (AWS tagging rules: "aws:" prefixed keys
	// cannot be added, edited or deleted).
	ReservedTagPrefix = "aws:"
)

// CheckTags reports the first problem with tags, in key order, as an
// *InputError for Field "tags" (Value is the offending key), or nil when
// every tag follows the documented rules: at most [MaxTags] tags; keys of 1
// to [MaxTagKeyChars] characters, values of at most [MaxTagValueChars], both
// of the pattern [a-zA-Z0-9\s._:/=+@-]*; no key starting with
// [ReservedTagPrefix] (in any case).
func CheckTags(tags map[string]string) error {
	if len(tags) > MaxTags {
		return &InputError{Field: "tags", Reason: "has more than 50 tags"}
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if reason := tagProblem(k, tags[k]); reason != "" {
			return &InputError{Field: "tags", Value: k, Reason: reason}
		}
	}
	return nil
}

// CheckTagKeys reports the first problem with a list of tag keys to remove
// (UntagResource's tagKeys: at most 200 keys, each a valid, unreserved tag
// key), or nil.
func CheckTagKeys(keys []string) error {
	const maxKeys = 200
	if len(keys) > maxKeys {
		return &InputError{Field: "tagKeys", Reason: "has more than 200 keys"}
	}
	for _, k := range keys {
		if reason := tagProblem(k, ""); reason != "" {
			return &InputError{Field: "tagKeys", Value: k, Reason: reason}
		}
	}
	return nil
}

func tagProblem(k, v string) string {
	switch n := utf8.RuneCountInString(k); {
	case n == 0:
		return "tag key is empty"
	case n > MaxTagKeyChars:
		return "tag key is longer than 128 characters"
	case !tagChars(k):
		return `tag key has a character outside [a-zA-Z0-9\s._:/=+@-]`
	case strings.HasPrefix(strings.ToLower(k), ReservedTagPrefix):
		return "tag key starts with the reserved prefix aws:"
	case utf8.RuneCountInString(v) > MaxTagValueChars:
		return "tag value is longer than 256 characters"
	case !tagChars(v):
		return `tag value has a character outside [a-zA-Z0-9\s._:/=+@-]`
	}
	return ""
}

// tagChars reports whether s matches [a-zA-Z0-9\s._:/=+@-]* (\s as in the
// Java patterns of the API models: space, \t, \n, \v, \f, \r).
func tagChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte(" \t\n\v\f\r._:/=+@-", c) >= 0:
		default:
			return false
		}
	}
	return true
}
