package keypolicy

import (
	"strconv"
	"strings"

	"github.com/agentcorekms/agentcorekms/internal/awsarn"
)

// LockoutCheck is the result of [CheckLockout]: whether a key policy still
// lets an administrator change it.
type LockoutCheck struct {
	// Admin is the principal checked, as given.
	Admin string
	// Decision is the key policy's decision on the admin's kms:PutKeyPolicy
	// request.
	Decision Decision
	// Statements are the Sids (or "#N" for a statement with no Sid, N
	// counted from 0) of the statements that allow the request; empty when
	// none does.
	Statements []string
}

// Safe reports whether the policy keeps the admin able to call
// kms:PutKeyPolicy: the key policy allows it, either outright or by
// delegating to the admin's own account (AllowIfIAMAllows, which is how the
// AWS default key policy gives access and what AWS's own lockout check
// accepts), and no statement that applied used a condition [Evaluate] cannot
// decide. Anything else is unsafe: a policy this package cannot decide is
// treated as one that locks the admin out.
func (c LockoutCheck) Safe() bool {
	return c.Decision.Allowed() && len(c.Decision.Unsupported) == 0
}

// CheckLockout decides offline what AWS's key-policy lockout safety check
// decides on CreateKey and PutKeyPolicy: whether the principal admin (an IAM
// role, user, STS assumed-role session or account root ARN) would still be
// allowed to make a later kms:PutKeyPolicy request on the key keyARN under
// doc. keyARN may be empty when it is not known yet (CreateKey).
//
// It uses [Evaluate], the one evaluator of this module, with the request
// keys AWS sets on every request (kms:CallerAccount, aws:PrincipalAccount,
// aws:PrincipalArn; an assumed-role session's aws:PrincipalArn is its role).
//
// AWS documents the check only as "the principal that is making the
// request must be allowed to make a subsequent PutKeyPolicy request"; it
// does not say how it treats conditions that depend on the later request.
// CheckLockout evaluates the later request with no other keys, so a
// statement that allows PutKeyPolicy only under conditions on other keys
// (kms:ViaService, say) does not count: the conservative reading.
func CheckLockout(doc *Document, admin, keyARN string) LockoutCheck {
	account := accountOfARN(admin)
	principalARN, _ := awsarn.SessionRole(admin)
	ctx := map[string][]string{}
	if account != "" {
		ctx["kms:CallerAccount"] = []string{account}
		ctx["aws:PrincipalAccount"] = []string{account}
	}
	if strings.HasPrefix(principalARN, "arn:") {
		ctx["aws:PrincipalArn"] = []string{principalARN}
	}
	d := Evaluate(doc, Request{Principal: admin, Action: "kms:PutKeyPolicy", Resource: keyARN, Context: ctx})
	out := LockoutCheck{Admin: admin, Decision: d}
	if d.Allowed() {
		for _, i := range d.Statements {
			out.Statements = append(out.Statements, statementName(doc, i))
		}
	}
	return out
}

// statementName returns the Sid of statement i, or "#i" when it has none.
func statementName(doc *Document, i int) string {
	if sid := doc.Statement[i].Sid; sid != "" {
		return sid
	}
	return "#" + strconv.Itoa(i)
}

// accountOfARN returns the account field of an ARN, or "".
func accountOfARN(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}
