package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/internal/cli"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// Sandbox defaults: the documented sample account, Region and roles.
const (
	sandboxAccount = "111122223333"
	sandboxRegion  = "us-east-1"
)

// sample is one sandbox key and the outcome the documentation predicts.
type sample struct {
	name string
	// create makes the key and returns the reference to check.
	create func(ctx context.Context) (string, error)
	// want describes the expected outcome; expected checks it.
	want     string
	expected func(*kmscheck.Report) bool
}

// sandboxResult is one sample's outcome, for -json.
type sandboxResult struct {
	Sample     string           `json:"sample"`
	Expected   string           `json:"expected"`
	AsExpected bool             `json:"asExpected"`
	Report     *kmscheck.Report `json:"report"`
}

func status(r *kmscheck.Report, id string) kmscheck.Status {
	f, ok := r.Finding(id)
	if !ok {
		return kmscheck.StatusUnknown
	}
	return f.Status
}

// sandbox checks sample keys in an in-memory KMS, as the caller principal.
func sandbox(ctx context.Context, cmd *cli.Command, f flags, stdout, stderr io.Writer) int {
	if f.region == "" {
		f.region = sandboxRegion
	}
	if f.account == "" {
		f.account = sandboxAccount
	}
	if err := sandboxDefaults(&f); err != nil {
		fmt.Fprintln(stderr, "preflight:", err)
		return exitUsage
	}
	target := f.target()
	// The statement each feature's sample leaves out.
	generated, missing, missingReq, err := sandboxPolicy(f, target)
	if err != nil {
		fmt.Fprintln(stderr, "preflight:", err)
		return exitUsage
	}

	sb, err := agentcoretest.Start(f.principal, func(o *agentcoretest.Options) { o.Region, o.Account = f.region, f.account })
	if err != nil {
		fmt.Fprintln(stderr, "preflight: sandbox:", err)
		return exitUsage
	}
	defer sb.Close()
	k, client := sb.Emulators.KMS, sb.KMS
	admin := k.Client()

	// policy is the default key policy (the account root may use the key
	// through IAM) plus the documented statements, as AWS recommends.
	policy := func() (string, error) {
		base, err := keypolicy.Parse([]byte(k.DefaultKeyPolicy()))
		if err != nil {
			return "", err
		}
		doc, err := keypolicy.Merge(base, generated)
		if err != nil {
			return "", err
		}
		b, err := doc.JSON()
		return string(b), err
	}
	// lacking leaves out one documented statement and the root statement
	// (which would delegate to IAM); a statement lets the caller run the
	// preflight.
	lacking := func() (string, error) {
		doc := generated.Clone()
		doc.Statement = slices.DeleteFunc(doc.Statement, func(s keypolicy.Statement) bool { return s.Sid == missing })
		read := keypolicy.Statement{
			Sid: "AllowPreflight", Effect: keypolicy.EffectAllow, Principal: keypolicy.AWSPrincipal(f.principal),
			Action: keypolicy.List("kms:DescribeKey", "kms:GetKeyPolicy"), Resource: keypolicy.One("*"),
		}
		// The sandbox's own administrator keeps the key policy in its
		// hands, or KMS's lockout safety check refuses the key.
		manage := keypolicy.Statement{
			Sid: "AllowKeyAdministration", Effect: keypolicy.EffectAllow, Principal: keypolicy.AWSPrincipal(k.Options().DefaultPrincipal),
			Action: keypolicy.One("kms:*"), Resource: keypolicy.One("*"),
		}
		doc.Statement = append([]keypolicy.Statement{read, manage}, doc.Statement...)
		b, err := doc.JSON()
		return string(b), err
	}
	create := func(ctx context.Context, in *kms.CreateKeyInput, pol func() (string, error)) (string, error) {
		p, err := pol()
		if err != nil {
			return "", err
		}
		in.Policy = aws.String(p)
		// The documented policies name only the AgentCore role, so they
		// fail KMS's lockout safety check for the creating admin.
		in.BypassPolicyLockoutSafetyCheck = true
		out, err := admin.CreateKey(ctx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.KeyMetadata.Arn), nil
	}
	good := func(ctx context.Context) (string, error) { return create(ctx, &kms.CreateKeyInput{}, policy) }
	fails := func(ids ...string) func(*kmscheck.Report) bool {
		return func(r *kmscheck.Report) bool {
			for _, id := range ids {
				if status(r, id) != kmscheck.StatusFail {
					return false
				}
			}
			return true
		}
	}

	samples := []sample{
		{
			name: "a symmetric key with the documented key policy", create: good,
			want: "every finding passes",
			expected: func(r *kmscheck.Report) bool {
				return r.Passed() && r.Complete() && len(r.WithStatus(kmscheck.StatusWarn)) == 0
			},
		},
		{
			name: "an RSA key",
			create: func(ctx context.Context) (string, error) {
				return create(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt}, policy)
			},
			want: "key.spec fails: AgentCore supports only symmetric keys", expected: fails(kmscheck.IDKeySpec),
		},
		{
			name: "an HMAC key",
			create: func(ctx context.Context) (string, error) {
				return create(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac}, policy)
			},
			want: "key.spec and key.usage fail", expected: fails(kmscheck.IDKeySpec, kmscheck.IDKeyUsage),
		},
		{
			name: "a disabled key",
			create: func(ctx context.Context) (string, error) {
				id, err := good(ctx)
				if err == nil {
					_, err = admin.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &id})
				}
				return id, err
			},
			want: "key.state fails with the enable-key remedy", expected: fails(kmscheck.IDKeyState),
		},
		{
			name: "a key pending deletion",
			create: func(ctx context.Context) (string, error) {
				id, err := good(ctx)
				if err == nil {
					_, err = admin.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(7)})
				}
				return id, err
			},
			want: "key.state fails and names the deletion date", expected: fails(kmscheck.IDKeyState),
		},
		{
			name:   fmt.Sprintf("a key policy without the %q statement", missing),
			create: func(ctx context.Context) (string, error) { return create(ctx, &kms.CreateKeyInput{}, lacking) },
			want:   missingReq + " fails with the statement to add", expected: fails(missingReq),
		},
		{
			name: "a good key reached by its alias",
			create: func(ctx context.Context) (string, error) {
				id, err := good(ctx)
				if err == nil {
					_, err = admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/agentcore-sandbox"), TargetKeyId: &id})
				}
				return "alias/agentcore-sandbox", err
			},
			want: "key.reference warns with the key ARN to pass; nothing fails",
			expected: func(r *kmscheck.Report) bool {
				return r.Passed() && r.Complete() && status(r, kmscheck.IDKeyReference) == kmscheck.StatusWarn
			},
		},
	}

	samples = sandboxSamples(f, samples)

	var checkOpts []func(*kmscheck.Options)
	if f.iam {
		sim, err := newSandboxIAM(ctx, f)
		if err != nil {
			return cmd.Fail(stderr, exitUsage, err)
		}
		defer sim.close()
		more, err := iamSamples(sim, target, k.DefaultKeyPolicy(), create)
		if err != nil {
			return cmd.Fail(stderr, exitUsage, err)
		}
		samples = append(samples, more...)
		checkOpts = append(checkOpts, func(o *kmscheck.Options) { o.IAM = sim.client })
	}

	code := exitOK
	var results []sandboxResult
	for _, s := range samples {
		ref, err := s.create(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "preflight: sandbox: creating %s: %v\n", s.name, err)
			return exitUsage
		}
		r, err := kmscheck.Check(ctx, client, ref, target, checkOpts...)
		if err != nil {
			return cmd.Fail(stderr, exitUsage, err)
		}
		ok := s.expected(r)
		if !ok {
			code = exitFailed
			fmt.Fprintf(stderr, "preflight: sandbox: %s: expected %s\n", s.name, s.want)
		}
		results = append(results, sandboxResult{Sample: s.name, Expected: s.want, AsExpected: ok, Report: r})
		if !f.json {
			writeReport(stdout, fmt.Sprintf("Sandbox: %s (expected: %s)", s.name, s.want), f, r)
		}
	}
	if f.json {
		if err := writeJSON(stdout, results); err != nil {
			fmt.Fprintln(stderr, "preflight:", err)
			return exitUsage
		}
	}
	return code
}
