package kmstest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Every exported method of a nil *KMS or *Client answers without a panic:
// ErrNilKMS where it returns an error, zero values elsewhere.
func TestNilSafe(t *testing.T) {
	t.Parallel()
	var k *kmstest.KMS
	for name, err := range map[string]error{
		"SetKeyPolicy": k.SetKeyPolicy("id", "{}"),
		"SetAlias":     k.SetAlias("alias/a", "id"),
		"SetKeyState":  k.SetKeyState("id", "Enabled"),
		"UpdateKey":    k.UpdateKey("id", nil),
	} {
		if !errors.Is(err, kmstest.ErrNilKMS) {
			t.Errorf("nil %s = %v, want ErrNilKMS", name, err)
		}
	}
	if _, err := k.KeyPolicy("id"); !errors.Is(err, kmstest.ErrNilKMS) {
		t.Errorf("nil KeyPolicy = %v", err)
	}
	if _, err := k.Grants("id"); !errors.Is(err, kmstest.ErrNilKMS) {
		t.Errorf("nil Grants = %v", err)
	}
	k.InjectFault("", kmstest.InternalFault(), 1)
	k.SetLatency(1)
	k.ThrottleNext(1)
	k.FailNext(1)
	k.ResetCalls()
	k.MapAccessKey("a", "b")
	if k.Requests() != nil || k.Calls() != nil || k.CallCount("x") != 0 || k.KeyIDs() != nil || k.KeyARN("x") != "" ||
		k.AliasARN("x") != "" || k.DefaultKeyPolicy() != "" || k.Options().Region != "" {
		t.Error("a nil *KMS reports state")
	}
	if p, ok := k.PrincipalForAccessKey("a"); p != "" || ok {
		t.Errorf("nil PrincipalForAccessKey = %q, %v", p, ok)
	}
	if _, err := k.Client().DescribeKey(t.Context(), &kms.DescribeKeyInput{}); !errors.Is(err, kmstest.ErrNilKMS) {
		t.Errorf("DescribeKey through a nil *KMS's Client = %v, want ErrNilKMS", err)
	}
	var c *kmstest.Client
	if _, err := c.ListKeys(t.Context(), nil); !errors.Is(err, kmstest.ErrNilKMS) {
		t.Errorf("nil Client ListKeys = %v, want ErrNilKMS", err)
	}
	if c.Caller().String() != "" {
		t.Error("a nil Client has a caller")
	}
	rec := httptest.NewRecorder()
	k.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("nil ServeHTTP status = %d, want 500", rec.Code)
	}
}

// TestCreateAdminKey: the error-returning form of CreateTestKey creates a
// key past the key policy, refuses what CreateKey refuses, and is nil-safe.
func TestCreateAdminKey(t *testing.T) {
	t.Parallel()
	k := kmstest.New()
	md, err := k.CreateAdminKey(t.Context(), nil)
	if err != nil || md == nil || md.KeySpec != types.KeySpecSymmetricDefault || md.KeyState != types.KeyStateEnabled {
		t.Fatalf("CreateAdminKey(nil) = %+v, %v; want an enabled symmetric key", md, err)
	}
	if _, err := k.CreateAdminKey(t.Context(), &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256}); err == nil {
		t.Error("CreateAdminKey accepted an HMAC key without its key usage, which CreateKey refuses")
	}
	var nilKMS *kmstest.KMS
	if _, err := nilKMS.CreateAdminKey(t.Context(), nil); !errors.Is(err, kmstest.ErrNilKMS) {
		t.Errorf("nil *KMS: %v, want ErrNilKMS", err)
	}
}
