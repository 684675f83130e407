package fleet_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Benchmark workload: 10,000 policy engines over 1,000 keys in 4 Regions of
// one account, 5 ms of latency on every request, and KMS's documented
// request quotas on scaled time.
const (
	benchRegions       = 4
	benchKeysPerRegion = 250
	benchEnginesPerKey = 10
	benchLatency       = 5 * time.Millisecond
	// benchTimeScale scales the documented quotas: ListGrants' 100
	// requests per second become 50, so that a run takes about three
	// seconds and the quotas, not the CPU time of the in-process
	// emulators and SDK clients (about 4.5 CPU-seconds a run), bound it
	// on a two-core machine. At 2 (200 ListGrants a second, a bound of
	// 0.76 s) the run is CPU-bound at several times the bound.
	benchTimeScale = 0.5
	// listPage is the page size the audit lists policy engines with.
	listPage = 100
)

// BenchmarkAuditFleet audits the workload through the wire and reports:
//
//   - x-quota-bound: wall time over the lower bound that the quotas and
//     the latency impose (target <= 1.2);
//   - throttled: throttling errors that reached the report (target 0);
//   - B/resource: peak heap growth during the audit per resource.
func BenchmarkAuditFleet(b *testing.B) {
	b.ReportAllocs()
	ctx := b.Context()
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"}[:benchRegions]
	r := newBenchRig(b, regions)
	quotas := map[string]*kmstest.Quotas{}
	for _, region := range regions {
		q := kmstest.NewQuotas(benchTimeScale)
		quotas[region] = q
		sb := r.at(acctA, region)
		sb.Emulators.KMS.SetQuotas(q)
		sb.Emulators.KMS.SetLatency(benchLatency)
		sb.Emulators.ControlPlane.SetLatency(benchLatency)
		sb.Emulators.DataPlane.SetLatency(benchLatency)
	}
	bound := lowerBound(benchKeysPerRegion, benchKeysPerRegion*benchEnginesPerKey)
	clients := r.clients()

	var (
		worst, serverThrottled, throttled float64
		peak                              uint64
		cpu                               time.Duration
	)
	for b.Loop() {
		for _, q := range quotas {
			q.Reset() // every run starts with full buckets, as the bound assumes
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		stop := sampleHeap(base, &peak)

		var ru0, ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		rep, err := fleet.Audit(ctx, r.target(), clients, func(o *fleet.Options) { o.TimeScale = benchTimeScale })
		el := time.Since(start)
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu += time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if got := len(rep.Resources); got != benchRegions*benchKeysPerRegion*benchEnginesPerKey || rep.Outcome != kmscheck.OutcomePassed {
			b.Fatalf("audited %d resources with outcome %v; want %d, passed", got, rep.Outcome, benchRegions*benchKeysPerRegion*benchEnginesPerKey)
		}
		worst = math.Max(worst, el.Seconds()/bound.Seconds())
		throttled += float64(throttledInReport(rep))
		for _, q := range quotas {
			serverThrottled += float64(q.Throttled(""))
		}
	}
	b.ReportMetric(worst, "x-quota-bound")
	b.ReportMetric(throttled, "throttled")
	b.ReportMetric(float64(peak)/float64(benchRegions*benchKeysPerRegion*benchEnginesPerKey), "B/resource")
	b.ReportMetric(serverThrottled/float64(b.N), "server-throttled/op")
	b.ReportMetric(bound.Seconds(), "bound-s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// lowerBound is the least time one Region's audit can take: each KMS
// operation sends one request per key (one ListGrants page each: ten
// engines have twenty grants), of which a full bucket lets one second's
// worth through at once and the rest at the scaled rate, plus one round
// trip; and the engines' listing is a chain of pages, one round trip each,
// after which the last key still needs a round trip. Regions run in
// parallel, each with its own quotas.
func lowerBound(keys, engines int) time.Duration {
	var b time.Duration
	for op, q := range agentcore.KMSRequestQuotas() {
		switch op {
		case "DescribeKey", "GetKeyPolicy", "ListGrants":
		default:
			continue
		}
		over := math.Max(0, float64(keys)-math.Floor(q))
		d := time.Duration(over/(q*benchTimeScale)*float64(time.Second)) + benchLatency
		b = max(b, d)
	}
	pages := (engines + listPage - 1) / listPage
	return max(b, time.Duration(pages+1)*benchLatency)
}

// throttledInReport counts throttling errors in the report's findings and
// scopes.
func throttledInReport(rep *fleet.Report) int {
	n := 0
	for _, res := range rep.Resources {
		for _, f := range res.Findings {
			if agentcore.KindOf(f.Err) == agentcore.KindThrottled {
				n++
			}
		}
	}
	for _, s := range rep.Scopes {
		if agentcore.KindOf(s.Err) == agentcore.KindThrottled {
			n++
		}
	}
	return n
}

// sampleHeap records the peak of HeapAlloc above base every few
// milliseconds until the returned function is called.
func sampleHeap(base uint64, peak *uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base && ms.HeapAlloc-base > *peak {
					*peak = ms.HeapAlloc - base
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// newBenchRig builds the workload's state through the emulators, without
// latency or quotas: keys through the SDK, engines through the control
// plane's wire API, several at a time, then one listing so that every
// engine is ACTIVE.
func newBenchRig(b *testing.B, regions []string) *fleetRig { return newBenchRigT(b, regions) }

func newBenchRigT(b testing.TB, regions []string) *fleetRig {
	b.Helper()
	r := &fleetRig{accounts: []string{acctA}, regions: regions, sb: map[[2]string]*agentcoretest.Sandbox{}, sts: newSTSB(b)}
	ctx := context.Background()
	var mu sync.Mutex
	var sbs []*agentcoretest.Sandbox
	var wg sync.WaitGroup
	errs := make(chan error, len(regions))
	for _, region := range regions {
		sb, err := agentcoretest.Start(creatorRole, func(o *agentcoretest.Options) {
			o.Account, o.Region = acctA, region
			o.KMS = append(o.KMS, func(ko *kmstest.Options) { ko.MaxRequests = -1 })
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(sb.Close)
		r.sb[[2]string{acctA, region}] = sb
		sbs = append(sbs, sb)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- populate(ctx, sb, &mu)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	role := "arn:aws:iam::" + acctA + ":role/" + auditRole
	r.sts.Allow(role, func(ak string) {
		for _, sb := range sbs {
			sb.Emulators.KMS.MapAccessKey(ak, role)
		}
	})
	return r
}

func populate(ctx context.Context, sb *agentcoretest.Sandbox, _ *sync.Mutex) error {
	keys := make([]string, benchKeysPerRegion)
	for i := range keys {
		k, err := sb.NewKey(ctx, "")
		if err != nil {
			return err
		}
		keys[i] = k
	}
	type job struct {
		i   int
		key string
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if _, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
					Name: aws.String(fmt.Sprintf("engine%05d", j.i)), EncryptionKeyArn: aws.String(j.key),
				}); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range benchKeysPerRegion * benchEnginesPerKey {
		jobs <- job{i, keys[i%benchKeysPerRegion]}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	p := bedrockagentcorecontrol.NewListPolicyEngineSummariesPaginator(sb.ControlPlane,
		&bedrockagentcorecontrol.ListPolicyEngineSummariesInput{MaxResults: aws.Int32(listPage)})
	for p.HasMorePages() {
		if _, err := p.NextPage(ctx); err != nil {
			return err
		}
	}
	return nil
}
