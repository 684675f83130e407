package keypolicy

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// SidDefaultIAMUserPermissions is the Sid of the statement of the AWS default
// key policy that delegates access to the account's IAM policies.
const SidDefaultIAMUserPermissions = "Enable IAM User Permissions"

// DefaultKeyPolicyID is the Id of the AWS default key policy.
const DefaultKeyPolicyID = "key-default-1"

// DefaultKeyPolicy returns the key policy AWS gives a KMS key created without
// one: the statement "Enable IAM User Permissions", which allows kms:* to the
// account root arn:PARTITION:iam::ACCOUNT:root and so delegates access to the
// account's IAM policies.
//
// Partition is an AWS partition such as "aws" or "aws-cn"; if empty, "aws" is
// used. An account that is not 12 digits or an unknown partition returns a
// [*ParamError].
func DefaultKeyPolicy(account, partition string) (*Document, error) {
	if !accountRE.MatchString(account) {
		return nil, &ParamError{Field: "Account", Value: account, Reason: "must be 12 digits"}
	}
	if partition == "" {
		partition = "aws"
	}
	if !knownPartition(partition) {
		return nil, &ParamError{Field: "Partition", Value: partition, Reason: "is not an AWS partition"}
	}
	return &Document{
		Version: Version2012,
		ID:      DefaultKeyPolicyID,
		Statement: []Statement{{
			Sid:       SidDefaultIAMUserPermissions,
			Effect:    EffectAllow,
			Principal: AWSPrincipal("arn:" + partition + ":iam::" + account + ":root"),
			Action:    One("kms:*"),
			Resource:  One("*"),
		}},
	}, nil
}

// Merge returns a new key policy with the statements of base followed by the
// statements of add that base does not already have. Neither argument is
// modified.
//
// Every statement, field and value of base is kept unchanged and in order;
// Merge only appends. A statement of add is skipped when the policy already
// has an equivalent statement with the same Sid (for a statement without a
// Sid: any equivalent statement), so merging twice gives the same policy as
// merging once. A statement whose Sid is already used by a different
// statement is never overwritten: Merge returns a [*ConflictError], which
// unwraps to [ErrConflict].
//
// Two statements are equivalent when they mean the same to IAM as far as
// their text goes: field order, the order and repetition of values, the
// choice between a string and a one-item list, and the case of condition key
// names do not matter; everything else does.
//
// If base has no Version and no statements, the result takes add's Version.
// A nil base or add returns a [*ParamError] (Field "base" or "add"). Merge
// takes time linear in the size of its arguments (up to the sorting of each
// statement's values); it does not check the size of the result against
// [MaxPolicyBytes].
//
//	merged, err := keypolicy.Merge(existing, generated)
//	var ce *keypolicy.ConflictError
//	if errors.As(err, &ce) {
//		fmt.Println("the key policy already has a different statement", ce.Sid)
//	}
func Merge(base, add *Document) (*Document, error) {
	if base == nil {
		return nil, &ParamError{Field: "base", Reason: "is a nil document"}
	}
	if add == nil {
		return nil, &ParamError{Field: "add", Reason: "is a nil document"}
	}
	out := base.Clone()
	if out.Version == "" && len(out.Statement) == 0 && !slices.Contains(out.keys, "Version") {
		out.Version = add.Version
	}
	if out.Statement == nil && len(add.Statement) > 0 {
		out.Statement = make([]Statement, 0, len(add.Statement))
	}
	// bySid indexes the statements of out by Sid, so that Merge stays
	// linear in the size of its input; canon[j] is the canonical form of
	// out.Statement[j], computed only for statements whose Sid comes up
	// ("" until then: canonical is never "").
	bySid := make(map[string][]int, len(out.Statement)+len(add.Statement))
	for j := range out.Statement {
		bySid[out.Statement[j].Sid] = append(bySid[out.Statement[j].Sid], j)
	}
	canon := make([]string, len(out.Statement), len(out.Statement)+len(add.Statement))
	for i := range add.Statement {
		s := &add.Statement[i]
		c := s.canonical()
		present, conflict := -1, -1
		for _, j := range bySid[s.Sid] {
			if canon[j] == "" {
				canon[j] = out.Statement[j].canonical()
			}
			if canon[j] == c {
				present = j
				break
			}
			if s.Sid != "" && conflict < 0 {
				conflict = j
			}
		}
		switch {
		case present >= 0:
			continue
		case conflict >= 0:
			return nil, &ConflictError{Sid: s.Sid, Existing: out.Statement[conflict].Clone(), Incoming: s.Clone()}
		}
		bySid[s.Sid] = append(bySid[s.Sid], len(out.Statement))
		out.Statement = append(out.Statement, s.Clone())
		canon = append(canon, c)
	}
	return out, nil
}

// Equivalent reports whether s and t mean the same, in the sense [Merge]
// uses: field order, value order and repetition, the string or one-item list
// form, and the case of condition key names are ignored.
func (s Statement) Equivalent(t Statement) bool { return s.canonical() == t.canonical() }

// canonical returns a string that is equal for two statements exactly when
// they are equivalent. Each part is written as JSON so that no value can be
// confused with a separator.
func (s *Statement) canonical() string {
	var b []byte
	b = appendString(b, s.Sid)
	b = appendString(b, s.Effect)
	b = appendCanonicalPrincipal(b, s.Principal)
	b = appendCanonicalPrincipal(b, s.NotPrincipal)
	for _, v := range []Strings{s.Action, s.NotAction, s.Resource, s.NotResource} {
		b = appendCanonicalStrings(b, v)
	}
	// Condition: operators sorted, each with its keys lower-cased and sorted;
	// an operator repeated with different keys is folded together.
	type key struct{ op, key string }
	var keys []key
	vals := map[key][]string{}
	for _, op := range s.Condition {
		for _, k := range op.Keys {
			kk := key{op.Operator, strings.ToLower(k.Key)}
			if _, ok := vals[kk]; !ok {
				keys = append(keys, kk)
			}
			vals[kk] = append(vals[kk], k.Values.Values...)
		}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if c := strings.Compare(x.op, y.op); c != 0 {
			return c
		}
		return strings.Compare(x.key, y.key)
	})
	b = append(b, '{')
	for _, k := range keys {
		b = appendString(b, k.op)
		b = appendString(b, k.key)
		b = appendSet(b, vals[k])
	}
	b = append(b, '}')
	// Unknown fields: by name, with their JSON values in a canonical form.
	extra := make([]string, 0, len(s.Extra))
	for _, f := range s.Extra {
		extra = append(extra, string(appendString(nil, f.Name))+":"+canonicalJSON(f.Value))
	}
	slices.Sort(extra)
	for _, e := range extra {
		b = append(b, e...)
	}
	return string(b)
}

func appendCanonicalPrincipal(b []byte, p *Principal) []byte {
	switch {
	case p == nil:
		return append(b, '-')
	case p.Wildcard:
		return append(b, '*')
	}
	var types []string
	vals := map[string][]string{}
	for _, e := range p.Entries {
		if _, ok := vals[e.Type]; !ok {
			types = append(types, e.Type)
		}
		vals[e.Type] = append(vals[e.Type], e.Values.Values...)
	}
	slices.Sort(types)
	b = append(b, '{')
	for _, t := range types {
		b = appendString(b, t)
		b = appendSet(b, vals[t])
	}
	return append(b, '}')
}

func appendCanonicalStrings(b []byte, s Strings) []byte {
	if s.IsZero() {
		return append(b, '-')
	}
	return appendSet(b, s.Values)
}

// appendSet appends vs sorted and without repetitions.
func appendSet(b []byte, vs []string) []byte {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	vs = slices.Compact(vs)
	b = append(b, '[')
	for _, v := range vs {
		b = appendString(b, v)
	}
	return append(b, ']')
}

// canonicalJSON returns raw with object members sorted, so that two values
// that differ only in member order compare equal.
func canonicalJSON(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(out)
}
