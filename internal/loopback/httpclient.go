package loopback

import (
	"net"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// MaxIdleConnsPerHost is how many idle connections to one emulator
// HTTPClient keeps: enough for the many goroutines of a load test, so that
// they reuse connections instead of opening one per request (the SDK's
// default keeps 10, and each connection closed leaves a socket in
// TIME_WAIT).
const MaxIdleConnsPerHost = 256

// HTTPClient returns a new SDK HTTP client for talking to an emulator on
// loopback: the SDK's buildable client with MaxIdleConnsPerHost idle
// connections per host and a short dial timeout.
func HTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = MaxIdleConnsPerHost
		t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	}).WithDialerOptions(func(d *net.Dialer) { d.Timeout = 5 * time.Second })
}
