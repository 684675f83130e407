package policyengine_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/agentcorekms/agentcorekms/policyengine"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// A poll that fails for a reason other than the wait running out of time
// (here the control plane cannot be reached) is reported as that failure,
// not as ErrWaitTimeout.
func TestWaitActiveUnreachableIsNotATimeout(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	w := newWorld(t, worldOptions{})
	pe := policyengine.New(policyenginetest.NewSDKClient(url, w.sb.AccessKeyID), w.kmsc, func(o *policyengine.Options) {
		o.WaitMinDelay, o.WaitMaxDelay = time.Millisecond, 5*time.Millisecond
	})
	_, err := pe.WaitActive(context.Background(), "Engine-0123456789", func(o *policyengine.Options) { o.WaitTimeout = time.Minute })
	if err == nil || errors.Is(err, policyengine.ErrWaitTimeout) {
		t.Fatalf("error = %v, want the connection failure, not ErrWaitTimeout", err)
	}
}
