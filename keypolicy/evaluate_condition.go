package keypolicy

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type baseOp uint8

const (
	opStringEquals baseOp = iota + 1
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnEquals
	opArnLike
	opNull
)

type setQualifier uint8

const (
	setNone setQualifier = iota
	setAnyValue
	setAllValues
)

// operator is a parsed condition operator name.
type operator struct {
	base     baseOp
	negated  bool
	ifExists bool
	set      setQualifier
}

// baseOperator returns the operator without qualifiers named name.
func baseOperator(name string) (operator, bool) {
	switch name {
	case "StringEquals":
		return operator{base: opStringEquals}, true
	case "StringNotEquals":
		return operator{base: opStringEquals, negated: true}, true
	case "StringEqualsIgnoreCase":
		return operator{base: opStringEqualsIgnoreCase}, true
	case "StringNotEqualsIgnoreCase":
		return operator{base: opStringEqualsIgnoreCase, negated: true}, true
	case "StringLike":
		return operator{base: opStringLike}, true
	case "StringNotLike":
		return operator{base: opStringLike, negated: true}, true
	case "NumericEquals":
		return operator{base: opNumericEquals}, true
	case "NumericNotEquals":
		return operator{base: opNumericEquals, negated: true}, true
	case "NumericLessThan":
		return operator{base: opNumericLessThan}, true
	case "NumericLessThanEquals":
		return operator{base: opNumericLessThanEquals}, true
	case "NumericGreaterThan":
		return operator{base: opNumericGreaterThan}, true
	case "NumericGreaterThanEquals":
		return operator{base: opNumericGreaterThanEquals}, true
	case "DateEquals":
		return operator{base: opDateEquals}, true
	case "DateNotEquals":
		return operator{base: opDateEquals, negated: true}, true
	case "DateLessThan":
		return operator{base: opDateLessThan}, true
	case "DateLessThanEquals":
		return operator{base: opDateLessThanEquals}, true
	case "DateGreaterThan":
		return operator{base: opDateGreaterThan}, true
	case "DateGreaterThanEquals":
		return operator{base: opDateGreaterThanEquals}, true
	case "Bool":
		return operator{base: opBool}, true
	case "BinaryEquals":
		return operator{base: opBinaryEquals}, true
	case "IpAddress":
		return operator{base: opIPAddress}, true
	case "NotIpAddress":
		return operator{base: opIPAddress, negated: true}, true
	case "ArnEquals":
		return operator{base: opArnEquals}, true
	case "ArnNotEquals":
		return operator{base: opArnEquals, negated: true}, true
	case "ArnLike":
		return operator{base: opArnLike}, true
	case "ArnNotLike":
		return operator{base: opArnLike, negated: true}, true
	case "Null":
		return operator{base: opNull}, true
	}
	return operator{}, false
}

// parseOperator parses names such as "ForAllValues:StringLikeIfExists".
// It reports false for an operator this package does not know.
func parseOperator(name string) (operator, bool) {
	set := setNone
	if rest, ok := strings.CutPrefix(name, "ForAllValues:"); ok {
		name, set = rest, setAllValues
	} else if rest, ok := strings.CutPrefix(name, "ForAnyValue:"); ok {
		name, set = rest, setAnyValue
	}
	op, ok := baseOperator(name)
	if !ok {
		base, cut := strings.CutSuffix(name, "IfExists")
		if !cut {
			return operator{}, false
		}
		op, ok = baseOperator(base)
		if !ok || op.base == opNull {
			return operator{}, false // NullIfExists is not an operator
		}
		op.ifExists = true
	}
	if op.base == opNull && set != setNone {
		return operator{}, false
	}
	op.set = set
	return op, true
}

// multiValuedKey reports whether key can hold several values in a request,
// so that a condition on it needs ForAllValues: or ForAnyValue:. This is
// the one list of such keys.
func multiValuedKey(key string) bool {
	for _, k := range [...]string{
		"kms:GrantOperations", "kms:EncryptionContextKeys", "kms:ResourceAliases",
		"aws:TagKeys", "aws:CalledVia", "aws:PrincipalOrgPaths", "aws:ResourceOrgPaths",
		"aws:SourceOrgPaths", "aws:PrincipalServiceNamesList",
	} {
		if equalFold(k, key) {
			return true
		}
	}
	return false
}

// undecidable reports whether o on key has no outcome AWS documents: an
// operator without ForAllValues: or ForAnyValue: (other than Null) on a
// multivalued key.
func (o operator) undecidable(key string) bool {
	return o.set == setNone && o.base != opNull && multiValuedKey(key)
}

// conditionHolds reports whether every operator and key of c holds in e,
// and whether it failed because the condition cannot be evaluated: an
// unknown operator, or a single-valued operator on a multivalued key.
// Those are looked for first, so the answer does not depend on order.
func conditionHolds(c Condition, e *env, why *string) (ok, unknown bool) {
	for _, op := range c {
		o, known := parseOperator(op.Operator)
		if !known {
			if why != nil {
				*why = "condition operator " + strconv.Quote(op.Operator) + " is not supported, so the statement never matches"
			}
			return false, true
		}
		for _, k := range op.Keys {
			if o.undecidable(k.Key) {
				if why != nil {
					*why = "condition " + op.Operator + " on multivalued key " + k.Key + " has no documented outcome without ForAllValues: or ForAnyValue:, so the statement is taken not to match"
				}
				return false, true
			}
		}
	}
	for _, op := range c {
		o, _ := parseOperator(op.Operator)
		for _, k := range op.Keys {
			vals, present := e.get(k.Key)
			if !o.holds(k.Values.Values, vals, present, e) {
				if why != nil {
					*why = conditionReason(op.Operator, k, vals, present)
				}
				return false, false
			}
		}
	}
	return true, false
}

func conditionReason(op string, k ConditionKey, vals []string, present bool) string {
	want := op + " " + k.Key + " " + quoteList(k.Values.Values)
	if !present {
		return "condition " + want + " is false: the request has no " + k.Key
	}
	return "condition " + want + " is false for the request's " + quoteList(vals)
}

// holds evaluates one key of an operator: policy values pvs (ORed) against
// the request values rvs, with e for policy variables.
func (o operator) holds(pvs, rvs []string, present bool, e *env) bool {
	if o.base == opNull {
		for _, pv := range pvs {
			if b, ok := parseBool(pv); ok && b != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case o.set == setAllValues:
			return true
		case o.ifExists:
			return true
		case o.set == setAnyValue:
			return false
		}
		return o.negated
	}
	switch o.set {
	case setAnyValue:
		for _, rv := range rvs {
			if o.matchValue(rv, pvs, e) != o.negated {
				return true
			}
		}
		return false
	default:
		// ForAllValues: every request value must satisfy the operator.
		// Without a qualifier, a positive operator needs one request value
		// to match and a negated one needs none to match.
		if o.negated || o.set == setAllValues {
			for _, rv := range rvs {
				if o.matchValue(rv, pvs, e) == o.negated {
					return false
				}
			}
			return true
		}
		for _, rv := range rvs {
			if o.matchValue(rv, pvs, e) {
				return true
			}
		}
		return false
	}
}

// matchValue reports whether request value rv matches any policy value,
// with the positive form of the operator. Policy variables in the values
// of string and ARN operators are expanded when e says so; a value whose
// variable has no value matches nothing.
func (o operator) matchValue(rv string, pvs []string, e *env) bool {
	for _, pv := range pvs {
		if e.vars && o.takesVariables() && hasVariable(pv) {
			x, escaped, ok := expand(pv, e, o.base == opStringLike || o.base == opArnLike || o.base == opArnEquals)
			if ok && o.matchExpanded(x, rv, escaped) {
				return true
			}
			continue
		}
		if o.match(pv, rv) {
			return true
		}
	}
	return false
}

// takesVariables reports whether policy variables are expanded in the
// values of o: the string and ARN operators.
func (o operator) takesVariables() bool {
	switch o.base {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opArnEquals, opArnLike:
		return true
	}
	return false
}

// matchExpanded is match for a policy value with its variables expanded;
// if escaped, the wildcards of x are escaped as [expand] writes them.
func (o operator) matchExpanded(x, rv string, escaped bool) bool {
	if !escaped {
		return o.match(x, rv)
	}
	switch o.base {
	case opStringLike:
		return globEscaped(x, rv, false)
	case opArnLike, opArnEquals:
		return arnMatchEscaped(x, rv)
	}
	return o.match(x, rv)
}

func (o operator) match(pv, rv string) bool {
	switch o.base {
	case opStringEquals, opBinaryEquals:
		return pv == rv
	case opStringEqualsIgnoreCase:
		return strings.EqualFold(pv, rv)
	case opStringLike:
		return glob(pv, rv, false)
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		a, err1 := strconv.ParseFloat(rv, 64)
		b, err2 := strconv.ParseFloat(pv, 64)
		if err1 != nil || err2 != nil || math.IsNaN(a) || math.IsNaN(b) {
			return false
		}
		return compare(o.base-opNumericEquals, cmp3(a, b))
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		a, ok1 := parseDate(rv)
		b, ok2 := parseDate(pv)
		if !ok1 || !ok2 {
			return false
		}
		return compare(o.base-opDateEquals, a.Compare(b))
	case opBool:
		a, ok1 := parseBool(rv)
		b, ok2 := parseBool(pv)
		return ok1 && ok2 && a == b
	case opIPAddress:
		return ipMatch(pv, rv)
	case opArnEquals, opArnLike:
		return arnMatch(pv, rv)
	}
	return false
}

func cmp3(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies the comparison at offset rel from the Equals operator
// (Equals, LessThan, LessThanEquals, GreaterThan, GreaterThanEquals) to
// the result c of comparing the request value with the policy value.
func compare(rel baseOp, c int) bool {
	switch rel {
	case 0:
		return c == 0
	case 1:
		return c < 0
	case 2:
		return c <= 0
	case 3:
		return c > 0
	case 4:
		return c >= 0
	}
	return false
}

func parseBool(s string) (value, ok bool) {
	switch {
	case equalFold(s, "true"):
		return true, true
	case equalFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseDate parses an ISO 8601 date or a count of seconds since the epoch.
func parseDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	// The ISO 8601 forms IAM accepts for Date operators.
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ipMatch reports whether address rv is in pv, a CIDR block or an address.
func ipMatch(pv, rv string) bool {
	addr, err := netip.ParseAddr(rv)
	if err != nil {
		return false
	}
	if p, err := netip.ParsePrefix(pv); err == nil {
		return p.Contains(addr.Unmap())
	}
	a, err := netip.ParseAddr(pv)
	return err == nil && a.Unmap() == addr.Unmap()
}

// arnMatch matches an ARN against an ARN pattern the way ArnLike and
// ArnEquals do: arn:partition:service:region:account:resource, each of the
// six parts on its own, with wildcards, respecting case. The resource may
// contain colons. The pattern "*" matches any ARN.
func arnMatch(pattern, value string) bool {
	if pattern == "*" {
		return true
	}
	return arnMatchMode(pattern, value, false)
}

// arnMatchEscaped is arnMatch for a pattern whose wildcards are escaped as
// [expand] writes them.
func arnMatchEscaped(pattern, value string) bool {
	return arnMatchMode(pattern, value, true)
}

func arnMatchMode(pattern, value string, escaped bool) bool {
	for i := 0; i < 5; i++ {
		p, prest, ok1 := strings.Cut(pattern, ":")
		v, vrest, ok2 := strings.Cut(value, ":")
		if !ok1 || !ok2 || !globMode(p, v, false, escaped) {
			return false
		}
		pattern, value = prest, vrest
	}
	return globMode(pattern, value, false, escaped)
}
