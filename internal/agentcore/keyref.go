package agentcore

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/internal/awspartition"
)

// RefForm is the form of a key reference.
type RefForm int

// Key reference forms, as the KMS API reference lists them for KeyId.
const (
	// FormKeyID is a bare key id: a UUID, or a multi-Region key id
	// "mrk-" followed by 32 hex digits.
	FormKeyID RefForm = iota + 1
	// FormKeyARN is arn:PARTITION:kms:REGION:ACCOUNT:key/KEY_ID.
	FormKeyARN
	// FormAliasName is alias/NAME.
	FormAliasName
	// FormAliasARN is arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME.
	FormAliasARN
)

// KeyRef is a key reference that [ParseKeyRef] accepted.
type KeyRef struct {
	// Raw is the reference as given.
	Raw  string
	Form RefForm
	// Partition, Region and Account are set for the two ARN forms.
	Partition, Region, Account string
	// KeyID is set for FormKeyID and FormKeyARN.
	KeyID string
	// Alias is "alias/NAME" for FormAliasName and FormAliasARN.
	Alias string
}

// IsAlias reports whether r names an alias rather than a key.
func (r KeyRef) IsAlias() bool { return r.Form == FormAliasName || r.Form == FormAliasARN }

// KeyRefRules says which references a caller accepts.
type KeyRefRules struct {
	// Field names the input in errors, such as "KeyARN".
	Field string
	// KeyARNOnly accepts only FormKeyARN, as every AgentCore key field does
	// (its API pattern allows no alias and no bare key id).
	KeyARNOnly bool
	// Region, if set, is the Region of the client: an ARN must be in its
	// partition, and, with SameRegion, in that Region.
	Region string
	// SameRegion requires an ARN's Region to equal Region.
	SameRegion bool
}

// ParseKeyRef validates s as a KMS key reference under rules, following the
// KeyId documentation of the KMS API reference and the key-field patterns of
// the AgentCore API reference:
//
//   - a key id is a UUID or "mrk-" followed by 32 hex digits;
//   - an ARN has service kms, a 12-digit account, a Region of its
//     partition, and the resource key/KEY_ID or alias/NAME;
//   - an alias name is alias/ followed by [a-zA-Z0-9/_-], never under
//     alias/aws/ (AWS managed keys cannot be used with AgentCore);
//   - the whole reference is at most MaxKeyIDChars long.
//
// The error is an [*InputError] naming rules.Field.
func ParseKeyRef(s string, rules KeyRefRules) (KeyRef, error) {
	field := rules.Field
	if field == "" {
		field = "KeyId"
	}
	bad := func(reason string) (KeyRef, error) {
		return KeyRef{}, &InputError{Field: field, Value: s, Reason: reason}
	}
	const example = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	switch {
	case s == "":
		return bad("is required")
	case len(s) > MaxKeyIDChars:
		return bad("is longer than 2048 characters")
	}
	ref := KeyRef{Raw: s}
	if !strings.HasPrefix(s, "arn:") {
		if rules.KeyARNOnly {
			return bad("must be a key ARN such as " + example + " (no alias, no bare key id)")
		}
		if strings.HasPrefix(s, "alias/") {
			if reason := aliasProblem(s); reason != "" {
				return bad(reason)
			}
			ref.Form, ref.Alias = FormAliasName, s
			return ref, nil
		}
		if !IsKeyID(s) {
			return bad("is not a key id (a UUID or mrk- id), key ARN, alias name or alias ARN")
		}
		ref.Form, ref.KeyID = FormKeyID, s
		return ref, nil
	}
	a, err := arn.Parse(s)
	if err != nil || a.Service != "kms" {
		return bad("is not a KMS ARN such as " + example)
	}
	if !isAccount(a.AccountID) {
		return bad("has no 12-digit account")
	}
	p, ok := awspartition.ForRegion(a.Region)
	if !ok || p.ID != a.Partition {
		return bad("names Region " + quoteShort(a.Region) + ", which is not in partition " + quoteShort(a.Partition))
	}
	ref.Partition, ref.Region, ref.Account = a.Partition, a.Region, a.AccountID
	switch {
	case strings.HasPrefix(a.Resource, "key/"):
		id := a.Resource[len("key/"):]
		if !IsKeyID(id) {
			return bad("has a key id that is neither a UUID nor an mrk- id")
		}
		ref.Form, ref.KeyID = FormKeyARN, id
	case strings.HasPrefix(a.Resource, "alias/"):
		if rules.KeyARNOnly {
			return bad("is an alias ARN; give the key ARN (DescribeKey resolves an alias to it)")
		}
		if reason := aliasProblem(a.Resource); reason != "" {
			return bad(reason)
		}
		ref.Form, ref.Alias = FormAliasARN, a.Resource
	default:
		return bad("is not the ARN of a KMS key or alias")
	}
	if rules.Region != "" {
		want, ok := awspartition.ForRegion(rules.Region)
		if ok && want.ID != ref.Partition {
			return bad("is in partition " + ref.Partition + " but the client is in " + want.ID + " (" + rules.Region + ")")
		}
		if rules.SameRegion && ref.Region != rules.Region {
			return bad("is in Region " + ref.Region + "; the key must be in the same Region as the resource (" + rules.Region + ")")
		}
	}
	return ref, nil
}

// IsKeyID reports whether s is a KMS key id: a lowercase or uppercase UUID
// (8-4-4-4-12 hex digits), or "mrk-" followed by 32 hex digits.
func IsKeyID(s string) bool {
	if rest, ok := strings.CutPrefix(s, "mrk-"); ok {
		return len(rest) == 32 && isHex(rest)
	}
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i : i+1]) {
				return false
			}
		}
	}
	return true
}

// aliasProblem returns why name (alias/...) is not an alias AgentCore can
// use, or "".
func aliasProblem(name string) string {
	rest := name[len("alias/"):]
	switch {
	case rest == "":
		return "has no alias name after alias/"
	case len(name) > 256:
		return "is longer than 256 characters"
	case strings.HasPrefix(name, "alias/aws/"):
		return "names an AWS managed key (alias/aws/...), which AgentCore cannot use; give a customer managed key"
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-') {
			return "has a character outside [a-zA-Z0-9/_-] in its alias name"
		}
	}
	return ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func quoteShort(s string) string { return quote(s) }
