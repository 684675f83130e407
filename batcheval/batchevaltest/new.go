package batchevaltest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"

	"github.com/agentcorekms/agentcorekms/internal/loopback"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// New returns an emulator whose KMS calls go to k. Callers are identified as
// k identifies them: by the access key id of the request's SigV4 signature,
// mapped with [kmstest.KMS.MapAccessKey]; a request signed with an access
// key k does not know is refused with UnrecognizedClientException, as AWS
// refuses it. Options.Region, Account and Now default to k's. A nil k is
// refused with a panic, as a nil dependency is a programming error.
func New(k *kmstest.KMS, optFns ...func(*Options)) *Emulator {
	if k == nil {
		panic("batchevaltest: New needs a *kmstest.KMS")
	}
	as := func(c caller) keyAPI {
		return k.As(kmstest.Caller{Principal: c.principal, Service: c.service, ViaService: c.viaService, Context: c.context})
	}
	ko := k.Options()
	return newEmulator(as, principalFor(k), Options{Region: ko.Region, Account: ko.Account, Now: ko.Now}, optFns...)
}

// principalFor returns the IAM principal k maps an access key id to, and
// whether k knows the access key.
func principalFor(k *kmstest.KMS) func(string) (string, bool) {
	return func(accessKeyID string) (string, bool) {
		p, ok := k.PrincipalForAccessKey(accessKeyID)
		return p, ok && p != ""
	}
}

// NewSDKClient returns a real *bedrockagentcore.Client for an emulator
// server at url, signing with accessKeyID (map it with
// [kmstest.KMS.MapAccessKey]) and a dummy secret, in us-east-1 (change it
// with an option function), with a retryer that keeps the SDK's three
// attempts but backs off at most 10 ms, so fault-injection tests run quickly.
func NewSDKClient(url, accessKeyID string, optFns ...func(*bedrockagentcore.Options)) *bedrockagentcore.Client {
	opts := bedrockagentcore.Options{
		Region:       DefaultRegion,
		BaseEndpoint: aws.String(url),
		Credentials:  loopback.Credentials(accessKeyID, "batchevaltest-secret"),
		Retryer:      loopback.FastRetryer(),
	}
	return bedrockagentcore.New(opts, optFns...)
}
