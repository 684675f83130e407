package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keyapply"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// applyStory adds the documented policy-engine statements to a key that has
// the AWS default key policy, as a key administrator, through the real KMS
// client: written once, then already up to date. An auditor who may read
// the key policy but not change it is refused before anything is written,
// because the result would fail AWS's lockout safety check for them.
func applyStory(ctx context.Context, w io.Writer) error {
	const admin = "arn:aws:iam::" + account + ":role/KeyAdmin"
	sb, err := agentcoretest.Start(admin, func(o *agentcoretest.Options) { o.Region, o.Account = region, account })
	if err != nil {
		return err
	}
	defer sb.Close()
	fmt.Fprintln(w, "# Apply the documented statements to a key's policy: nothing already there changes, and nobody is locked out.")

	defaultPolicy, err := keypolicy.DefaultKeyPolicy(account, "aws")
	if err != nil {
		return err
	}
	policy, err := defaultPolicy.JSON()
	if err != nil {
		return err
	}
	keyARN, err := sb.NewKey(ctx, string(policy))
	if err != nil {
		return err
	}
	statements, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{
		Account: account, Region: region, Principal: "arn:aws:iam::" + account + ":role/ExampleRole",
	})
	if err != nil {
		return err
	}
	asAdmin := func(o *keyapply.Options) { o.Admin = admin }
	res, err := keyapply.Apply(ctx, sb.KMS, keyARN, statements, asAdmin)
	if err != nil {
		return fmt.Errorf("applying: %w", err)
	}
	fmt.Fprintf(w, "applied to the AWS default key policy as %s: added %q; %s still allows kms:PutKeyPolicy\n",
		admin, res.Added, res.Lockout.Statements)
	again, err := keyapply.Apply(ctx, sb.KMS, keyARN, statements, asAdmin)
	if err != nil || !again.UpToDate {
		return fmt.Errorf("applying again: up to date %v, %v", again != nil && again.UpToDate, err)
	}
	fmt.Fprintln(w, "applied again: already up to date, nothing written")

	// A key whose policy lets the auditor read it, and only the account's
	// administrators (through IAM) change it.
	const auditor = "arn:aws:iam::" + account + ":role/Auditor"
	readOnly := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"KeyAdministrators","Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"Auditors","Effect":"Allow","Principal":{"AWS":"` + auditor + `"},"Action":["kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}]}`
	auditedKey, err := sb.NewKey(ctx, readOnly)
	if err != nil {
		return err
	}
	auditorClients, err := sb.As(auditor)
	if err != nil {
		return err
	}
	_, err = keyapply.Apply(ctx, auditorClients.KMS, auditedKey, statements, func(o *keyapply.Options) { o.Admin = auditor })
	var le *keyapply.LockoutError
	if !errors.As(err, &le) || !errors.Is(err, keyapply.ErrRefused) {
		return fmt.Errorf("applying as an auditor: %v, want a lockout refusal", err)
	}
	fmt.Fprintf(w, "applied as %s, who may read but not change the policy: refused before writing: %v\n", auditor, err)
	return nil
}
