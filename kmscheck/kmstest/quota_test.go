package kmstest_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Requests over ListGrants' documented quota are throttled with KMS's
// answer, through the SDK; DescribeKey has its own quota; the
// administrative Go API is never throttled; removing the quotas ends it.
func TestSetQuotasThrottlesOverTheWire(t *testing.T) {
	t.Parallel()
	k, _ := setup(t)
	srv := k.NewServer()
	t.Cleanup(srv.Close)
	// No retries, so each throttled request is seen.
	c := kmstest.NewSDKClient(srv.URL, "AKIDEXAMPLE", func(o *kms.Options) { o.RetryMaxAttempts = 1 })
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	q := kmstest.NewQuotas(1e-9) // time almost stands still: no refill during the test
	k.SetQuotas(q)

	codes := map[string]int{}
	for range agentcore.QuotaListGrants + 5 {
		_, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id})
		codes[apiCode(err)]++
	}
	if d := cmp.Diff(map[string]int{"": agentcore.QuotaListGrants, "ThrottlingException": 5}, codes); d != "" {
		t.Errorf("ListGrants answers by error code (-want +got):\n%s", d)
	}
	_, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id})
	if msg := errMessage(err); msg != agentcore.MessageKMSThrottling {
		t.Errorf("throttled message = %q, want %q", msg, agentcore.MessageKMSThrottling)
	}
	if _, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		t.Errorf("DescribeKey, with its own quota: %v", err)
	}
	if _, err := k.Grants(id); err != nil {
		t.Errorf("administrative Grants: %v", err)
	}
	if got := q.Throttled("ListGrants"); got != 6 {
		t.Errorf("Throttled(ListGrants) = %d, want 6", got)
	}
	k.SetQuotas(nil)
	if _, err := c.ListGrants(t.Context(), &kms.ListGrantsInput{KeyId: &id}); err != nil {
		t.Errorf("ListGrants without quotas: %v", err)
	}
}

func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}
