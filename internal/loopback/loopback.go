// Package loopback holds what the module's emulators (kmstest,
// policyenginetest, batchevaltest) share: the SDK client settings for
// talking to a server on loopback, and the injected latency.
package loopback

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// MaxBackoff is the longest FastRetryer waits between two attempts.
const MaxBackoff = 10 * time.Millisecond

// FastRetryer returns a new standard SDK retryer that keeps the SDK's three
// attempts and its retryable errors but backs off at most [MaxBackoff] and
// has no retry quota, so that throttling and fault-injection tests run
// quickly and never run out of retries.
func FastRetryer() aws.RetryerV2 {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxBackoff = MaxBackoff
		o.RateLimiter = ratelimit.None
	})
}

// Credentials returns static credentials with accessKeyID, which the
// emulators map to a principal, and a dummy secret (the emulators do not
// verify signatures).
func Credentials(accessKeyID, secret string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(accessKeyID, secret, "")
}

// Wait sleeps for d, the injected latency, unless ctx is done first. It
// reports whether the whole of d passed (always when d <= 0), so that a
// false return means the request was cancelled and ctx.Err() says why.
func Wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
