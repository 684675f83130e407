package policyengine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// GrantKind tells the two grants of a policy engine apart.
type GrantKind int

// The two grants Policy in AgentCore creates for an encrypted engine.
const (
	// ManagementGrant allows encrypt, decrypt and generate data key, for
	// managing policy data.
	ManagementGrant GrantKind = iota + 1
	// EvaluationGrant allows decrypt and re-encrypt, for runtime policy
	// evaluation.
	EvaluationGrant
)

// String returns "policy management grant" or "policy evaluation grant".
func (k GrantKind) String() string {
	switch k {
	case ManagementGrant:
		return "policy management grant"
	case EvaluationGrant:
		return "policy evaluation grant"
	}
	return "unknown grant"
}

// Grant is one KMS grant of a policy engine.
type Grant struct {
	// Kind is which of the two grants this is, told by its operations.
	Kind GrantKind
	// ID, Name, KeyID, GranteePrincipal, RetiringPrincipal, Operations and
	// CreationDate are as ListGrants returned them; empty when absent.
	ID                string
	Name              string
	KeyID             string
	GranteePrincipal  string
	RetiringPrincipal string
	Operations        []kmstypes.GrantOperation
	CreationDate      time.Time
}

// GrantPair is what exists of the two grants of a policy engine. A nil field
// means that grant is absent.
type GrantPair struct {
	Management *Grant
	Evaluation *Grant
}

// GrantState summarises a [GrantPair].
type GrantState int

// Grant pair states.
const (
	// GrantsNone: neither grant exists (after deletion or revocation, or for
	// an engine that never had a customer managed key).
	GrantsNone GrantState = iota
	// GrantsBoth: both grants exist, the healthy state of a live engine.
	GrantsBoth
	// GrantsOnlyManagement: the evaluation grant is missing; runtime
	// evaluation cannot decrypt policies.
	GrantsOnlyManagement
	// GrantsOnlyEvaluation: the management grant is missing; policy data
	// cannot be managed.
	GrantsOnlyEvaluation
)

// String returns "none", "both", or which one grant exists.
func (s GrantState) String() string {
	switch s {
	case GrantsNone:
		return "none"
	case GrantsBoth:
		return "both"
	case GrantsOnlyManagement:
		return "only the policy management grant"
	case GrantsOnlyEvaluation:
		return "only the policy evaluation grant"
	}
	return "unknown"
}

// State reports which grants exist.
func (p GrantPair) State() GrantState {
	switch {
	case p.Management != nil && p.Evaluation != nil:
		return GrantsBoth
	case p.Management != nil:
		return GrantsOnlyManagement
	case p.Evaluation != nil:
		return GrantsOnlyEvaluation
	}
	return GrantsNone
}

// Grants returns the policy management grant and the policy evaluation grant
// of the engine on the key, found through ListGrants by their
// encryption-context constraint ({ContextKey: engineARN}) and their
// operations.
//
// Both or neither come back with a nil error. Exactly one comes back with the
// pair and a [*GrantsInconsistentError], the state the documentation warns
// about.
func (c *Client) Grants(ctx context.Context, keyARN, engineARN string) (GrantPair, error) {
	if err := c.needs(false, true); err != nil {
		return GrantPair{}, err
	}
	if err := validateKeyARN(keyARN, ""); err != nil {
		return GrantPair{}, err
	}
	if engineARN == "" {
		return GrantPair{}, &InputError{Field: "EngineARN", Value: engineARN, Reason: "is required"}
	}
	all, err := listGrants(ctx, c.kms, keyARN)
	if err != nil {
		return GrantPair{}, err
	}
	pair := pairFor(all, engineARN)
	if s := pair.State(); s == GrantsOnlyManagement || s == GrantsOnlyEvaluation {
		return pair, &GrantsInconsistentError{KeyARN: keyARN, EngineARN: engineARN, Pair: pair}
	}
	return pair, nil
}

// listGrants returns every grant of the key, with the SDK's paginator.
func listGrants(ctx context.Context, api ListGrantsAPIClient, keyARN string) ([]kmstypes.GrantListEntry, error) {
	var all []kmstypes.GrantListEntry
	p := kms.NewListGrantsPaginator(api, &kms.ListGrantsInput{KeyId: aws.String(keyARN), Limit: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("policyengine: listing grants of %s: %w", keyARN, err)
		}
		all = append(all, page.Grants...)
	}
	return all, nil
}

// pairFor picks the engine's two grants out of a key's grants: the first
// of each kind.
func pairFor(grants []kmstypes.GrantListEntry, engineARN string) GrantPair {
	var p GrantPair
	for _, gr := range boundTo(grants, engineARN) {
		switch {
		case gr.Kind == ManagementGrant && p.Management == nil:
			p.Management = gr
		case gr.Kind == EvaluationGrant && p.Evaluation == nil:
			p.Evaluation = gr
		}
	}
	return p
}

// boundTo returns every grant of the key that is bound to the engine by its
// encryption-context constraint and is of one of the two kinds, in the
// order ListGrants returned them.
func boundTo(grants []kmstypes.GrantListEntry, engineARN string) []*Grant {
	var out []*Grant
	for _, g := range grants {
		if !constrainedTo(g, engineARN) {
			continue
		}
		kind := kindOf(g.Operations)
		if kind == 0 {
			continue
		}
		out = append(out, &Grant{
			Kind: kind, ID: aws.ToString(g.GrantId), Name: aws.ToString(g.Name), KeyID: aws.ToString(g.KeyId),
			GranteePrincipal: aws.ToString(g.GranteePrincipal), RetiringPrincipal: aws.ToString(g.RetiringPrincipal),
			Operations: g.Operations, CreationDate: timeOrZero(g.CreationDate),
		})
	}
	return out
}

// constrainedTo reports whether the grant is bound to the engine by its
// encryption-context constraint.
func constrainedTo(g kmstypes.GrantListEntry, engineARN string) bool {
	if g.Constraints == nil {
		return false
	}
	return g.Constraints.EncryptionContextSubset[ContextKey] == engineARN ||
		g.Constraints.EncryptionContextEquals[ContextKey] == engineARN
}

// kindOf classifies a grant by its operations: one that can encrypt or
// generate data keys manages policy data; one that can only decrypt and
// re-encrypt evaluates.
func kindOf(ops []kmstypes.GrantOperation) GrantKind {
	has := func(o kmstypes.GrantOperation) bool { return slices.Contains(ops, o) }
	switch {
	case has(kmstypes.GrantOperationEncrypt) || has(kmstypes.GrantOperationGenerateDataKey) ||
		has(kmstypes.GrantOperationGenerateDataKeyWithoutPlaintext):
		return ManagementGrant
	case has(kmstypes.GrantOperationReEncryptFrom) || has(kmstypes.GrantOperationReEncryptTo) ||
		has(kmstypes.GrantOperationDecrypt):
		return EvaluationGrant
	}
	return 0
}

// RevokeGrants revokes both grants of the engine on the key, as the
// documentation says to do when revoking by hand, and returns the grants it
// revoked. Every grant of the key bound to the engine by its
// encryption-context constraint is revoked, so none is left behind when a
// kind is there more than once. When there is nothing left to revoke it does
// nothing and returns an empty pair. If a revoke fails, the [*RevokeError]
// names the grant that still holds access.
func (c *Client) RevokeGrants(ctx context.Context, keyARN, engineARN string) (GrantPair, error) {
	if err := c.needs(false, true); err != nil {
		return GrantPair{}, err
	}
	if err := validateKeyARN(keyARN, ""); err != nil {
		return GrantPair{}, err
	}
	if engineARN == "" {
		return GrantPair{}, &InputError{Field: "EngineARN", Value: engineARN, Reason: "is required"}
	}
	all, err := listGrants(ctx, c.kms, keyARN)
	if err != nil {
		return GrantPair{}, err
	}
	var revoked GrantPair
	rerr := &RevokeError{KeyARN: keyARN, EngineARN: engineARN}
	for _, g := range boundTo(all, engineARN) {
		_, err := c.kms.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(keyARN), GrantId: aws.String(g.ID)})
		var nf *kmstypes.NotFoundException
		if err != nil && !errors.As(err, &nf) {
			rerr.Remaining = append(rerr.Remaining, *g)
			rerr.Errs = append(rerr.Errs, err)
			continue
		}
		rerr.Revoked = append(rerr.Revoked, *g)
		switch {
		case g.Kind == ManagementGrant && revoked.Management == nil:
			revoked.Management = g
		case g.Kind == EvaluationGrant && revoked.Evaluation == nil:
			revoked.Evaluation = g
		}
	}
	if len(rerr.Remaining) > 0 {
		return revoked, rerr
	}
	return revoked, nil
}
