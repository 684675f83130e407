package batchevaltest

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"

	"github.com/agentcorekms/agentcorekms/internal/loopback"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// New returns an emulator whose KMS calls go to k. Callers are identified as
// k identifies them: by the access key id of the request's SigV4 signature,
// mapped with [kmstest.KMS.MapAccessKey] (an unmapped key is k's default
// principal). If Options.Region is empty, k's Region is used.
func New(k *kmstest.KMS, optFns ...func(*Options)) *Emulator {
	as := func(c caller) keyAPI {
		return k.As(kmstest.Caller{Principal: c.principal, Service: c.service, ViaService: c.viaService, Context: c.context})
	}
	principalFor := func(r *http.Request) (string, bool) {
		p, _ := k.PrincipalForAccessKey(kmstest.AccessKeyID(r))
		return p, p != ""
	}
	region := k.Options().Region
	return newEmulator(as, principalFor, append([]func(*Options){func(o *Options) { o.Region = region }}, optFns...)...)
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
