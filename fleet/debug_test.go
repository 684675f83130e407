package fleet_test

import (
	"context"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"os"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

func TestDebugTimeline(t *testing.T) {
	b := &testing.B{}
	_ = b
	r := newBenchRigT(t, []string{"us-east-1"})
	sb := r.at(acctA, "us-east-1")
	sb.Emulators.KMS.SetQuotas(nil)
	_ = kmstest.NewQuotas
	sb.Emulators.KMS.SetLatency(benchLatency)
	sb.Emulators.ControlPlane.SetLatency(benchLatency)
	sb.Emulators.DataPlane.SetLatency(benchLatency)
	start := time.Now()
	last := time.Now()
	rep, err := fleet.Audit(t.Context(), r.target(), r.clients(), func(o *fleet.Options) {
		o.TimeScale = benchTimeScale
		o.Quotas = map[string]float64{}
		o.Progress = func(p fleet.Progress) {
			if time.Since(last) > 200*time.Millisecond {
				last = time.Now()
				t.Logf("%v %+v", time.Since(start), p)
			}
		}
	})
	t.Log(time.Since(start), err, len(rep.Resources), rep.Stats)
}

type timedKMS struct {
	fleet.KMS
	mu  sync.Mutex
	max time.Duration
	sum time.Duration
	n   int
}

func (t *timedKMS) note(s time.Time) {
	d := time.Since(s)
	t.mu.Lock()
	t.sum += d
	t.n++
	t.max = max(t.max, d)
	t.mu.Unlock()
}

func (t *timedKMS) DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, o ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	defer t.note(time.Now())
	return t.KMS.DescribeKey(ctx, in, o...)
}

func TestDebugKMS(t *testing.T) {
	r := newBenchRigT(t, []string{"us-east-1"})
	sb := r.at(acctA, "us-east-1")
	sb.Emulators.KMS.SetLatency(benchLatency)
	sb.Emulators.ControlPlane.SetLatency(benchLatency)
	inner := r.clients()
	var tk *timedKMS
	start := time.Now()
	rep, err := fleet.Audit(t.Context(), r.target(), func(ctx context.Context, a fleet.Account, region string) (*fleet.Clients, error) {
		c, err := inner(ctx, a, region)
		if err != nil {
			return nil, err
		}
		tk = &timedKMS{KMS: c.KMS}
		c.KMS = tk
		return c, nil
	}, func(o *fleet.Options) { o.Quotas = map[string]float64{} })
	t.Log(time.Since(start), err, len(rep.Resources), tk.n, tk.sum/time.Duration(tk.n), tk.max)
}

func TestDebugProfile(t *testing.T) {
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"}
	r := newBenchRigT(t, regions)
	for _, region := range regions {
		sb := r.at(acctA, region)
		sb.Emulators.KMS.SetQuotas(kmstest.NewQuotas(benchTimeScale))
		sb.Emulators.KMS.SetLatency(benchLatency)
		sb.Emulators.ControlPlane.SetLatency(benchLatency)
		sb.Emulators.DataPlane.SetLatency(benchLatency)
	}
	f, _ := os.Create("/tmp/audit.prof")
	pprof.StartCPUProfile(f)
	start := time.Now()
	_, err := fleet.Audit(t.Context(), r.target(), r.clients(), func(o *fleet.Options) { o.TimeScale = benchTimeScale })
	pprof.StopCPUProfile()
	t.Log(time.Since(start), err)
}
