package kmstest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Operations whose KeyId takes only a key id or key ARN answer an alias
// with NotFoundException, as their KeyId documentation says.
func TestKeyIDOnlyOperationsRefuseAliases(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	if err := k.SetAlias("alias/app", id); err != nil {
		t.Fatal(err)
	}
	grant, err := k.Client().CreateGrant(t.Context(), &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	calls := map[string]func(ref *string) error{
		"GetKeyPolicy": func(ref *string) error { _, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: ref}); return err },
		"PutKeyPolicy": func(ref *string) error {
			_, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: ref, Policy: aws.String(k.DefaultKeyPolicy())})
			return err
		},
		"EnableKey":  func(ref *string) error { _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: ref}); return err },
		"DisableKey": func(ref *string) error { _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: ref}); return err },
		"ScheduleKeyDeletion": func(ref *string) error {
			_, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: ref})
			return err
		},
		"CancelKeyDeletion": func(ref *string) error {
			_, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: ref})
			return err
		},
		"CreateGrant": func(ref *string) error {
			_, err := c.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: ref, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
			return err
		},
		"ListGrants": func(ref *string) error { _, err := c.ListGrants(ctx, &kms.ListGrantsInput{KeyId: ref}); return err },
		"RevokeGrant": func(ref *string) error {
			_, err := c.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: ref, GrantId: grant.GrantId})
			return err
		},
		"ListKeyPolicies": func(ref *string) error {
			_, err := c.ListKeyPolicies(ctx, &kms.ListKeyPoliciesInput{KeyId: ref})
			return err
		},
		"ListResourceTags": func(ref *string) error {
			_, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: ref})
			return err
		},
		"TagResource": func(ref *string) error {
			_, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: ref, Tags: []types.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
			return err
		},
		"UntagResource": func(ref *string) error {
			_, err := c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: ref, TagKeys: []string{"k"}})
			return err
		},
		"UpdateKeyDescription": func(ref *string) error {
			_, err := c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: ref, Description: aws.String("d")})
			return err
		},
		"EnableKeyRotation": func(ref *string) error {
			_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: ref})
			return err
		},
		"DisableKeyRotation": func(ref *string) error {
			_, err := c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: ref})
			return err
		},
		"GetKeyRotationStatus": func(ref *string) error {
			_, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: ref})
			return err
		},
	}
	for name, call := range calls {
		for _, ref := range []string{"alias/app", k.AliasARN("alias/app")} {
			var nf *types.NotFoundException
			if err := call(aws.String(ref)); !errors.As(err, &nf) {
				t.Errorf("%s(KeyId %s) = %v, want NotFoundException", name, ref, err)
			}
		}
	}
	// The key itself was never touched: still Enabled, its grant still there.
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/app")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.KeyMetadata.KeyState != types.KeyStateEnabled {
		t.Errorf("key state = %s, want Enabled", desc.KeyMetadata.KeyState)
	}
	if gs, _ := k.Grants(id); len(gs) != 1 {
		t.Errorf("%d grants, want 1", len(gs))
	}
}

func TestAliasNames(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	tests := []struct {
		name     string
		alias    string
		wantCode string
	}{
		{name: "plain", alias: "alias/app-1_x/y"},
		{name: "a colon", alias: "alias/a:b", wantCode: "ValidationException"},
		{name: "no alias/ prefix", alias: "app", wantCode: "ValidationException"},
		{name: "only the prefix", alias: "alias/", wantCode: "ValidationException"},
		{name: "too long", alias: "alias/" + strings.Repeat("a", 251), wantCode: "ValidationException"},
		{name: "the longest", alias: "alias/" + strings.Repeat("a", 250)},
		{name: "reserved for AWS", alias: "alias/aws/mine", wantCode: "InvalidAliasNameException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String(tt.alias), TargetKeyId: &id})
			if got := apiCode(err); got != tt.wantCode {
				t.Errorf("CreateAlias(%q) = %v, want code %q", tt.alias, err, tt.wantCode)
			}
		})
	}
}

func TestListLimits(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	for _, limit := range []int32{0, 101} {
		if _, err := c.ListAliases(t.Context(), &kms.ListAliasesInput{Limit: aws.Int32(limit)}); apiCode(err) != "ValidationException" {
			t.Errorf("ListAliases(Limit %d) = %v, want ValidationException", limit, err)
		}
		if _, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id, Limit: aws.Int32(limit)}); apiCode(err) != "ValidationException" {
			t.Errorf("ListGrants(Limit %d) = %v, want ValidationException", limit, err)
		}
		if _, err := c.ListRetirableGrants(t.Context(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(role), Limit: aws.Int32(limit)}); apiCode(err) != "ValidationException" {
			t.Errorf("ListRetirableGrants(Limit %d) = %v, want ValidationException", limit, err)
		}
	}
	if _, err := c.ListAliases(t.Context(), &kms.ListAliasesInput{Limit: aws.Int32(100)}); err != nil {
		t.Errorf("ListAliases(Limit 100) = %v", err)
	}
	if _, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id, Limit: aws.Int32(100)}); err != nil {
		t.Errorf("ListGrants(Limit 100) = %v", err)
	}
}

func TestPredefinedAliases(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	if err := k.SetAlias("alias/aws/s3", id); err != nil {
		t.Fatal(err)
	}
	targets := map[string]string{}
	pages := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Aliases {
			targets[aws.ToString(a.AliasName)] = aws.ToString(a.TargetKeyId)
		}
	}
	for _, name := range kmstest.DefaultPredefinedAliases() {
		target, ok := targets[name]
		switch {
		case !ok:
			t.Errorf("ListAliases lacks the predefined %s", name)
		case name == "alias/aws/s3" && target != id:
			t.Errorf("%s targets %q, want %q after SetAlias", name, target, id)
		case name != "alias/aws/s3" && target != "":
			t.Errorf("predefined %s targets %q, want no TargetKeyId", name, target)
		}
	}
	var nf *types.NotFoundException
	if _, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/ebs")}); !errors.As(err, &nf) {
		t.Errorf("DescribeKey(alias/aws/ebs) with no key behind it = %v, want NotFoundException", err)
	}
	out, err := c.ListAliases(t.Context(), &kms.ListAliasesInput{KeyId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Aliases) != 1 || aws.ToString(out.Aliases[0].AliasName) != "alias/aws/s3" {
		t.Errorf("ListAliases(KeyId) = %+v, want alias/aws/s3 only", out.Aliases)
	}
	none := kmstest.New(func(o *kmstest.Options) { o.PredefinedAliases = []string{} })
	if out, err := none.Client().ListAliases(t.Context(), &kms.ListAliasesInput{}); err != nil || len(out.Aliases) != 0 {
		t.Errorf("ListAliases with no predefined aliases = %+v, %v; want none", out, err)
	}
}

func TestUpdateAlias(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	a := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	b := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	rsa := aws.ToString(k.CreateTestKey(t, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt}).KeyId)
	deleting := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	if err := k.SetKeyState(deleting, types.KeyStatePendingDeletion); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: &a}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		alias    string
		target   string
		wantCode string
	}{
		{name: "to another symmetric key", alias: "alias/app", target: b},
		{name: "to a key of another type", alias: "alias/app", target: rsa, wantCode: "ValidationException"},
		{name: "to a key pending deletion", alias: "alias/app", target: deleting, wantCode: "KMSInvalidStateException"},
		{name: "to an alias", alias: "alias/app", target: "alias/app", wantCode: "NotFoundException"},
		{name: "a missing alias", alias: "alias/none", target: b, wantCode: "NotFoundException"},
	}
	for _, tt := range tests { // in order: the first moves the alias
		_, err := c.UpdateAlias(t.Context(), &kms.UpdateAliasInput{AliasName: aws.String(tt.alias), TargetKeyId: aws.String(tt.target)})
		if got := apiCode(err); got != tt.wantCode {
			t.Errorf("%s: UpdateAlias = %v, want code %q", tt.name, err, tt.wantCode)
		}
	}
	desc, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: aws.String("alias/app")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(desc.KeyMetadata.KeyId); got != b {
		t.Errorf("alias/app names %s, want %s", got, b)
	}
}
