package loopback

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"
)

func TestFastRetryer(t *testing.T) {
	t.Parallel()
	r := FastRetryer()
	if got := r.MaxAttempts(); got != retry.DefaultMaxAttempts {
		t.Errorf("MaxAttempts() = %d, want the SDK's %d", got, retry.DefaultMaxAttempts)
	}
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Fault: smithy.FaultClient}
	if !r.IsErrorRetryable(throttled) {
		t.Error("a ThrottlingException is not retryable")
	}
	for attempt := 1; attempt <= 10; attempt++ {
		d, err := r.RetryDelay(attempt, throttled)
		if err != nil || d > MaxBackoff {
			t.Errorf("RetryDelay(%d) = %v, %v; want at most %v", attempt, d, err, MaxBackoff)
		}
	}
	// No quota: far more retries than the SDK's default bucket allows.
	for i := range 1000 {
		if _, err := r.GetRetryToken(context.Background(), throttled); err != nil {
			t.Fatalf("GetRetryToken #%d: %v; want no retry quota", i, err)
		}
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	c, err := Credentials("AKIDTEST", "secret").Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIDTEST" || c.SecretAccessKey != "secret" || c.SessionToken != "" || c.CanExpire {
		t.Errorf("Retrieve() = %+v, want AKIDTEST/secret, no session token, no expiry", c)
	}
}

func TestWait(t *testing.T) {
	t.Parallel()
	if !Wait(context.Background(), 0) {
		t.Error("Wait(0) = false, want true")
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if !Wait(cancelled, -time.Second) {
		t.Error("Wait with no latency = false on a cancelled context, want true (nothing to wait for)")
	}
	if Wait(cancelled, time.Hour) {
		t.Error("Wait(1h) on a cancelled context = true, want false")
	}
	if !errors.Is(cancelled.Err(), context.Canceled) {
		t.Errorf("ctx.Err() = %v", cancelled.Err())
	}
	start := time.Now()
	if !Wait(context.Background(), 20*time.Millisecond) {
		t.Error("Wait(20ms) = false, want true")
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Errorf("Wait(20ms) returned after %v", waited)
	}
}
