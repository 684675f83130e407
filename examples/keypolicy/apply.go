package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awsenv"
	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/keyapply"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Sandbox of -apply -sandbox: an in-memory KMS with one key under the AWS
// default key policy, reached by this alias, called as this access key.
const (
	sandboxAccount   = "111122223333"
	sandboxRegion    = "us-east-1"
	sandboxAlias     = "alias/agentcore-sandbox"
	sandboxAccessKey = "AKIDSANDBOXKEYADMIN"
)

// checkApplyArgs checks the flags of -apply, and takes -account and -region
// from a key ARN (or the sandbox) when they are not given.
func checkApplyArgs(o *options) error {
	if o.apply == "" && !o.sandbox {
		switch {
		case o.dryRun:
			return badInput("-dry-run applies to -apply only")
		case o.admin != "":
			return badInput("-admin applies to -apply only")
		}
		return nil
	}
	if o.merge != "" || o.check != "" || o.lint != "" || o.compact {
		return badInput("-apply writes the key's policy; it cannot be combined with -merge, -check, -lint or -compact")
	}
	if o.sandbox {
		if o.apply != "" && o.apply != sandboxAlias {
			return badInput("-sandbox applies to its own key, %s: leave -apply out", sandboxAlias)
		}
		o.apply = sandboxAlias
		if o.account == "" {
			o.account = sandboxAccount
		}
		if o.region == "" {
			o.region = sandboxRegion
		}
		return nil
	}
	ref, err := agentcore.ParseKeyRef(o.apply, agentcore.KeyRefRules{Field: "-apply"})
	if err != nil {
		var ie *agentcore.InputError
		if errors.As(err, &ie) {
			return badInput("-apply %q: %s", o.apply, ie.Reason)
		}
		return err
	}
	if ref.Account != "" {
		if o.account == "" {
			o.account = ref.Account
		} else if o.account != ref.Account {
			return badInput("-account %s: the key %s is in account %s, and a key policy is for its own account", o.account, o.apply, ref.Account)
		}
	}
	if ref.Region != "" {
		if o.region == "" {
			o.region = ref.Region
		} else if o.region != ref.Region {
			return badInput("-region %s: the key %s is in Region %s", o.region, o.apply, ref.Region)
		}
	}
	return nil
}

// apply is -apply: it adds the generated statements to the key's policy
// with keyapply.Apply, prints the key ARN and the result on stdout and the
// diff on stderr, and returns the exit status: 0 applied or already up to
// date, 1 refused, 2 bad input or no answer.
func apply(ctx context.Context, o *options, stdout, stderr io.Writer, fail func(int, error) int) int {
	statements, err := policy(o, nil)
	if err != nil {
		return fail(exitBadInput, err)
	}
	var client keyapply.KMS
	admin := o.admin
	if o.sandbox {
		c, a, stop, err := sandboxKMS(ctx, o, stderr)
		if err != nil {
			return fail(exitBadInput, fmt.Errorf("sandbox: %w", err))
		}
		defer stop()
		client = c
		if admin == "" {
			admin = a
		}
	} else {
		cfg, err := awsenv.LoadConfig(ctx, o.region)
		if err != nil {
			return fail(exitBadInput, err)
		}
		if admin == "" {
			_, principal, err := awsenv.CallerIdentity(ctx, cfg)
			if err != nil {
				return fail(exitBadInput, fmt.Errorf("could not look up who you are for the lockout check (pass -admin): %w", err))
			}
			admin = principal
		}
		client = kms.NewFromConfig(cfg)
	}
	res, err := keyapply.Apply(ctx, client, o.apply, statements, func(opt *keyapply.Options) {
		opt.Admin, opt.DryRun = admin, o.dryRun
	})
	if res != nil {
		fmt.Fprintln(stdout, res.KeyARN)
		fmt.Fprint(stderr, res.Diff)
	}
	if err != nil {
		var ie *keyapply.InputError
		if errors.As(err, &ie) && ie.Field == "Options.Admin" {
			err = badInput("-admin %q: %s", ie.Value, ie.Reason)
		}
		return fail(applyCode(err), err)
	}
	switch {
	case res.UpToDate:
		fmt.Fprintln(stdout, "already up to date")
	case res.DryRun:
		fmt.Fprintf(stdout, "dry run: would add %s; nothing written\n", quoteAll(res.Added))
	default:
		fmt.Fprintf(stdout, "applied: added %s; %s may still change the key policy, by %s\n", quoteAll(res.Added), admin, quoteAll(res.Lockout.Statements))
	}
	return exitOK
}

// applyCode is the exit status of a failed -apply.
func applyCode(err error) int {
	switch {
	case errors.Is(err, keyapply.ErrRefused):
		return exitFailed
	case errors.Is(err, keyapply.ErrNotVerified), errors.Is(err, keyapply.ErrNoAnswer):
		return exitBadInput
	}
	return cli.Code(err)
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// sandboxKMS starts an in-memory KMS on loopback with one key under the AWS
// default key policy, aliased sandboxAlias, and returns a real KMS client
// for it, the admin it calls as, and a function that stops it.
func sandboxKMS(ctx context.Context, o *options, stderr io.Writer) (*kms.Client, string, func(), error) {
	k := kmstest.New(func(ko *kmstest.Options) { ko.Region, ko.Account = o.region, o.account })
	part, ok := awspartition.ForRegion(o.region)
	if !ok {
		part, _ = awspartition.ByID("aws")
	}
	admin := "arn:" + part.ID + ":iam::" + o.account + ":role/KeyAdmin"
	if o.admin != "" {
		admin = o.admin
	}
	k.MapAccessKey(sandboxAccessKey, admin)
	out, err := k.Client().CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("keypolicy -apply sandbox")})
	if err != nil {
		return nil, "", nil, err
	}
	keyARN := aws.ToString(out.KeyMetadata.Arn)
	if err := k.SetAlias(sandboxAlias, keyARN); err != nil {
		return nil, "", nil, err
	}
	srv := k.NewServer()
	fmt.Fprintf(stderr, "sandbox: in-memory KMS on loopback; key %s (%s) has the AWS default key policy; applying as %s\n", keyARN, sandboxAlias, admin)
	client := kmstest.NewSDKClient(srv.URL, sandboxAccessKey, func(ko *kms.Options) { ko.Region = o.region })
	return client, admin, srv.Close, nil
}
