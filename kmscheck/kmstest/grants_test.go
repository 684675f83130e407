package kmstest_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

func TestCreateGrantKeyStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state    types.KeyState
		wantCode string
	}{
		{state: types.KeyStateDisabled, wantCode: (&types.DisabledException{}).ErrorCode()},
		{state: types.KeyStatePendingDeletion, wantCode: (&types.KMSInvalidStateException{}).ErrorCode()},
		{state: types.KeyStatePendingImport, wantCode: (&types.KMSInvalidStateException{}).ErrorCode()},
	}
	for _, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			t.Parallel()
			k, c := setup(t)
			id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
			if err := k.SetKeyState(id, tt.state); err != nil {
				t.Fatal(err)
			}
			_, err := c.CreateGrant(t.Context(), &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
			if got := apiCode(err); got != tt.wantCode {
				t.Errorf("CreateGrant on a %s key = %v, want %s", tt.state, err, tt.wantCode)
			}
			if gs, _ := k.Grants(id); len(gs) != 0 {
				t.Errorf("the refused CreateGrant made %d grants", len(gs))
			}
		})
	}
}

// ListGrants pages by marker: every grant once, in creation order, even
// when grants are revoked between pages.
func TestListGrantsPages(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	admin := k.Client()
	var ids []string
	for i := range 25 {
		grantee := other
		if i%5 == 0 {
			grantee = role
		}
		out, err := admin.CreateGrant(t.Context(), &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(grantee), Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.GrantId))
	}
	first, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id, Limit: aws.Int32(10)})
	if err != nil {
		t.Fatal(err)
	}
	// Revoke the first grant of the next page and one already listed.
	for _, gid := range []string{ids[10], ids[0]} {
		if _, err := admin.RevokeGrant(t.Context(), &kms.RevokeGrantInput{KeyId: &id, GrantId: aws.String(gid)}); err != nil {
			t.Fatal(err)
		}
	}
	got := grantIDs(first.Grants)
	pages := kms.NewListGrantsPaginator(c, &kms.ListGrantsInput{KeyId: &id, Limit: aws.Int32(10), Marker: first.NextMarker})
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, grantIDs(page.Grants)...)
	}
	want := append(append([]string{}, ids[:10]...), ids[11:]...)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("grants listed (-want +got):\n%s", d)
	}
	byGrantee, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id, GranteePrincipal: aws.String(role), Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{ids[5], ids[15]}, grantIDs(byGrantee.Grants)); d != "" || !byGrantee.Truncated {
		t.Errorf("grants of %s (-want +got):\n%s (truncated %v, want true)", role, d, byGrantee.Truncated)
	}
	one, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id, GrantId: aws.String(ids[3])})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{ids[3]}, grantIDs(one.Grants)); d != "" {
		t.Errorf("ListGrants(GrantId) (-want +got):\n%s", d)
	}
}

func grantIDs(gs []types.GrantListEntry) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = aws.ToString(g.GrantId)
	}
	return out
}

func TestRetireGrantByToken(t *testing.T) {
	t.Parallel()
	k, _ := setup(t)
	srv := k.NewServer()
	t.Cleanup(srv.Close)
	k.MapAccessKey("AKIDRETIRER", other)
	retirer := kmstest.NewSDKClient(srv.URL, "AKIDRETIRER")
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	out, err := k.Client().CreateGrant(t.Context(), &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(role), RetiringPrincipal: aws.String(other),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	if err != nil {
		t.Fatal(err)
	}
	retirable, err := retirer.ListRetirableGrants(t.Context(), &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(other)})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{aws.ToString(out.GrantId)}, grantIDs(retirable.Grants)); d != "" {
		t.Errorf("ListRetirableGrants (-want +got):\n%s", d)
	}
	if _, err := retirer.RetireGrant(t.Context(), &kms.RetireGrantInput{GrantToken: out.GrantToken}); err != nil {
		t.Fatalf("RetireGrant by token: %v", err)
	}
	if gs, _ := k.Grants(id); len(gs) != 0 {
		t.Errorf("%d grants after RetireGrant, want 0", len(gs))
	}
	var it *types.InvalidGrantTokenException
	if _, err := retirer.RetireGrant(t.Context(), &kms.RetireGrantInput{GrantToken: out.GrantToken}); !errors.As(err, &it) {
		t.Errorf("retiring the same token again = %v, want InvalidGrantTokenException", err)
	}
	if _, err := retirer.ListRetirableGrants(t.Context(), &kms.ListRetirableGrantsInput{}); apiCode(err) != "ValidationException" {
		t.Errorf("ListRetirableGrants without a principal = %v, want ValidationException", err)
	}
}

func TestGrantLimit(t *testing.T) {
	t.Parallel()
	k := kmstest.New()
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	c := k.Client()
	in := &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}
	for i := range kmstest.MaxGrantsPerKey {
		if _, err := c.CreateGrant(t.Context(), in); err != nil {
			t.Fatalf("grant %d: %v", i, err)
		}
	}
	var le *types.LimitExceededException
	if _, err := c.CreateGrant(t.Context(), in); !errors.As(err, &le) {
		t.Errorf("grant %d = %v, want LimitExceededException", kmstest.MaxGrantsPerKey+1, err)
	}
}
