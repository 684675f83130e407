package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/policyengine"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// policyEngineStory runs the life of an encrypted policy engine against the
// in-memory KMS and control plane: make a key, give it the documented key
// policy, create an engine (with the preflight), wait for ACTIVE, show both
// grants, then disable the key and show what an audit and a read say.
func policyEngineStory(ctx context.Context, w io.Writer) error {
	const role = "arn:aws:iam::" + account + ":role/ExampleRole"
	fmt.Fprintln(w, "# Policy engine encrypted with a customer managed key (offline emulators)")
	sb, err := agentcoretest.Start(role, func(o *agentcoretest.Options) {
		o.Account, o.Region = account, region
		o.ControlPlane = []func(*policyenginetest.Options){func(o *policyenginetest.Options) { o.ActivationDelay = 30 * time.Millisecond }}
	})
	if err != nil {
		return err
	}
	defer sb.Close()
	kmsc := sb.KMS

	// 1. A key.
	key, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("policy engines")})
	if err != nil {
		return fmt.Errorf("creating the key: %w", err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	fmt.Fprintf(w, "1. Created key %s.\n", keyARN)

	// 2. Its key policy: the default one plus the documented statements.
	base, err := keypolicy.DefaultKeyPolicy(account, "aws")
	if err != nil {
		return err
	}
	add, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: region, Principal: role})
	if err != nil {
		return err
	}
	merged, err := keypolicy.Merge(base, add)
	if err != nil {
		return err
	}
	doc, err := merged.JSON()
	if err != nil {
		return err
	}
	if _, err := kmsc.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &keyARN, Policy: aws.String(string(doc))}); err != nil {
		return fmt.Errorf("applying the key policy: %w", err)
	}
	fmt.Fprintf(w, "2. Applied the default key policy merged with %d documented statements (%d in all).\n", len(add.Statement), len(merged.Statement))

	// 3-4. Create, which runs the preflight first.
	client := policyengine.New(sb.ControlPlane, kmsc, func(o *policyengine.Options) {
		o.Principal = role
		o.WaitMinDelay, o.WaitMaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	created, err := client.Create(ctx, policyengine.CreateInput{
		Name: "MyPolicyEngine", Description: "Policy engine with customer-managed encryption", KeyARN: keyARN,
	})
	if err != nil {
		return fmt.Errorf("creating the policy engine: %w", err)
	}
	rep := created.Preflight
	fmt.Fprintf(w, "3. Preflight of the key for policy engines: %d checks, outcome %s.\n", len(rep.Findings), rep.Outcome())
	e := created.Engine
	fmt.Fprintf(w, "4. CreatePolicyEngine: %s is %s.\n", e.ID, e.Status)
	if e.Status != types.PolicyEngineStatusCreating {
		return fmt.Errorf("a new engine is %s, want CREATING", e.Status)
	}

	// 5. Wait.
	if e, err = client.WaitActive(ctx, e.ID); err != nil {
		return fmt.Errorf("waiting: %w", err)
	}
	fmt.Fprintf(w, "5. Waited with the SDK's PolicyEngineActiveWaiter: %s is %s.\n", e.ID, e.Status)

	// 6. The two grants the service made with the caller's identity.
	pair, err := client.Grants(ctx, keyARN, e.ARN)
	if err != nil {
		return err
	}
	if pair.State() != policyengine.GrantsBoth {
		return fmt.Errorf("grants: %s, want both", pair.State())
	}
	fmt.Fprintf(w, "6. Grants on the key, bound to %s=%s:\n", policyengine.ContextKey, e.ARN)
	for _, g := range []*policyengine.Grant{pair.Management, pair.Evaluation} {
		fmt.Fprintf(w, "   %s %.12s... for %s: %v\n", g.Kind, g.ID, g.GranteePrincipal, g.Operations)
	}

	// 7. Someone disables the key.
	if _, err := kmsc.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &keyARN}); err != nil {
		return err
	}
	fmt.Fprintln(w, "7. Disabled the key.")

	// 8. The audit sees it through the summaries, which still answer.
	audit, err := client.Audit(ctx)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if len(audit.Engines) != 1 || len(audit.Engines[0].Findings) == 0 {
		return errors.New("the audit found nothing wrong with an engine whose key is disabled")
	}
	f := audit.Engines[0].Findings[0]
	if f.Code != policyengine.FindingKeyDisabled {
		return fmt.Errorf("audit finding %s, want %s", f.Code, policyengine.FindingKeyDisabled)
	}
	fmt.Fprintf(w, "8. Audit: %s\n", f.Message)

	// 9. And reading the engine now fails as documented.
	_, err = client.Get(ctx, e.ID)
	if !errors.Is(err, kmscheck.ErrKeyNotUsable) {
		return fmt.Errorf("reading with a disabled key: %v, want %v", err, kmscheck.ErrKeyNotUsable)
	}
	fmt.Fprintf(w, "9. GetPolicyEngine is denied: %v\n", kmscheck.ErrKeyNotUsable)
	return nil
}
