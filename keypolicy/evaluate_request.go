package keypolicy

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInvalidRequest is returned, wrapped in a [*RequestError], by
// [Request.Validate] for a request that no caller can make.
var ErrInvalidRequest = errors.New("keypolicy: invalid request")

// RequestError reports a [Request] field that contradicts the others or is
// not what the field holds, such as a service principal in Principal.
//
//	var re *keypolicy.RequestError
//	if errors.As(req.Validate(), &re) {
//		fmt.Println("fix the", re.Field, "field:", re.Reason)
//	}
type RequestError struct {
	Field  string // the Request field, such as "Principal"
	Value  string // the value given
	Reason string
}

// Error returns a one-line message with the field, its value and the reason.
func (e *RequestError) Error() string {
	return "keypolicy: invalid request " + e.Field + " " + strconv.Quote(e.Value) + ": " + e.Reason
}

// Unwrap returns [ErrInvalidRequest].
func (e *RequestError) Unwrap() error { return ErrInvalidRequest }

// Validate reports whether r is a request some caller can make: at most one
// of Principal and Service, a Principal that is an account id or an IAM or
// STS ARN (not "*", not a service principal), a Service that is a service
// principal name (not an ARN), an Action, and a Resource that is empty or
// an ARN with an account (the key ARN). It returns a [*RequestError]
// unwrapping to [ErrInvalidRequest], or nil. A request with neither
// Principal nor Service is valid: it is an unauthenticated caller, matched
// only by the principal "*".
//
// [Evaluate] and [Explain] validate the request themselves and allow nothing
// for an invalid one; [Analyze] reports the error as the reason.
func (r Request) Validate() error {
	c := newCaller(r)
	if err := r.check(&c); err != nil {
		return err
	}
	return nil
}

// check validates r, whose caller is c. It allocates only for an error.
func (r *Request) check(c *caller) *RequestError {
	switch {
	case r.Principal != "" && r.Service != "":
		return &RequestError{Field: "Service", Value: r.Service, Reason: "a request has one caller: set Principal for an IAM identity or Service for a service principal, not both"}
	case r.Principal == "*":
		return &RequestError{Field: "Principal", Value: r.Principal, Reason: "a caller is one identity; \"*\" is for policies"}
	case r.Principal != "" && c.id.kind == idOther && c.id.account == "":
		if looksLikeService(r.Principal) {
			return &RequestError{Field: "Principal", Value: r.Principal, Reason: "this is a service principal; set Service instead"}
		}
		return &RequestError{Field: "Principal", Value: r.Principal, Reason: "the caller must be an account id or an IAM or STS ARN such as arn:aws:iam::111122223333:role/ExampleRole"}
	case r.Service != "" && !looksLikeService(r.Service):
		why := "the service principal must be a name such as " + ServicePrincipalName
		if strings.HasPrefix(r.Service, "arn:") || isAccountID(r.Service) {
			why = "this is an IAM identity; set Principal instead"
		}
		return &RequestError{Field: "Service", Value: r.Service, Reason: why}
	case r.Action == "":
		return &RequestError{Field: "Action", Value: r.Action, Reason: "the KMS action is required, such as kms:Decrypt"}
	case r.Resource != "" && c.keyAccount == "":
		return &RequestError{Field: "Resource", Value: r.Resource, Reason: "the resource must be the key ARN, such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
	}
	return nil
}

// looksLikeService reports whether s has the form of a service principal:
// a DNS name such as bedrock-agentcore.amazonaws.com, without wildcards.
func looksLikeService(s string) bool {
	if strings.HasPrefix(s, "arn:") || !strings.Contains(s, ".") || strings.ContainsAny(s, "*?:/ ") {
		return false
	}
	return s[0] != '.' && s[len(s)-1] != '.'
}

// resourceAccount returns the account of an ARN
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or "" if s is not one.
func resourceAccount(s string) (partition, account string) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return "", ""
	}
	partition, rest, ok1 := strings.Cut(rest, ":")
	_, rest, ok2 := strings.Cut(rest, ":")
	_, rest, ok3 := strings.Cut(rest, ":")
	account, resource, ok4 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || !ok3 || !ok4 || partition == "" || resource == "" || !isAccountID(account) {
		return "", ""
	}
	return partition, account
}

// Condition keys Evaluate derives from the caller when the request's
// Context does not set them.
const (
	derivedPrincipalArn = iota
	derivedPrincipalAccount
	derivedCallerAccount
	derivedPrincipalType
	derivedUsername
	derivedPrincipalIsAWSService
	derivedPrincipalServiceName
	numDerived
)

var derivedKeys = [numDerived]string{
	derivedPrincipalArn:          "aws:PrincipalArn",
	derivedPrincipalAccount:      "aws:PrincipalAccount",
	derivedCallerAccount:         "kms:CallerAccount",
	derivedPrincipalType:         "aws:PrincipalType",
	derivedUsername:              "aws:username",
	derivedPrincipalIsAWSService: "aws:PrincipalIsAWSService",
	derivedPrincipalServiceName:  "aws:PrincipalServiceName",
}

// derive fills c.derived from the caller. The role ARN of a session is
// built only when a condition asks for aws:PrincipalArn.
func (c *caller) derive() {
	switch {
	case c.layers == layerService:
		c.derived[derivedPrincipalIsAWSService][0] = "true"
		c.derived[derivedPrincipalServiceName][0] = c.id.raw
		return
	case c.layers == layerAnonymous || c.id.account == "":
		return
	}
	c.derived[derivedPrincipalIsAWSService][0] = "false"
	c.derived[derivedPrincipalAccount][0] = c.id.account
	c.derived[derivedCallerAccount][0] = c.id.account
	if c.id.partition != "" && c.id.kind != idSession {
		c.derived[derivedPrincipalArn][0] = c.id.raw
	}
	switch c.id.kind {
	case idRoot:
		c.derived[derivedPrincipalType][0] = "Account"
	case idUser:
		c.derived[derivedPrincipalType][0] = "User"
		c.derived[derivedUsername][0] = c.id.name
	case idRole, idSession:
		c.derived[derivedPrincipalType][0] = "AssumedRole"
	}
}

// derivedValue returns the values of derived key i, or nil.
func (c *caller) derivedValue(i int) []string {
	if i == derivedPrincipalArn && c.id.kind == idSession && c.derived[i][0] == "" {
		// For a role session, aws:PrincipalArn is the role's ARN. The
		// session ARN carries no role path, so the derived ARN has none.
		c.derived[i][0] = "arn:" + c.id.partition + ":iam::" + c.id.account + ":role/" + c.id.name
	}
	if c.derived[i][0] == "" {
		return nil
	}
	return c.derived[i][:]
}

// env is what conditions and Resource patterns are evaluated against.
type env struct {
	ctx  map[string][]string
	c    *caller
	vars bool // policy variables are expanded (a 2012-10-17 policy)
}

func newEnv(doc *Document, req *Request, c *caller) env {
	return env{ctx: req.Context, c: c, vars: doc != nil && doc.Version == Version2012}
}

// get returns the values of condition key key, ignoring its case: the
// request's Context if it has the key (a key with no values is absent), or
// else the value derived from the caller.
func (e *env) get(key string) (vals []string, present bool) {
	if v, found := findKey(e.ctx, key); found {
		return v, len(v) > 0
	}
	if e.c == nil {
		return nil, false
	}
	for i, k := range derivedKeys {
		if equalFold(k, key) {
			v := e.c.derivedValue(i)
			return v, v != nil
		}
	}
	return nil, false
}

// findKey finds key in ctx, ignoring case. If ctx holds the key under two
// spellings, either may be returned.
func findKey(ctx map[string][]string, key string) ([]string, bool) {
	if v, ok := ctx[key]; ok {
		return v, true
	}
	for k, v := range ctx {
		if equalFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
