package kmstest_test

import (
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/emu"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// BenchmarkServeParallel measures simple requests (DescribeKey) served
// through the real SDK client from 16 goroutines. Target: at least 5,000
// req/s.
func BenchmarkServeParallel(b *testing.B) {
	b.ReportAllocs()
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDBENCH", role)
	id := aws.ToString(k.CreateTestKey(b, nil).KeyId)
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = 32 // one connection per goroutine, kept
	})
	c := kmstest.NewSDKClient(srv.URL, "AKIDBENCH", func(o *kms.Options) { o.HTTPClient = httpClient })
	const goroutines = 16
	b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		in := &kms.DescribeKeyInput{KeyId: &id}
		for pb.Next() {
			if _, err := c.DescribeKey(b.Context(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	// CPU time per request, client and server together: on a shared
	// machine req/s depends on the other load, CPU time much less.
	// GOMAXPROCS divided by it is the rate the machine's cores sustain.
	perReq := (processCPU() - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(perReq*1e6, "cpu-µs/req")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0))/perReq, "cpu-bound-req/s")
}

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkListGrantsPage measures one page (the default 50 grants) of
// ListGrants deep inside a key with 100 or 50,000 grants. Target: the
// 50,000-grant page costs at most 1.5 times the 100-grant one.
func BenchmarkListGrantsPage(b *testing.B) {
	for _, n := range []int{100, kmstest.MaxGrantsPerKey} {
		b.Run("grants="+itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			k := kmstest.New()
			id := aws.ToString(k.CreateTestKey(b, nil).KeyId)
			c := k.Client()
			in := &kms.CreateGrantInput{KeyId: &id, GranteePrincipal: aws.String(other), Operations: []types.GrantOperation{types.GrantOperationDecrypt}}
			for range n {
				if _, err := c.CreateGrant(b.Context(), in); err != nil {
					b.Fatal(err)
				}
			}
			// Collect every page's marker once, then list the pages in turn.
			var markers []*string
			var m *string
			for {
				out, err := c.ListGrants(b.Context(), &kms.ListGrantsInput{KeyId: &id, Marker: m})
				if err != nil {
					b.Fatal(err)
				}
				markers = append(markers, m)
				if !out.Truncated {
					break
				}
				m = out.NextMarker
			}
			b.ResetTimer()
			for i := range b.N {
				out, err := c.ListGrants(b.Context(), &kms.ListGrantsInput{KeyId: &id, Marker: markers[i%len(markers)]})
				if err != nil || len(out.Grants) == 0 {
					b.Fatal(out, err)
				}
			}
		})
	}
}

// BenchmarkRecordedCallMemory measures the heap a call leaves behind once
// the request ring is full. Target: bounded, about 0 B per call.
func BenchmarkRecordedCallMemory(b *testing.B) {
	k := kmstest.New()
	id := aws.ToString(k.CreateTestKey(b, nil).KeyId)
	c := k.Client()
	in := &kms.DescribeKeyInput{KeyId: &id}
	for range emu.DefaultCapacity { // fill the ring
		if _, err := c.DescribeKey(b.Context(), in); err != nil {
			b.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		if _, err := c.DescribeKey(b.Context(), in); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(b.N), "retained-B/call")
	if got := len(k.Requests()); got != emu.DefaultCapacity {
		b.Errorf("%d calls kept, want %d", got, emu.DefaultCapacity)
	}
}

func itoa(n int) string {
	if n == kmstest.MaxGrantsPerKey {
		return "50000"
	}
	return "100"
}
