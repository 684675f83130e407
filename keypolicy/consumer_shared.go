package keypolicy

import "strings"

// Use is one consumer of a key shared by several: its name and parameters.
type Use struct {
	Consumer string
	Params   Params
}

// Shared returns one key policy for a key that several consumers share,
// and the requirements of them all, mapped to the statements of that
// policy.
//
// The statements come in the order of uses. A statement whose Sid an
// earlier consumer already wrote with the same content (see
// [Statement.Equivalent]) is written once. Several consumers document the
// same Sid for different statements (AllowCallerAccess,
// AllowCallerCryptoOps): a later one is written as "SID for CONSUMER"
// (hyphens of the name read as spaces, such as "AllowCallerAccess for
// dataset"), and its requirements name that Sid, so that [Analyze] and
// [Merge] keep working.
//
// A consumer whose policy is an identity policy (memory) cannot share a key
// policy: Shared returns a [*ParamError] for it, as it does for an unknown
// name, no uses, or invalid parameters.
func Shared(uses []Use) (*Document, []Requirement, error) {
	if len(uses) == 0 {
		return nil, nil, &ParamError{Field: "uses", Reason: "is empty: name at least one consumer"}
	}
	out := &Document{Version: Version2012}
	var reqs []Requirement
	bySid := map[string]int{} // Sid -> index in out.Statement
	seen := map[string]bool{} // consumers
	for _, u := range uses {
		c, err := consumerOrError(u.Consumer)
		if err != nil {
			return nil, nil, err
		}
		if c.Kind != KeyPolicy {
			return nil, nil, &ParamError{Field: "consumer", Value: c.Name, Reason: "documents an IAM " + c.Kind.String() + ", which cannot be part of a key policy"}
		}
		if seen[c.Name] {
			return nil, nil, &ParamError{Field: "consumer", Value: c.Name, Reason: "is listed twice"}
		}
		seen[c.Name] = true
		doc, err := c.For(u.Params)
		if err != nil {
			return nil, nil, err
		}
		rs, err := c.Requirements(u.Params)
		if err != nil {
			return nil, nil, err
		}
		renamed := map[string]string{}
		for _, s := range doc.Statement {
			if i, ok := bySid[s.Sid]; ok {
				if out.Statement[i].Equivalent(s) {
					continue
				}
				renamed[s.Sid] = s.Sid + " for " + strings.ReplaceAll(c.Name, "-", " ")
				s.Sid = renamed[s.Sid]
			}
			bySid[s.Sid] = len(out.Statement)
			out.Statement = append(out.Statement, s)
		}
		for i := range rs {
			if sid, ok := renamed[rs[i].Statement]; ok {
				rs[i].Statement = sid
			}
		}
		reqs = append(reqs, rs...)
	}
	return out, reqs, nil
}
