// Package awsarn holds the ARN rules this module needs in more than one
// place.
package awsarn

import "strings"

// SessionRole maps an STS assumed-role session ARN,
// arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION (what
// GetCallerIdentity returns for a role), to the ARN of its role,
// arn:PARTITION:iam::ACCOUNT:role/ROLE, which is what key policies and
// grants name, and reports true. A role path is not part of the session ARN,
// so the result has none.
//
// For any other value (an IAM role, user or root ARN, another STS ARN such as
// a federated user, or something that is not an ARN) it returns principal
// unchanged and false, so that
//
//	p, _ = awsarn.SessionRole(p)
//
// turns a caller into the principal a key policy names.
func SessionRole(principal string) (role string, ok bool) {
	// The six sections of arn.Parse, without its allocation.
	rest, ok := strings.CutPrefix(principal, "arn:")
	if !ok {
		return principal, false
	}
	partition, rest, ok1 := strings.Cut(rest, ":")
	service, rest, ok2 := strings.Cut(rest, ":")
	_, rest, ok3 := strings.Cut(rest, ":") // Region
	account, resource, ok4 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || !ok3 || !ok4 || service != "sts" {
		return principal, false
	}
	session, ok := strings.CutPrefix(resource, "assumed-role/")
	if !ok {
		return principal, false
	}
	name, _, _ := strings.Cut(session, "/")
	return "arn:" + partition + ":iam::" + account + ":role/" + name, true
}
