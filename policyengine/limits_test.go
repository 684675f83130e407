package policyengine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/agentcorekms/agentcorekms/policyengine"
)

// Values at the documented limits are accepted by Create and by the service
// (the emulator applies the same limits); one step beyond is an InputError
// before any call.
func TestCreateLimits(t *testing.T) {
	w := newWorld(t, worldOptions{})
	ctx := context.Background()
	fiftyTags := map[string]string{strings.Repeat("k", 128): strings.Repeat("v", 256)}
	for i := range 49 {
		fiftyTags["tag"+string(rune('A'+i%26))+string(rune('a'+i/26))] = "v"
	}
	if len(fiftyTags) != policyengine.MaxTags {
		t.Fatalf("test builds %d tags, want %d", len(fiftyTags), policyengine.MaxTags)
	}
	for _, tc := range []struct {
		name string
		in   policyengine.CreateInput
	}{
		{"name of 48 characters", policyengine.CreateInput{Name: "N" + strings.Repeat("x", 47)}},
		{"name of one letter", policyengine.CreateInput{Name: "N"}},
		{"description of 4096 characters", policyengine.CreateInput{Name: "LongDescription", Description: strings.Repeat("é", 4096)}},
		{"50 tags at the key and value lengths", policyengine.CreateInput{Name: "Tagged", Tags: fiftyTags}},
		{"client token of 33 characters", policyengine.CreateInput{Name: "ShortToken", ClientToken: strings.Repeat("a", 33)}},
		{"client token of 256 characters", policyengine.CreateInput{Name: "LongToken", ClientToken: "a-" + strings.Repeat("b", 254)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.KeyARN = w.keyARN
			out, err := w.pe.Create(ctx, tc.in, func(o *policyengine.Options) { o.SkipPreflight = true })
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if out.Engine.Name != tc.in.Name {
				t.Errorf("engine name = %q, want %q", out.Engine.Name, tc.in.Name)
			}
		})
	}
	before := w.cp.RequestCount("CreatePolicyEngine")
	_, err := w.pe.Create(ctx, policyengine.CreateInput{Name: "TooLongToken", KeyARN: w.keyARN, ClientToken: strings.Repeat("a", 257)})
	var ie *policyengine.InputError
	if !errors.As(err, &ie) || ie.Field != "ClientToken" {
		t.Errorf("client token of 257 characters: %v, want an InputError about ClientToken", err)
	}
	if n := w.cp.RequestCount("CreatePolicyEngine"); n != before {
		t.Errorf("%d CreatePolicyEngine requests for bad input", n-before)
	}
}
