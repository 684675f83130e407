package policyengine_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/policyengine"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// When the key holds more than one grant of a kind bound to the engine (a
// grant created again, or by hand, with the engine's encryption-context
// constraint), RevokeGrants revokes every one: afterwards no grant bound to
// the engine is left, and Grants reports none.
func TestRevokeGrantsRevokesEveryGrantOfTheEngine(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	e := w.create(t, "Duplicated", wait)
	other := w.create(t, "Other", wait)
	if _, err := w.kmsc.CreateGrant(ctx, &kms.CreateGrantInput{
		KeyId:            aws.String(w.keyARN),
		GranteePrincipal: aws.String(role),
		Operations:       policyenginetest.EvaluationGrantOperations(),
		Constraints:      &kmstypes.GrantConstraints{EncryptionContextSubset: policyengine.EncryptionContext(e.ARN)},
	}); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}

	if _, err := w.pe.RevokeGrants(ctx, w.keyARN, e.ARN); err != nil {
		t.Fatalf("RevokeGrants: %v", err)
	}
	pair, err := w.pe.Grants(ctx, w.keyARN, e.ARN)
	if err != nil || pair.State() != policyengine.GrantsNone {
		t.Errorf("after RevokeGrants: %s, %v; want no grant of the engine left", pair.State(), err)
	}
	// The other engine's grants are untouched.
	if pair, err := w.pe.Grants(ctx, w.keyARN, other.ARN); err != nil || pair.State() != policyengine.GrantsBoth {
		t.Errorf("other engine: %s, %v; want both grants", pair.State(), err)
	}
}
