package kmscheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Malformed key references are refused before any request, by the module's
// one key-reference validator.
func TestMalformedKeyReferences(t *testing.T) {
	t.Parallel()
	const uuid = "1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name   string
		keyID  string
		client func(url string) *kms.Client
	}{
		{name: "a quote in the key id", keyID: `arn:aws:kms:us-east-1:111122223333:key/"x`},
		{name: "a four-digit account", keyID: "arn:aws:kms:us-east-1:1111:key/" + uuid},
		{name: "a key id that is not a UUID", keyID: "1234"},
		{name: "an AWS managed alias", keyID: "alias/aws/s3"},
		{name: "an alias with a colon", keyID: "alias/a:b"},
		{name: "a Region of another partition", keyID: "arn:aws:kms:cn-north-1:111122223333:key/" + uuid},
		{name: "an ARN of another partition than the client's", keyID: "arn:aws:kms:us-east-1:111122223333:key/" + uuid,
			client: func(url string) *kms.Client {
				return kmstest.NewSDKClient(url, akid, func(o *kms.Options) { o.Region = "cn-north-1" })
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := kmstest.New()
			srv := k.NewServer()
			defer srv.Close()
			c := kmstest.NewSDKClient(srv.URL, akid)
			if tt.client != nil {
				c = tt.client(srv.URL)
			}
			r, err := kmscheck.Check(t.Context(), c, tt.keyID, peTarget)
			var ie *kmscheck.InputError
			if r != nil || !errors.As(err, &ie) || !errors.Is(err, kmscheck.ErrInvalidInput) || ie.Field != "keyID" {
				t.Fatalf("Check(%q) = %v, %v; want an *InputError for keyID", tt.keyID, r, err)
			}
			if n := len(k.Calls()); n != 0 {
				t.Errorf("a malformed key reference made %d KMS calls", n)
			}
		})
	}
}

// A zero-value SDK client is bad input, not a panic in Check's goroutines.
func TestZeroClient(t *testing.T) {
	t.Parallel()
	r, err := kmscheck.Check(t.Context(), &kms.Client{}, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", peTarget)
	var ie *kmscheck.InputError
	if r != nil || !errors.As(err, &ie) || ie.Field != "client" {
		t.Errorf("Check(&kms.Client{}) = %v, %v; want an *InputError for the client", r, err)
	}
}

// panickingKMS panics in the operations named.
type panickingKMS struct {
	kmscheck.KMS
	op string
}

func (p panickingKMS) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if p.op == "DescribeKey" {
		panic("nil pointer in a hand-made client")
	}
	return p.KMS.DescribeKey(ctx, in, optFns...)
}

func (p panickingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if p.op == "GenerateDataKey" {
		panic("nil pointer in a hand-made client")
	}
	return p.KMS.GenerateDataKey(ctx, in, optFns...)
}

// A client that panics inside one of Check's goroutines, where the caller
// could not recover it, makes Check return an error instead.
func TestPanickingClient(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"DescribeKey", "GenerateDataKey"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			md := e.key(t, nil)
			r, err := kmscheck.Check(t.Context(), panickingKMS{KMS: e.c, op: op}, *md.Arn, beTarget)
			var ie *kmscheck.InputError
			if r != nil || !errors.As(err, &ie) || ie.Field != "client" || !strings.Contains(err.Error(), op) {
				t.Errorf("Check = %v, %v; want an *InputError naming %s", r, err, op)
			}
		})
	}
}

// The documented policy-engine key policy lets the caller role use the key
// only through AgentCore, so the role cannot read the key itself. An admin
// client reads it, and the report judges the role named in the target.
func TestAdminChecksForTheCallerRole(t *testing.T) {
	t.Parallel()
	const (
		admin     = "arn:aws:iam::111122223333:role/KeyAdmin"
		adminAKID = "AKIDADMIN"
	)
	e := newEnv(t)
	e.k.MapAccessKey(adminAKID, admin)
	doc, err := keypolicy.ForPolicyEngine(*peTarget.PolicyEngine)
	if err != nil {
		t.Fatal(err)
	}
	// No root statement: nothing delegates to IAM. The admin may read the
	// key and its policy; the role only through AgentCore.
	doc.Statement = append(doc.Statement, keypolicy.Statement{
		Sid: "AllowKeyAdminToReadTheKey", Effect: keypolicy.EffectAllow, Principal: keypolicy.AWSPrincipal(admin),
		Action: keypolicy.List("kms:DescribeKey", "kms:GetKeyPolicy"), Resource: keypolicy.One("*"),
	})
	pol, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(string(pol)), BypassPolicyLockoutSafetyCheck: true})

	// As the role: KMS denies the reads, so nothing is known.
	asRole, err := kmscheck.Check(t.Context(), e.c, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	if !asRole.Incomplete() {
		t.Errorf("as the role: outcome %v, want incomplete", asRole.Outcome())
	}
	exists := finding(t, asRole, kmscheck.IDKeyExists)
	if !strings.Contains(exists.Remedy, "identity running the preflight") || !strings.Contains(exists.Remedy, "kms:DescribeKey") {
		t.Errorf("key.exists remedy %q does not say which identity needs kms:DescribeKey", exists.Remedy)
	}
	read := finding(t, asRole, kmscheck.IDPolicyRead)
	if !strings.Contains(read.Remedy, "identity running the preflight") || !strings.Contains(read.Remedy, "kms:GetKeyPolicy") {
		t.Errorf("policy.read remedy %q does not say which identity needs kms:GetKeyPolicy", read.Remedy)
	}

	// As the admin, for the role: every finding passes, and the key-policy
	// findings speak of the role.
	srv := e.k.NewServer()
	defer srv.Close()
	adminClient := kmstest.NewSDKClient(srv.URL, adminAKID)
	r, err := kmscheck.Check(t.Context(), adminClient, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Passed() || r.Err() != nil {
		t.Fatalf("as the admin: outcome %v, %v; statuses %v", r.Outcome(), r.Err(), statuses(r))
	}
	for _, id := range peIDs[len(keyIDs):] {
		if f := finding(t, r, id); !strings.Contains(f.Message, caller) {
			t.Errorf("%s = %q, want it to judge %s", id, f.Message, caller)
		}
	}
	// The admin made the calls; the role made none of them.
	for _, c := range e.k.Calls() {
		if c.Caller.Principal == admin && c.Operation != "DescribeKey" && c.Operation != "GetKeyPolicy" {
			t.Errorf("admin made %s", c.Operation)
		}
	}
}
