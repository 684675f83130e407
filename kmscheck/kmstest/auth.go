package kmstest

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/awsarn"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Caller is who makes a request.
type Caller struct {
	// Principal is the IAM caller's ARN: a role, a user, the account root or
	// an STS assumed-role session (which matches its role). Leave it empty
	// when Service is set.
	Principal string
	// Service is a service principal calling with its own credentials, such
	// as "bedrock-agentcore.amazonaws.com".
	Service string
	// ViaService, if set, is the kms:ViaService value of the request: an AWS
	// service, such as "bedrock-agentcore.us-east-1.amazonaws.com", calling
	// with Principal's forwarded identity.
	ViaService string
	// Context adds condition keys to every request, such as
	// aws:SourceAccount and aws:SourceArn.
	Context map[string][]string
}

// String returns the caller's principal (or service principal), with the
// ViaService it comes through.
func (c Caller) String() string {
	p := c.Principal
	if p == "" {
		p = c.Service
	}
	if c.ViaService != "" {
		p += " via " + c.ViaService
	}
	return p
}

// AccessKeyID returns the access key id that signed r (SigV4 Authorization
// header or presigned X-Amz-Credential query), or "".
func AccessKeyID(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		_, after, ok := strings.Cut(h, "Credential=")
		if !ok {
			return ""
		}
		cred = after
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	id, _, _ := strings.Cut(cred, "/")
	id, _, _ = strings.Cut(id, ",")
	return strings.TrimSpace(id)
}

// request is what authorization needs to know about one operation.
type request struct {
	action  string               // "kms:Decrypt"
	grantOp types.GrantOperation // "" if grants cannot allow it
	ec      map[string]string    // encryption context, for conditions and grant constraints
	extra   map[string][]string
}

// authorizeLocked returns nil if c may perform req on kk, and an
// AccessDeniedException otherwise.
func (k *KMS) authorizeLocked(c Caller, kk *key, req request) error {
	if !k.opts.EnforceKeyPolicy {
		return nil
	}
	d := k.decide(c, kk, req)
	switch d.Verdict {
	case keypolicy.ExplicitDeny:
		return k.accessDenied(c, req.action, *kk.meta.Arn, "with an explicit deny in a resource-based policy")
	case keypolicy.Allow:
		return nil
	case keypolicy.AllowIfIAMAllows:
		if k.opts.RootDelegation {
			return nil
		}
	}
	if req.grantOp != "" {
		for _, g := range kk.grants.list {
			grantee := granteeMatches(g.entry, c) || (k.opts.RootDelegation && accountGrantee(aws.ToString(g.entry.GranteePrincipal), c.Principal))
			if grantee && slices.Contains(g.entry.Operations, req.grantOp) &&
				(!contextConstrained(req.grantOp) || constraintsMatch(g.entry.Constraints, req.ec)) &&
				sourceArnMatches(g.entry.Constraints, c.Context) {
				return nil
			}
		}
	}
	return k.accessDenied(c, req.action, *kk.meta.Arn, "because no resource-based policy allows the "+req.action+" action")
}

// authorizeRetireLocked decides RetireGrant for a caller the grant does not
// name as its retiring principal or as a grantee allowed to retire it.
// kms:RetireGrant is not effective in a key policy: only the account that
// created the grant may then retire it, as its root user or through its IAM
// policies, which kmstest takes to allow (Options.RootDelegation) when the
// key policy delegates kms:RetireGrant to the account.
func (k *KMS) authorizeRetireLocked(c Caller, kk *key) error {
	if !k.opts.EnforceKeyPolicy || c.Principal == "arn:"+k.partition.ID+":iam::"+k.opts.Account+":root" {
		return nil
	}
	const action = "kms:RetireGrant"
	d := k.decide(c, kk, request{action: action})
	switch {
	case d.Verdict == keypolicy.ExplicitDeny:
		return k.accessDenied(c, action, *kk.meta.Arn, "with an explicit deny in a resource-based policy")
	case d.Verdict == keypolicy.AllowIfIAMAllows && k.opts.RootDelegation:
		return nil
	}
	return k.accessDenied(c, action, *kk.meta.Arn, "because the grant does not name it as a retiring principal, and kms:RetireGrant is not effective in a key policy")
}

// decide evaluates the key policy of kk for c's request req.
func (k *KMS) decide(c Caller, kk *key, req request) keypolicy.Decision {
	ctx := map[string][]string{}
	maps.Copy(ctx, c.Context)
	for key, v := range req.extra {
		ctx[key] = v
	}
	if c.ViaService != "" {
		ctx["kms:ViaService"] = []string{c.ViaService}
	}
	if c.Principal != "" {
		if a, err := arn.Parse(c.Principal); err == nil {
			ctx["kms:CallerAccount"] = []string{a.AccountID}
			if _, ok := ctx["aws:PrincipalArn"]; !ok {
				role, _ := awsarn.SessionRole(c.Principal)
				ctx["aws:PrincipalArn"] = []string{role}
			}
		}
	}
	for key, v := range req.ec {
		ctx["kms:EncryptionContext:"+key] = []string{v}
	}
	if len(req.ec) > 0 {
		ctx["kms:EncryptionContextKeys"] = slices.Sorted(maps.Keys(req.ec))
	}
	var d keypolicy.Decision
	if kk.doc != nil {
		d = keypolicy.Evaluate(kk.doc, keypolicy.Request{
			Principal: c.Principal, Service: c.Service, Action: req.action,
			Resource: *kk.meta.Arn, Context: ctx,
		})
	}
	return d
}

func (k *KMS) accessDenied(c Caller, action, resource, why string) error {
	who := c.Principal
	if who == "" {
		who = c.Service
	}
	return &smithy.GenericAPIError{
		Code:    "AccessDeniedException",
		Message: "User: " + who + " is not authorized to perform: " + action + " on resource: " + resource + " " + why,
		Fault:   smithy.FaultClient,
	}
}

// samePrincipal reports whether caller principal c is principal p, treating
// an assumed-role session as its role and ignoring role paths.
func samePrincipal(p, c string) bool {
	if p == "" || c == "" {
		return false
	}
	if p == c {
		return true
	}
	pc, _ := awsarn.SessionRole(c)
	cc, _ := awsarn.SessionRole(p)
	if pc == cc {
		return true
	}
	a, err1 := arn.Parse(pc)
	b, err2 := arn.Parse(cc)
	if err1 != nil || err2 != nil || a.Partition != b.Partition || a.AccountID != b.AccountID {
		return false
	}
	ra, okA := strings.CutPrefix(a.Resource, "role/")
	rb, okB := strings.CutPrefix(b.Resource, "role/")
	if !okA || !okB {
		return false
	}
	return ra[strings.LastIndexByte(ra, '/')+1:] == rb[strings.LastIndexByte(rb, '/')+1:]
}

func granteeMatches(g types.GrantListEntry, c Caller) bool {
	if c.Service != "" {
		return aws.ToString(g.GranteeServicePrincipal) == c.Service || aws.ToString(g.GranteePrincipal) == c.Service
	}
	return samePrincipal(aws.ToString(g.GranteePrincipal), c.Principal)
}

// accountGrantee reports whether grantee is an account (its root ARN or
// its id) that principal belongs to: the account's IAM policies then
// decide whether principal may use the grant.
func accountGrantee(grantee, principal string) bool {
	c, err := arn.Parse(principal)
	if err != nil {
		return false
	}
	if a, err := arn.Parse(grantee); err == nil {
		return a.Service == "iam" && a.Resource == "root" && a.AccountID == c.AccountID && a.Partition == c.Partition
	}
	return grantee == c.AccountID
}

func retirerMatches(g types.GrantListEntry, c Caller) bool {
	if c.Service != "" {
		return aws.ToString(g.RetiringServicePrincipal) == c.Service || aws.ToString(g.RetiringPrincipal) == c.Service
	}
	return samePrincipal(aws.ToString(g.RetiringPrincipal), c.Principal)
}

// contextConstrained reports whether a grant's encryption-context
// constraints apply to grant operation op. KMS applies them only to
// operations that take an encryption context, not to DescribeKey,
// GetPublicKey or RetireGrant.
func contextConstrained(op types.GrantOperation) bool {
	switch op {
	case types.GrantOperationDescribeKey, types.GrantOperationGetPublicKey, types.GrantOperationRetireGrant:
		return false
	}
	return true
}

// sourceArnMatches reports whether a request whose extra condition keys
// are ctx meets the SourceArn constraint of gc, if any: the request must be
// made on behalf of that resource (aws:SourceArn).
func sourceArnMatches(gc *types.GrantConstraints, ctx map[string][]string) bool {
	if gc == nil || gc.SourceArn == nil {
		return true
	}
	for k, vs := range ctx {
		if strings.EqualFold(k, "aws:SourceArn") && slices.Contains(vs, *gc.SourceArn) {
			return true
		}
	}
	return false
}

// constraintsMatch reports whether encryption context ec meets grant
// constraints gc. As in KMS, the keys of a constraint match ignoring case
// and the values respecting it.
func constraintsMatch(gc *types.GrantConstraints, ec map[string]string) bool {
	if gc == nil {
		return true
	}
	if gc.EncryptionContextEquals != nil {
		return len(gc.EncryptionContextEquals) == len(ec) && containsPairs(ec, gc.EncryptionContextEquals)
	}
	return containsPairs(ec, gc.EncryptionContextSubset)
}

// containsPairs reports whether every pair of want is in ec, comparing keys
// ignoring case.
func containsPairs(ec, want map[string]string) bool {
	for k, v := range want {
		found := false
		for ek, ev := range ec {
			if strings.EqualFold(ek, k) && ev == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
