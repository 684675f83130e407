package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestPolicyEngineStory(t *testing.T) {
	var out bytes.Buffer
	if err := policyEngineStory(context.Background(), &out); err != nil {
		t.Fatalf("story: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"outcome passed",
		"is CREATING",
		"is ACTIVE",
		"policy management grant",
		"policy evaluation grant",
		"8. Audit: all authorization decisions of policy engine MyPolicyEngine-",
		"9. GetPolicyEngine is denied: The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("story lacks %q:\n%s", want, out.String())
		}
	}
}
