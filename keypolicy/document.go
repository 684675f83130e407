package keypolicy

import "encoding/json"

// Version2012 is the current policy language version, the one AgentCore documents.
const Version2012 = "2012-10-17"

// Version2008 is the older policy language version, which AWS still accepts.
const Version2008 = "2008-10-17"

// Effects of a statement.
const (
	EffectAllow = "Allow"
	EffectDeny  = "Deny"
)

// Principal types of a [Principal] entry.
const (
	PrincipalAWS           = "AWS"
	PrincipalService       = "Service"
	PrincipalFederated     = "Federated"
	PrincipalCanonicalUser = "CanonicalUser"
)

// Document is a KMS key policy.
//
// Its fields follow AWS's order. A Document returned by [Parse] also remembers
// the order in which fields were written, the form of every value (a string or
// a list) and every field it does not know, so that marshalling it writes back
// everything that was read. The zero Document is empty and valid to marshal.
//
// A Document is not safe for concurrent use while it is being modified.
type Document struct {
	Version   string
	ID        string // written as "Id"
	Statement []Statement
	// SingleStatement reports whether Statement is written as one object
	// instead of a list. It is honoured only when there is exactly one
	// statement.
	SingleStatement bool
	// Extra holds the fields this package does not model, in the order read.
	Extra []Field

	keys []string // field names in the order they were parsed
}

// Statement is one statement of a key policy.
type Statement struct {
	Sid          string
	Effect       string
	Principal    *Principal
	NotPrincipal *Principal
	Action       Strings
	NotAction    Strings
	Resource     Strings
	NotResource  Strings
	Condition    Condition
	// Extra holds the fields this package does not model, in the order read.
	Extra []Field

	keys []string
}

// Field is a JSON member that this package keeps without interpreting it.
type Field struct {
	Name  string
	Value json.RawMessage // compact JSON
}

// Strings is a JSON value written either as one string or as a list of
// strings. In conditions, list items may also be JSON numbers or booleans;
// they are held as their literal text and written back unquoted.
//
// A nil Values means the field is absent; a non-nil empty Values is an empty
// list.
type Strings struct {
	Values []string
	// Single reports whether the value is written as a single string rather
	// than a list. It is honoured only when len(Values) == 1.
	Single bool

	literal []bool // literal[i]: Values[i] was a JSON number or boolean
}

// One returns Strings holding the single value v, written as a string.
func One(v string) Strings { return Strings{Values: []string{v}, Single: true} }

// List returns Strings holding vs, written as a list even when it has one item.
func List(vs ...string) Strings {
	if vs == nil {
		vs = []string{}
	}
	return Strings{Values: vs}
}

// IsZero reports whether s is absent.
func (s Strings) IsZero() bool { return s.Values == nil }

// IsLiteral reports whether Values[i] was read as a JSON number or boolean
// rather than a string.
func (s Strings) IsLiteral(i int) bool { return i < len(s.literal) && s.literal[i] }

// Principal is the Principal or NotPrincipal of a statement: either the
// wildcard "*" or a list of typed entries such as {"AWS": [...]}.
type Principal struct {
	// Wildcard reports whether the principal is written as the string "*".
	Wildcard bool
	// Entries are the typed principals in the order written.
	Entries []PrincipalEntry
}

// PrincipalEntry is one member of a principal object, such as "AWS" or "Service".
type PrincipalEntry struct {
	Type   string
	Values Strings
}

// Values returns all values of entries of type typ, such as [PrincipalAWS].
func (p *Principal) Values(typ string) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, e := range p.Entries {
		if e.Type == typ {
			out = append(out, e.Values.Values...)
		}
	}
	return out
}

// AWSPrincipal returns a principal {"AWS": arn} with a single ARN.
func AWSPrincipal(arn string) *Principal {
	return &Principal{Entries: []PrincipalEntry{{Type: PrincipalAWS, Values: One(arn)}}}
}

// ServicePrincipal returns a principal {"Service": name} with a single service.
func ServicePrincipal(name string) *Principal {
	return &Principal{Entries: []PrincipalEntry{{Type: PrincipalService, Values: One(name)}}}
}

// Condition is the Condition block of a statement: operators in the order
// written, each with its keys in the order written. A nil Condition is
// absent; a non-nil empty one is written as {}.
type Condition []ConditionOperator

// ConditionOperator is one operator of a Condition block, such as
// "StringEquals" or "ForAllValues:StringLike", with its keys.
type ConditionOperator struct {
	Operator string
	Keys     []ConditionKey
}

// ConditionKey is one condition key with its values, such as
// "kms:ViaService": "bedrock-agentcore.us-east-1.amazonaws.com".
type ConditionKey struct {
	Key    string
	Values Strings
}

// Get returns the values of key under operator, and reports whether it was
// found. Operator names match exactly; keys match case-insensitively, as IAM
// does.
func (c Condition) Get(operator, key string) (Strings, bool) {
	for _, op := range c {
		if op.Operator != operator {
			continue
		}
		for _, k := range op.Keys {
			if equalFold(k.Key, key) {
				return k.Values, true
			}
		}
	}
	return Strings{}, false
}

// Clone returns a deep copy of d.
func (d *Document) Clone() *Document {
	if d == nil {
		return nil
	}
	c := *d
	if d.Statement != nil {
		c.Statement = make([]Statement, len(d.Statement))
		for i := range d.Statement {
			c.Statement[i] = d.Statement[i].Clone()
		}
	}
	c.Extra = cloneFields(d.Extra)
	c.keys = append([]string(nil), d.keys...)
	return &c
}

// Clone returns a deep copy of s.
func (s Statement) Clone() Statement {
	c := s
	c.Principal = s.Principal.clone()
	c.NotPrincipal = s.NotPrincipal.clone()
	c.Action = s.Action.clone()
	c.NotAction = s.NotAction.clone()
	c.Resource = s.Resource.clone()
	c.NotResource = s.NotResource.clone()
	if s.Condition != nil {
		c.Condition = make(Condition, len(s.Condition))
		for i, op := range s.Condition {
			keys := make([]ConditionKey, len(op.Keys))
			for j, k := range op.Keys {
				keys[j] = ConditionKey{Key: k.Key, Values: k.Values.clone()}
			}
			c.Condition[i] = ConditionOperator{Operator: op.Operator, Keys: keys}
		}
	}
	c.Extra = cloneFields(s.Extra)
	c.keys = append([]string(nil), s.keys...)
	return c
}

func (p *Principal) clone() *Principal {
	if p == nil {
		return nil
	}
	c := &Principal{Wildcard: p.Wildcard}
	if p.Entries != nil {
		c.Entries = make([]PrincipalEntry, len(p.Entries))
		for i, e := range p.Entries {
			c.Entries[i] = PrincipalEntry{Type: e.Type, Values: e.Values.clone()}
		}
	}
	return c
}

func (s Strings) clone() Strings {
	if s.Values == nil {
		return s
	}
	return Strings{
		Values:  append([]string{}, s.Values...),
		Single:  s.Single,
		literal: append([]bool(nil), s.literal...),
	}
}

func cloneFields(fs []Field) []Field {
	if fs == nil {
		return nil
	}
	out := make([]Field, len(fs))
	for i, f := range fs {
		out[i] = Field{Name: f.Name, Value: append(json.RawMessage(nil), f.Value...)}
	}
	return out
}

// equalFold is an ASCII-only strings.EqualFold: IAM condition keys are ASCII.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
