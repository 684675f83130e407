package policyengine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
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
	// EncryptionContextSubset and EncryptionContextEquals are the grant's
	// constraints as ListGrants returned them (copies): the binding to the
	// engine, {ContextKey: engineARN}, is in one of them. The service
	// creates its grants with EncryptionContextSubset, so a caller can
	// check the binding without calling ListGrants again:
	//
	//	g.EncryptionContextSubset[policyengine.ContextKey] == engine.ARN
	EncryptionContextSubset map[string]string
	EncryptionContextEquals map[string]string
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
// operations. Pass [Engine.KeyARN] and [Engine.ARN].
//
// keyARN must be a key ARN in the client's partition, as Create requires,
// and engineARN a policy engine ARN (…:policy-engine/ID) in the key's
// partition; anything else (an engine id, a gateway ARN, the two swapped)
// is an [*InputError] before any call, never "no grants".
//
// Both or neither come back with a nil error. Exactly one comes back with the
// pair and a [*GrantsInconsistentError], the state the documentation warns
// about. A ListGrants failure keeps the module's one classification of KMS
// errors (errors.Is(err, ErrAccessDenied) for a denial); a ListGrants answer
// without its grants list is an [*IncompleteAnswerError].
func (c *Client) Grants(ctx context.Context, keyARN, engineARN string) (GrantPair, error) {
	bound, err := c.boundGrants(ctx, keyARN, engineARN)
	if err != nil {
		return GrantPair{}, err
	}
	pair := pairOf(bound)
	if s := pair.State(); s == GrantsOnlyManagement || s == GrantsOnlyEvaluation {
		return pair, &GrantsInconsistentError{KeyARN: keyARN, EngineARN: engineARN, Pair: pair}
	}
	return pair, nil
}

// validatePair checks the key ARN with Create's rules and the engine ARN
// against it.
func (c *Client) validatePair(keyARN, engineARN string) error {
	key, err := validateKeyARN(keyARN, c.opts.Region)
	if err != nil {
		return err
	}
	return validateEngineARN(engineARN, key)
}

// listGrants returns every grant of the key, with the SDK's paginator. A
// truncated page without a marker is an [*IncompleteAnswerError]: KMS
// documents NextMarker as present whenever Truncated is true, and without
// it the rest of the grants would go unread.
//
// Open point: the KMS API reference marks Grants as not required, and the
// SDK cannot tell an absent list from an empty one, so a page without
// Grants is read as a key without grants. Whether KMS ever leaves the list
// out is not documented.
func listGrants(ctx context.Context, api ListGrantsAPIClient, keyARN string) ([]kmstypes.GrantListEntry, error) {
	var all []kmstypes.GrantListEntry
	p := kms.NewListGrantsPaginator(api, &kms.ListGrantsInput{KeyId: aws.String(keyARN), Limit: aws.Int32(agentcore.MaxGrantsListLimit)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, kmsError("listing grants of "+keyARN, err)
		}
		switch {
		case page.Truncated && aws.ToString(page.NextMarker) == "":
			return nil, fmt.Errorf("policyengine: listing grants of %s: %w", keyARN, &IncompleteAnswerError{Op: "ListGrants", Field: "NextMarker", Resource: keyARN})
		}
		all = append(all, page.Grants...)
	}
	return all, nil
}

// pairOf picks the engine's two grants out of the grants bound to it: the
// first of each kind.
func pairOf(bound []*Grant) GrantPair {
	var p GrantPair
	for _, gr := range bound {
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
// order ListGrants returned them. A bound grant without an id or without
// operations, which KMS always lists, is an [*IncompleteAnswerError]: it
// can be neither told apart nor revoked.
func boundTo(grants []kmstypes.GrantListEntry, keyARN, engineARN string) ([]*Grant, error) {
	var out []*Grant
	for i, g := range grants {
		if !constrainedTo(g, engineARN) {
			continue
		}
		field := ""
		switch {
		case aws.ToString(g.GrantId) == "":
			field = fmt.Sprintf("Grants[%d].GrantId", i)
		case len(g.Operations) == 0:
			field = fmt.Sprintf("Grants[%d].Operations", i)
		}
		if field != "" {
			return nil, fmt.Errorf("policyengine: listing grants of %s: %w", keyARN, &IncompleteAnswerError{Op: "ListGrants", Field: field, Resource: keyARN})
		}
		kind := kindOf(g.Operations)
		if kind == 0 {
			continue
		}
		out = append(out, &Grant{
			Kind: kind, ID: aws.ToString(g.GrantId), Name: aws.ToString(g.Name), KeyID: aws.ToString(g.KeyId),
			GranteePrincipal: aws.ToString(g.GranteePrincipal), RetiringPrincipal: aws.ToString(g.RetiringPrincipal),
			Operations: slices.Clone(g.Operations), CreationDate: aws.ToTime(g.CreationDate),
			EncryptionContextSubset: maps.Clone(g.Constraints.EncryptionContextSubset),
			EncryptionContextEquals: maps.Clone(g.Constraints.EncryptionContextEquals),
		})
	}
	return out, nil
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

// boundGrants checks the client and the two ARNs, then returns the grants
// of the key bound to the engine, for [Client.Grants] and
// [Client.RevokeGrants].
func (c *Client) boundGrants(ctx context.Context, keyARN, engineARN string) ([]*Grant, error) {
	if err := c.needs(false, true); err != nil {
		return nil, err
	}
	if err := c.validatePair(keyARN, engineARN); err != nil {
		return nil, err
	}
	all, err := listGrants(ctx, c.kms, keyARN)
	if err != nil {
		return nil, err
	}
	return boundTo(all, keyARN, engineARN)
}

// RevokeGrants revokes both grants of the engine on the key, as the
// documentation says to do when revoking by hand, and returns the grants it
// revoked. Every grant of the key bound to the engine by its
// encryption-context constraint is revoked, so none is left behind when a
// kind is there more than once. When there is nothing left to revoke it does
// nothing and returns an empty pair. If a revoke fails, the [*RevokeError]
// names the grant that still holds access. The two ARNs are checked as
// [Client.Grants] checks them, before any call.
func (c *Client) RevokeGrants(ctx context.Context, keyARN, engineARN string) (GrantPair, error) {
	bound, err := c.boundGrants(ctx, keyARN, engineARN)
	if err != nil {
		return GrantPair{}, err
	}
	var revoked GrantPair
	rerr := &RevokeError{KeyARN: keyARN, EngineARN: engineARN}
	for _, g := range bound {
		_, err := c.kms.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(keyARN), GrantId: aws.String(g.ID)})
		var nf *kmstypes.NotFoundException
		if err != nil && !errors.As(err, &nf) {
			rerr.Remaining = append(rerr.Remaining, *g)
			rerr.Errs = append(rerr.Errs, kmsError("revoking grant "+g.ID+" of "+keyARN, err))
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
