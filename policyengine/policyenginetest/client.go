package policyenginetest

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/agentcorekms/agentcorekms/internal/loopback"
)

// NewSDKClient returns a real *bedrockagentcorecontrol.Client for a control
// plane served at url, signing with accessKeyID (map it to a principal with
// kmstest's MapAccessKey) and a dummy secret, in us-east-1 (change it with an
// option function). Its retryer keeps the SDK's three attempts but backs off
// at most 10 ms and has no retry quota, so fault tests run quickly.
func NewSDKClient(url, accessKeyID string, optFns ...func(*bedrockagentcorecontrol.Options)) *bedrockagentcorecontrol.Client {
	opts := bedrockagentcorecontrol.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  loopback.Credentials(accessKeyID, "policyenginetest-secret"),
		Retryer:      loopback.FastRetryer(),
		HTTPClient:   loopback.HTTPClient(),
	}
	return bedrockagentcorecontrol.New(opts, optFns...)
}
