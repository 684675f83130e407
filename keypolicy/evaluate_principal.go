package keypolicy

import "strings"

// Identity layers of a caller. A request is made by a chain of identities:
// the account, then the role or user, then the role session. A Principal
// matches if it names any of them; a NotPrincipal excludes the caller only
// if it names all of them.
const (
	layerAccount   uint8 = 1 << iota // the account root
	layerRole                        // the IAM role (of a role or a session)
	layerLeaf                        // the user, the session, or another ARN
	layerService                     // a service principal
	layerAnonymous                   // nobody: matched only by "*"
)

// caller is the parsed principal of a request, with the account of the
// key it calls.
type caller struct {
	id     identity
	layers uint8 // the layers the caller has
	// keyAccount is the account of Request.Resource, "" when the request
	// names no key ARN.
	keyAccount string
	// derived holds the condition keys derived from the caller, indexed
	// by the derived* constants; "" is absent.
	derived [numDerived][1]string
}

// crossAccount reports whether the caller is an IAM identity of another
// account than the key's. Without a key ARN it is taken to be in the key's
// account.
func (c *caller) crossAccount() bool {
	return c.keyAccount != "" && c.id.account != "" && c.layers&(layerService|layerAnonymous) == 0 && c.id.account != c.keyAccount
}

type idKind uint8

const (
	idOther idKind = iota // an ARN or string this package does not interpret
	idWildcard
	idRoot
	idRole
	idUser
	idSession
)

// identity is a parsed AWS principal: a caller, or a value in a policy.
type identity struct {
	kind      idKind
	raw       string
	partition string // "" for a bare account id
	account   string
	name      string // role name (without path) or user name
}

func newCaller(req Request) caller {
	var c caller
	c.newCaller(&req)
	return c
}

// newCaller sets c to the caller of req.
func (c *caller) newCaller(req *Request) {
	_, c.keyAccount = resourceAccount(req.Resource)
	c.parse(req)
	c.derive()
}

func (c *caller) parse(req *Request) {
	if req.Service != "" {
		c.id, c.layers = identity{raw: req.Service}, layerService
		return
	}
	if req.Principal == "" {
		c.layers = layerAnonymous
		return
	}
	id := parseIdentity(req.Principal)
	c.id = id
	switch id.kind {
	case idRoot:
		c.layers = layerAccount
	case idRole:
		c.layers = layerAccount | layerRole
	case idSession:
		c.layers = layerAccount | layerRole | layerLeaf
	case idUser:
		c.layers = layerAccount | layerLeaf
	case idWildcard:
		c.layers = layerAnonymous
	default:
		c.layers = layerLeaf
		if id.account != "" {
			c.layers |= layerAccount
		}
	}
}

// parseIdentity interprets an AWS principal without allocating.
func parseIdentity(s string) identity {
	id := identity{raw: s}
	if s == "*" {
		id.kind = idWildcard
		return id
	}
	if isAccountID(s) {
		id.kind, id.account = idRoot, s
		return id
	}
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return id
	}
	partition, rest, ok1 := strings.Cut(rest, ":")
	service, rest, ok2 := strings.Cut(rest, ":")
	region, rest, ok3 := strings.Cut(rest, ":")
	account, resource, ok4 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || !ok3 || !ok4 || region != "" || !isAccountID(account) {
		return id
	}
	id.partition, id.account = partition, account
	switch service {
	case "iam":
		switch {
		case resource == "root":
			id.kind = idRoot
		case strings.HasPrefix(resource, "role/"):
			id.kind, id.name = idRole, resource[strings.LastIndexByte(resource, '/')+1:]
		case strings.HasPrefix(resource, "user/"):
			id.kind, id.name = idUser, resource[strings.LastIndexByte(resource, '/')+1:]
		}
	case "sts":
		if r, ok := strings.CutPrefix(resource, "assumed-role/"); ok {
			if name, session, ok := strings.Cut(r, "/"); ok && name != "" && session != "" {
				id.kind, id.name = idSession, name
			}
		}
	}
	return id
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// listedLayers returns which of the caller's layers the principal names.
func (c *caller) listedLayers(p *Principal) uint8 {
	if p.Wildcard {
		return c.layers
	}
	var listed uint8
	for _, e := range p.Entries {
		switch e.Type {
		case PrincipalAWS:
			for _, v := range e.Values.Values {
				listed |= c.awsLayers(v)
			}
		case PrincipalService:
			if c.layers == layerService {
				for _, v := range e.Values.Values {
					if v == c.id.raw {
						listed |= layerService
					}
				}
			}
		}
	}
	return listed & c.layers
}

// awsLayers returns which of the caller's layers the AWS principal v names.
func (c *caller) awsLayers(v string) uint8 {
	if v == "*" {
		return c.layers
	}
	if c.layers&(layerService|layerAnonymous) != 0 {
		return 0
	}
	me := &c.id
	if v == me.raw { // the common case: the policy names the caller itself
		switch me.kind {
		case idRoot:
			return layerAccount
		case idRole:
			return layerRole
		}
		return layerLeaf
	}
	p := parseIdentity(v)
	samePartition := p.partition == "" || me.partition == "" || p.partition == me.partition
	switch p.kind {
	case idRoot:
		if p.account == me.account && samePartition {
			return layerAccount
		}
	case idRole:
		if p.account != me.account || !samePartition {
			return 0
		}
		if me.kind == idRole && p.raw == me.raw {
			return layerRole
		}
		// A session ARN drops the role's path: the name decides.
		if me.kind == idSession && p.name == me.name {
			return layerRole
		}
	default:
		if p.raw == me.raw && me.kind != idRoot && me.kind != idRole {
			return layerLeaf
		}
	}
	return 0
}

// principalApplies reports whether the statement's Principal or
// NotPrincipal covers the caller, and whether only through the account
// root (delegation to IAM).
func principalApplies(s *Statement, c *caller) (applies, delegated bool) {
	switch {
	case s.Principal != nil:
		listed := c.listedLayers(s.Principal)
		if listed == 0 {
			return false, false
		}
		// Naming only the account delegates to IAM, unless the caller is
		// the account root itself.
		return true, listed == layerAccount && c.id.kind != idRoot
	case s.NotPrincipal != nil:
		return c.listedLayers(s.NotPrincipal) != c.layers, false
	}
	return false, false
}

func principalReason(s *Statement, c *caller) string {
	who := c.describe()
	switch {
	case s.Principal != nil:
		return "Principal does not name " + who
	case s.NotPrincipal != nil:
		return "NotPrincipal excludes " + who
	}
	return "the statement has neither Principal nor NotPrincipal"
}

func (c *caller) describe() string {
	switch c.layers {
	case layerService:
		return "service principal " + c.id.raw
	case layerAnonymous:
		return "an anonymous caller"
	}
	return c.id.raw
}
