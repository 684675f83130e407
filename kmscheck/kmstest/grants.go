package kmstest

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// for each pair of the grant's encryption-context constraint,
// kms:EncryptionContext:KEY.
func (c *Client) CreateGrant(ctx context.Context, params *kms.CreateGrantInput, optFns ...func(*kms.Options)) (*kms.CreateGrantOutput, error) {
	if params == nil {
		params = &kms.CreateGrantInput{}
	}
	var out *kms.CreateGrantOutput
	err := c.keyOp(ctx, "CreateGrant", aws.ToString(params.KeyId), func(kk *key) error {
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
		if err := notDeleting(kk); err != nil {
			return err
		}
		if kk.meta.KeyState == types.KeyStatePendingImport || kk.meta.KeyState == types.KeyStateUnavailable {
			return usable(kk)
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		// A grant with the same name and the same parameters (grantee,
		// retiring principal, operations, constraints) is returned again, as
		// KMS does for idempotent retries; any difference makes a new grant.
		if n := aws.ToString(params.Name); n != "" {
			for _, g := range kk.grants {
				if aws.ToString(g.entry.Name) == n && sameGrant(g.entry, params) {
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
		}
		kk.grants = append(kk.grants, g)
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

// ListGrants lists a key's grants, oldest first, optionally only GrantId or
// those of GranteePrincipal, with Limit/Marker pagination
// (kms.NewListGrantsPaginator works).
func (c *Client) ListGrants(ctx context.Context, params *kms.ListGrantsInput, optFns ...func(*kms.Options)) (*kms.ListGrantsOutput, error) {
	if params == nil {
		params = &kms.ListGrantsInput{}
	}
	var out *kms.ListGrantsOutput
	err := c.keyOp(ctx, "ListGrants", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:ListGrants"}); err != nil {
			return err
		}
		var entries []types.GrantListEntry
		for _, g := range kk.grants {
			if params.GrantId != nil && aws.ToString(g.entry.GrantId) != *params.GrantId {
				continue
			}
			if params.GranteePrincipal != nil && aws.ToString(g.entry.GranteePrincipal) != *params.GranteePrincipal {
				continue
			}
			if params.GranteeServicePrincipal != nil && aws.ToString(g.entry.GranteeServicePrincipal) != *params.GranteeServicePrincipal {
				continue
			}
			e := g.entry
			e.Operations = slices.Clone(e.Operations)
			e.Constraints = cloneConstraints(e.Constraints)
			entries = append(entries, e)
		}
		page, next, err := paginate(entries, params.Limit, params.Marker)
		if err != nil {
			return err
		}
		out = &kms.ListGrantsOutput{Grants: page, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}

// RetireGrant deletes a grant named by GrantToken, or by KeyId and GrantId.
// The grant's retiring principal may retire it, so may its grantee if the
// grant allows RetireGrant, and so may the account: its root user, or a
// principal of it when the key policy delegates kms:RetireGrant to the
// account root and Options.RootDelegation is set (standing for its IAM
// policies). As in KMS, kms:RetireGrant is not effective in a key policy
// statement that names the caller.
func (c *Client) RetireGrant(ctx context.Context, params *kms.RetireGrantInput, optFns ...func(*kms.Options)) (*kms.RetireGrantOutput, error) {
	if params == nil {
		params = &kms.RetireGrantInput{}
	}
	ref := aws.ToString(params.KeyId)
	if err := c.begin(ctx, "RetireGrant", ref); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	err := func() error {
		var kk *key
		var idx = -1
		switch {
		case params.GrantToken != nil:
			for _, cand := range k.keys {
				for i, g := range cand.grants {
					if g.token == *params.GrantToken {
						kk, idx = cand, i
					}
				}
			}
			if idx < 0 {
				return &types.InvalidGrantTokenException{Message: aws.String("Grant token is invalid or has been retired.")}
			}
		case params.KeyId != nil && params.GrantId != nil:
			var err error
			if kk, err = k.lookupLocked(*params.KeyId, false); err != nil {
				return err
			}
			for i, g := range kk.grants {
				if aws.ToString(g.entry.GrantId) == *params.GrantId {
					idx = i
				}
			}
			if idx < 0 {
				return &types.NotFoundException{Message: aws.String("Grant ID " + *params.GrantId + " not found")}
			}
		default:
			return validationError("Either GrantToken, or GrantId and KeyId, must be specified.")
		}
		g := kk.grants[idx].entry
		allowed := c.admin || retirerMatches(g, c.caller) ||
			(granteeMatches(g, c.caller) && slices.Contains(g.Operations, types.GrantOperationRetireGrant))
		if !allowed {
			if err := c.kms.authorizeRetireLocked(c.caller, kk); err != nil {
				return err
			}
		}
		if err := dryRun(params.DryRun); err != nil {
			return err
		}
		kk.grants = slices.Delete(kk.grants, idx, idx+1)
		return nil
	}()
	c.recordLocked("RetireGrant", ref, err)
	if err != nil {
		return nil, err
	}
	return &kms.RetireGrantOutput{}, nil
}

// RevokeGrant deletes a grant of KeyId; the key policy must allow
// kms:RevokeGrant.
func (c *Client) RevokeGrant(ctx context.Context, params *kms.RevokeGrantInput, optFns ...func(*kms.Options)) (*kms.RevokeGrantOutput, error) {
	if params == nil {
		params = &kms.RevokeGrantInput{}
	}
	err := c.keyOp(ctx, "RevokeGrant", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:RevokeGrant"}); err != nil {
			return err
		}
		id := aws.ToString(params.GrantId)
		for i, g := range kk.grants {
			if aws.ToString(g.entry.GrantId) == id {
				if err := dryRun(params.DryRun); err != nil {
					return err
				}
				kk.grants = slices.Delete(kk.grants, i, i+1)
				return nil
			}
		}
		return &types.NotFoundException{Message: aws.String(fmt.Sprintf("Grant ID %s not found", id))}
	})
	if err != nil {
		return nil, err
	}
	return &kms.RevokeGrantOutput{}, nil
}
