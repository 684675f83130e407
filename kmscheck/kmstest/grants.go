package kmstest

import (
	"context"
	"encoding/base64"
	"maps"
	"slices"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// MaxGrantsPerKey is the most grants one KMS key can have (KMS quotas,
// "Grants per KMS key": 50,000); CreateGrant on a key that has them is
// LimitExceededException.
const MaxGrantsPerKey = 50_000

// grant is one grant of a key. seq orders the grants of a key by creation.
type grant struct {
	entry types.GrantListEntry
	token string
	seq   uint64
	key   *key
}

// copyEntry returns the grant's list entry, sharing nothing with it.
func (g *grant) copyEntry() types.GrantListEntry {
	e := g.entry
	e.Operations = slices.Clone(e.Operations)
	e.Constraints = cloneConstraints(e.Constraints)
	return e
}

// grantList holds a key's grants in creation order, indexed by id, so that
// a page of ListGrants costs the page and a binary search, not a copy of
// every grant.
type grantList struct {
	seq  uint64
	list []*grant // ascending seq
	byID map[string]*grant
	// byName indexes named grants, so that CreateGrant's idempotency check
	// stays cheap however many grants a key has.
	byName map[string][]*grant
}

func (l *grantList) add(g *grant) {
	l.seq++
	g.seq = l.seq
	l.list = append(l.list, g)
	if l.byID == nil {
		l.byID, l.byName = map[string]*grant{}, map[string][]*grant{}
	}
	l.byID[aws.ToString(g.entry.GrantId)] = g
	if n := aws.ToString(g.entry.Name); n != "" {
		l.byName[n] = append(l.byName[n], g)
	}
}

// from returns the index of the first grant whose seq is at least seq.
func (l *grantList) from(seq uint64) int {
	return sort.Search(len(l.list), func(i int) bool { return l.list[i].seq >= seq })
}

func (l *grantList) remove(g *grant) {
	if i := l.from(g.seq); i < len(l.list) && l.list[i] == g {
		l.list = slices.Delete(l.list, i, i+1)
	}
	delete(l.byID, aws.ToString(g.entry.GrantId))
	if n := aws.ToString(g.entry.Name); n != "" {
		if same := slices.DeleteFunc(l.byName[n], func(x *grant) bool { return x == g }); len(same) > 0 {
			l.byName[n] = same
		} else {
			delete(l.byName, n)
		}
	}
}

// CreateGrant creates a grant on a key (KeyId: key id or key ARN). The key
// policy sees kms:GrantOperations, kms:GrantConstraintType,
// kms:GranteePrincipal, kms:RetiringPrincipal and, for each pair of the
// grant's encryption-context constraint, kms:EncryptionContext:KEY. A
// Disabled key is DisabledException, a key pending deletion or import
// KMSInvalidStateException; a key with [MaxGrantsPerKey] grants is
// LimitExceededException.
func (c *Client) CreateGrant(ctx context.Context, params *kms.CreateGrantInput, optFns ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	if params == nil {
		params = &kms.CreateGrantInput{}
	}
	var out *kms.CreateGrantOutput
	err := c.keyOp(ctx, "CreateGrant", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if params.GranteePrincipal == nil && params.GranteeServicePrincipal == nil {
			return validationError("1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null")
		}
		if len(params.Operations) == 0 {
			return validationError("1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null")
		}
		ops := make([]string, len(params.Operations))
		for i, op := range params.Operations {
			if !slices.Contains(types.GrantOperation("").Values(), op) {
				return validationError("1 validation error detected: Value '" + string(op) + "' at 'operations' failed to satisfy constraint: Member must satisfy enum value set")
			}
			ops[i] = string(op)
		}
		extra := map[string][]string{"kms:GrantOperations": ops}
		var ec map[string]string
		if cons := params.Constraints; cons != nil {
			switch {
			case cons.EncryptionContextEquals != nil && cons.EncryptionContextSubset != nil:
				return validationError("Grant constraints may contain EncryptionContextEquals or EncryptionContextSubset, not both.")
			case cons.EncryptionContextEquals != nil:
				extra["kms:GrantConstraintType"] = []string{"EncryptionContextEquals"}
				ec = cons.EncryptionContextEquals
			case cons.EncryptionContextSubset != nil:
				extra["kms:GrantConstraintType"] = []string{"EncryptionContextSubset"}
				ec = cons.EncryptionContextSubset
			}
		}
		if p := aws.ToString(params.GranteePrincipal); p != "" {
			extra["kms:GranteePrincipal"] = []string{p}
		}
		if p := aws.ToString(params.RetiringPrincipal); p != "" {
			extra["kms:RetiringPrincipal"] = []string{p}
		}
		if err := c.authorize(kk, request{action: "kms:CreateGrant", grantOp: types.GrantOperationCreateGrant, ec: ec, extra: extra}); err != nil {
			return err
		}
		if err := stateError(stateGrant, kk); err != nil {
			return err
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		if len(kk.grants.list) >= MaxGrantsPerKey {
			return &types.LimitExceededException{Message: aws.String(*kk.meta.Arn + " has " + strconv.Itoa(MaxGrantsPerKey) + " grants, the most a KMS key can have.")}
		}
		// A grant with the same name and the same parameters (grantee,
		// retiring principal, operations, constraints) is returned again, as
		// KMS does for idempotent retries; any difference makes a new grant.
		if n := aws.ToString(params.Name); n != "" {
			for _, g := range kk.grants.byName[n] {
				if sameGrant(g.entry, params) {
					out = &kms.CreateGrantOutput{GrantId: g.entry.GrantId, GrantToken: aws.String(g.token)}
					return nil
				}
			}
		}
		issuer := c.kms.opts.Account
		id := randomHex(32)
		g := &grant{
			token: base64.RawURLEncoding.EncodeToString([]byte(id + ":" + randomHex(16))),
			entry: types.GrantListEntry{
				GrantId: aws.String(id), KeyId: kk.meta.Arn, Name: params.Name,
				CreationDate: aws.Time(c.kms.opts.Now()), IssuingAccount: aws.String("arn:" + c.kms.partition.ID + ":iam::" + issuer + ":root"),
				GranteePrincipal: params.GranteePrincipal, GranteeServicePrincipal: params.GranteeServicePrincipal,
				RetiringPrincipal: params.RetiringPrincipal, RetiringServicePrincipal: params.RetiringServicePrincipal,
				Operations: slices.Clone(params.Operations), Constraints: cloneConstraints(params.Constraints),
			},
			key: kk,
		}
		kk.grants.add(g)
		c.kms.tokens[g.token] = g
		out = &kms.CreateGrantOutput{GrantId: aws.String(id), GrantToken: aws.String(g.token)}
		return nil
	})
	return out, err
}

// sameGrant reports whether CreateGrant input in asks for grant e again.
func sameGrant(e types.GrantListEntry, in *kms.CreateGrantInput) bool {
	if aws.ToString(e.GranteePrincipal) != aws.ToString(in.GranteePrincipal) ||
		aws.ToString(e.GranteeServicePrincipal) != aws.ToString(in.GranteeServicePrincipal) ||
		aws.ToString(e.RetiringPrincipal) != aws.ToString(in.RetiringPrincipal) ||
		aws.ToString(e.RetiringServicePrincipal) != aws.ToString(in.RetiringServicePrincipal) ||
		!slices.Equal(e.Operations, in.Operations) {
		return false
	}
	a, b := e.Constraints, in.Constraints
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return maps.Equal(a.EncryptionContextEquals, b.EncryptionContextEquals) &&
		maps.Equal(a.EncryptionContextSubset, b.EncryptionContextSubset) &&
		aws.ToString(a.SourceArn) == aws.ToString(b.SourceArn)
}

func cloneConstraints(c *types.GrantConstraints) *types.GrantConstraints {
	if c == nil {
		return nil
	}
	cc := *c
	if c.EncryptionContextEquals != nil {
		cc.EncryptionContextEquals = make(map[string]string, len(c.EncryptionContextEquals))
		for k, v := range c.EncryptionContextEquals {
			cc.EncryptionContextEquals[k] = v
		}
	}
	if c.EncryptionContextSubset != nil {
		cc.EncryptionContextSubset = make(map[string]string, len(c.EncryptionContextSubset))
		for k, v := range c.EncryptionContextSubset {
			cc.EncryptionContextSubset[k] = v
		}
	}
	return &cc
}

// grantMarker encodes the seq of the first grant of the next page.
func grantMarker(seq uint64) *string {
	return aws.String(base64.RawURLEncoding.EncodeToString([]byte("g" + strconv.FormatUint(seq, 10))))
}

func parseGrantMarker(m string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b) < 2 || b[0] != 'g' {
		return 0, false
	}
	seq, err := strconv.ParseUint(string(b[1:]), 10, 64)
	return seq, err == nil
}

// ListGrants lists a key's grants (KeyId: key id or key ARN), oldest
// first, optionally only GrantId or those of GranteePrincipal, with Limit
// (1 to agentcore.MaxGrantsListLimit, default 50) and Marker pagination
// (kms.NewListGrantsPaginator works). A page costs its own grants, not the
// key's: grants stay in creation order and a marker names where the next
// page starts.
func (c *Client) ListGrants(ctx context.Context, params *kms.ListGrantsInput, optFns ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	if params == nil {
		params = &kms.ListGrantsInput{}
	}
	var out *kms.ListGrantsOutput
	err := c.keyOp(ctx, "ListGrants", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		n, err := checkLimit(params.Limit, 50, agentcore.MaxGrantsListLimit)
		if err != nil {
			return err
		}
		if err := c.authorize(kk, request{action: "kms:ListGrants"}); err != nil {
			return err
		}
		var from uint64
		if params.Marker != nil {
			seq, ok := parseGrantMarker(*params.Marker)
			if !ok {
				return invalidMarker()
			}
			from = seq
		}
		match := func(g *grant) bool {
			return (params.GranteePrincipal == nil || aws.ToString(g.entry.GranteePrincipal) == *params.GranteePrincipal) &&
				(params.GranteeServicePrincipal == nil || aws.ToString(g.entry.GranteeServicePrincipal) == *params.GranteeServicePrincipal)
		}
		candidates := kk.grants.list[kk.grants.from(from):]
		if params.GrantId != nil {
			candidates = nil
			if g := kk.grants.byID[*params.GrantId]; g != nil && g.seq >= from {
				candidates = []*grant{g}
			}
		}
		entries := make([]types.GrantListEntry, 0, min(n, len(candidates)))
		var next *string
		for _, g := range candidates {
			if !match(g) {
				continue
			}
			if len(entries) == n {
				next = grantMarker(g.seq)
				break
			}
			entries = append(entries, g.copyEntry())
		}
		out = &kms.ListGrantsOutput{Grants: entries, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}

// ListRetirableGrants lists the grants, of every key in the account, whose
// retiring principal is RetiringPrincipal (or RetiringServicePrincipal),
// with Limit (1 to 100, default 50) and Marker pagination. Listing is
// authorized by IAM, which kmstest does not model.
func (c *Client) ListRetirableGrants(ctx context.Context, params *kms.ListRetirableGrantsInput, optFns ...func(*kms.Options)) (*kms.ListRetirableGrantsOutput, error) {
	if params == nil {
		params = &kms.ListRetirableGrantsInput{}
	}
	who := aws.ToString(params.RetiringPrincipal)
	if who == "" {
		who = aws.ToString(params.RetiringServicePrincipal)
	}
	var out *kms.ListRetirableGrantsOutput
	err := c.locked(ctx, "ListRetirableGrants", "", func(k *KMS) error {
		if (params.RetiringPrincipal == nil) == (params.RetiringServicePrincipal == nil) {
			return validationError("Specify either RetiringPrincipal or RetiringServicePrincipal, but not both.")
		}
		var all []types.GrantListEntry
		for _, id := range k.order {
			for _, g := range k.keys[id].grants.list {
				if (params.RetiringPrincipal != nil && aws.ToString(g.entry.RetiringPrincipal) == who) ||
					(params.RetiringServicePrincipal != nil && aws.ToString(g.entry.RetiringServicePrincipal) == who) {
					all = append(all, g.copyEntry())
				}
			}
		}
		page, next, err := paginate(all, params.Limit, params.Marker, 50, agentcore.MaxGrantsListLimit)
		if err != nil {
			return err
		}
		out = &kms.ListRetirableGrantsOutput{Grants: page, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}

// RetireGrant deletes a grant named by GrantToken, or by KeyId (its key ARN
// as KMS documents it; kmstest also takes the key id) and GrantId, in any
// key state. The grant's retiring principal may retire it, so may its
// grantee if the grant allows RetireGrant, and so may the account: its
// root user, or a principal of it when the key policy delegates
// kms:RetireGrant to the account root and Options.RootDelegation is set
// (standing for its IAM policies). As in KMS, kms:RetireGrant is not
// effective in a key policy statement that names the caller.
func (c *Client) RetireGrant(ctx context.Context, params *kms.RetireGrantInput, optFns ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	if params == nil {
		params = &kms.RetireGrantInput{}
	}
	ref := aws.ToString(params.KeyId)
	err := c.locked(ctx, "RetireGrant", ref, func(k *KMS) error {
		var g *grant
		switch {
		case params.GrantToken != nil:
			g = k.tokens[*params.GrantToken]
			if g == nil {
				return &types.InvalidGrantTokenException{Message: aws.String("Grant token is invalid or has been retired.")}
			}
		case params.KeyId != nil && params.GrantId != nil:
			kk, err := k.lookupLocked(*params.KeyId, refKey)
			if err != nil {
				return err
			}
			if g = kk.grants.byID[*params.GrantId]; g == nil {
				return &types.NotFoundException{Message: aws.String("Grant ID " + *params.GrantId + " not found")}
			}
		default:
			return validationError("Either GrantToken, or GrantId and KeyId, must be specified.")
		}
		e := g.entry
		allowed := c.admin || retirerMatches(e, c.caller) ||
			(granteeMatches(e, c.caller) && slices.Contains(e.Operations, types.GrantOperationRetireGrant))
		if !allowed {
			if err := c.kms.authorizeRetireLocked(c.caller, g.key); err != nil {
				return err
			}
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		k.removeGrantLocked(g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.RetireGrantOutput{}, nil
}

func (k *KMS) removeGrantLocked(g *grant) {
	g.key.grants.remove(g)
	delete(k.tokens, g.token)
}

// RevokeGrant deletes a grant of KeyId (key id or key ARN) in any key
// state; the key policy must allow kms:RevokeGrant.
func (c *Client) RevokeGrant(ctx context.Context, params *kms.RevokeGrantInput, optFns ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	if params == nil {
		params = &kms.RevokeGrantInput{}
	}
	err := c.keyOp(ctx, "RevokeGrant", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:RevokeGrant"}); err != nil {
			return err
		}
		id := aws.ToString(params.GrantId)
		g := kk.grants.byID[id]
		if g == nil {
			return &types.NotFoundException{Message: aws.String("Grant ID " + id + " not found")}
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		c.kms.removeGrantLocked(g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.RevokeGrantOutput{}, nil
}
