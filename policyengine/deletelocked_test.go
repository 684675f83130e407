package policyengine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// The documentation says that without access to the key, resources
// encrypted by it cannot be deleted either: Delete returns the mapped
// *KeyError, the engine and both its grants stay, and once the key is
// enabled again Delete works and reports both grants retired.
func TestDeleteNeedsTheKey(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	e := w.create(t, "Locked", wait)
	if err := w.kms.SetKeyState(w.keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	out, err := w.pe.Delete(ctx, e.ID)
	var ke *policyengine.KeyError
	var ve *types.ValidationException
	if !errors.As(err, &ke) || !errors.Is(err, kmscheck.ErrKeyNotUsable) || !errors.As(err, &ve) || ke.Op != "DeletePolicyEngine" {
		t.Fatalf("Delete with a disabled key = %+v, %v; want a *KeyError over the ValidationException", out, err)
	}
	sum, err := w.ctl.GetPolicyEngineSummary(ctx, &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: &e.ID})
	if err != nil || sum.Status != types.PolicyEngineStatusActive {
		t.Errorf("after the refused delete: %+v, %v; want the engine still ACTIVE", sum, err)
	}
	if pair, err := w.pe.Grants(ctx, w.keyARN, e.ARN); err != nil || pair.State() != policyengine.GrantsBoth {
		t.Errorf("after the refused delete: grants %s, %v; want both", pair.State(), err)
	}

	if err := w.kms.SetKeyState(w.keyARN, kmstypes.KeyStateEnabled); err != nil {
		t.Fatal(err)
	}
	out, err = w.pe.Delete(ctx, e.ID)
	if err != nil || !out.GrantsRetired || out.Remaining.State() != policyengine.GrantsNone {
		t.Errorf("Delete with the key enabled again = %+v, %v; want both grants retired", out, err)
	}
	_, err = w.pe.Delete(ctx, e.ID)
	if !errors.Is(err, policyengine.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}
