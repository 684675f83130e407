package main

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// Sandbox identity.
const (
	sandboxAccount = "111122223333"
	sandboxRegion  = "us-east-1"
	sandboxRole    = "arn:aws:iam::" + sandboxAccount + ":role/ExampleRole"
)

// sandbox runs the command against in-memory KMS and control plane servers.
func sandbox(ctx context.Context, f flags, stdout, stderr io.Writer) int {
	sb, err := agentcoretest.Start(sandboxRole, func(o *agentcoretest.Options) { o.Account, o.Region = sandboxAccount, sandboxRegion })
	if err != nil {
		fmt.Fprintln(stderr, "policyengine: sandbox:", err)
		return exitFailed
	}
	defer sb.Close()
	kmsc := sb.KMS

	keyARN, err := sandboxKey(ctx, kmsc)
	if err != nil {
		fmt.Fprintln(stderr, "policyengine: sandbox key:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "sandbox: key %s with the default key policy plus the documented statements for %s\n", keyARN, sandboxRole)
	client := policyengine.New(sb.ControlPlane, kmsc,
		func(o *policyengine.Options) { o.WaitMinDelay, o.WaitMaxDelay = 10e6, 100e6 }) // 10-100 ms
	f.principal = sandboxRole
	return createAndAudit(ctx, client, f, keyARN, stdout, stderr)
}

// sandboxKey creates a key as the sandbox role and gives it the default key
// policy merged with the documented policy-engine statements.
func sandboxKey(ctx context.Context, kmsc *kms.Client) (string, error) {
	out, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{Description: ptr("policy engine key")})
	if err != nil {
		return "", err
	}
	base, err := keypolicy.DefaultKeyPolicy(sandboxAccount, "aws")
	if err != nil {
		return "", err
	}
	add, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: sandboxAccount, Region: sandboxRegion, Principal: sandboxRole})
	if err != nil {
		return "", err
	}
	merged, err := keypolicy.Merge(base, add)
	if err != nil {
		return "", err
	}
	doc, err := merged.JSON()
	if err != nil {
		return "", err
	}
	if _, err := kmsc.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: out.KeyMetadata.Arn, Policy: ptr(string(doc))}); err != nil {
		return "", err
	}
	return *out.KeyMetadata.Arn, nil
}

func ptr(s string) *string { return &s }
