package kmstest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

var _ http.Handler = (*kmstest.KMS)(nil)

// Faults injected for one operation queue up in order, after those
// injected before, and do not touch other operations.
func TestInjectFaultAppends(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	k.InjectFault("DescribeKey", kmstest.ThrottlingFault(), 1)
	k.InjectFault("DescribeKey", kmstest.InternalFault(), 1)
	k.InjectFault("DescribeKey", kmstest.Fault{StatusCode: http.StatusBadRequest, Code: "ValidationException", Message: "injected"}, 1)

	if _, err := c.GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: &id}); err != nil {
		t.Fatalf("GetKeyPolicy took a fault injected for DescribeKey: %v", err)
	}
	// Throttling then a 500, both retried; then the 400, which is not.
	_, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &id})
	if apiCode(err) != "ValidationException" {
		t.Fatalf("DescribeKey = %v, want the third fault, ValidationException", err)
	}
	var got []string
	for _, call := range k.Requests() {
		if call.Operation == "DescribeKey" {
			got = append(got, apiCode(call.Err))
		}
	}
	want := []string{"ThrottlingException", "KMSInternalException", "ValidationException"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DescribeKey answers recorded (-want +got):\n%s", d)
	}
	if _, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		t.Errorf("DescribeKey after the faults ran out: %v", err)
	}
}

func TestInternalFaultDecodes(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	k.InjectFault("*", kmstest.InternalFault(), 3)
	_, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &id})
	var ie *types.KMSInternalException
	if !errors.As(err, &ie) {
		t.Errorf("DescribeKey after three 500s = %v, want *types.KMSInternalException", err)
	}
	if got := k.CallCount("DescribeKey"); got != 3 {
		t.Errorf("DescribeKey served %d times, want the SDK's 3 attempts", got)
	}
}

func TestSetLatency(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	k.SetLatency(time.Hour)
	// An hour of latency never passes within the deadline, whatever the
	// machine's speed.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("DescribeKey with an hour of latency past its deadline = %v, want context.DeadlineExceeded", err)
	}
	k.SetLatency(0)
	if _, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		t.Errorf("DescribeKey with no latency: %v", err)
	}
}

// Requests keeps only the newest Options.MaxRequests calls; CallCount
// still counts every one.
func TestRequestsBounded(t *testing.T) {
	t.Parallel()
	k, c := setup(t, func(o *kmstest.Options) { o.MaxRequests = 3 })
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	for range 5 {
		if _, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: &id}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, call := range k.Requests() {
		got = append(got, call.Operation)
	}
	if d := cmp.Diff([]string{"DescribeKey", "DescribeKey", "GetKeyPolicy"}, got); d != "" {
		t.Errorf("Requests (-want +got):\n%s", d)
	}
	if n := k.CallCount("DescribeKey"); n != 5 {
		t.Errorf("CallCount(DescribeKey) = %d, want 5", n)
	}
	off := kmstest.New(func(o *kmstest.Options) { o.MaxRequests = -1 })
	oid := aws.ToString(off.CreateTestKey(t, nil).KeyId)
	if _, err := off.Client().DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &oid}); err != nil {
		t.Fatal(err)
	}
	if n := len(off.Requests()); n != 0 || off.CallCount("DescribeKey") != 1 {
		t.Errorf("MaxRequests -1 kept %d calls (count %d), want 0 kept and 1 counted", n, off.CallCount("DescribeKey"))
	}
}
