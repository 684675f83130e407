package kmstest

import (
	"net/http"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/emu"
)

// Quotas are request quotas enforced as token buckets per account, Region
// and operation; see [NewQuotas] and [KMS.SetQuotas].
type Quotas = emu.Quotas

// NewQuotas returns KMS's documented request quotas for the operations that
// read a key (DescribeKey 2,000, GetKeyPolicy 1,000, ListGrants 100 requests
// per second, and the others in internal/agentcore), with time sped up by
// scale (10 makes each bucket refill ten times as fast; zero or less means
// 1). Pass them to [KMS.SetQuotas].
func NewQuotas(scale float64) *Quotas {
	return emu.NewQuotas(agentcore.KMSRequestQuotas(), func(o *emu.QuotaOptions) { o.Scale = scale })
}

// SetQuotas makes k throttle, as KMS does, every request over q's quota for
// its operation in k's account and Region: ThrottlingException, HTTP 400,
// with KMS's documented message. Injected faults come first; calls through
// the administrative Go API (CreateTestKey, SetKeyState, ...) are never
// throttled. A nil q removes the quotas.
func (k *KMS) SetQuotas(q *Quotas) {
	if k == nil {
		return
	}
	k.quotas.Store(q)
}

// quotaFault is KMS's answer to a request over its quota.
func quotaFault() Fault {
	return Fault{StatusCode: http.StatusBadRequest, Code: agentcore.CodeThrottling, Message: agentcore.MessageKMSThrottling}
}
