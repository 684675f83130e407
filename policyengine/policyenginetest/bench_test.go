package policyenginetest_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/internal/benchtest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// BenchmarkGetPolicyEngineSummary: simple requests through the real SDK
// client from 16 goroutines.
func BenchmarkGetPolicyEngineSummary(b *testing.B) {
	sb, err := agentcoretest.Start("ExampleRole")
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	key, err := sb.NewKey(b.Context(), "")
	if err != nil {
		b.Fatal(err)
	}
	out, err := sb.ControlPlane.CreatePolicyEngine(b.Context(), &bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("Bench"), EncryptionKeyArn: aws.String(key)})
	if err != nil {
		b.Fatal(err)
	}
	benchtest.Parallel(b, func() error {
		_, err := sb.ControlPlane.GetPolicyEngineSummary(b.Context(), &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: out.PolicyEngineId})
		return err
	})
}

// BenchmarkCreateWithManyGrants: CreatePolicyEngine (two CreateGrant, a
// GenerateDataKey) on a key that already carries the grants of n engines.
func BenchmarkCreateWithManyGrants(b *testing.B) {
	for _, n := range []int{0, 1000, 5000} {
		b.Run(fmt.Sprint("engines=", n), func(b *testing.B) {
			sb, err := agentcoretest.Start("ExampleRole", func(o *agentcoretest.Options) {
				o.ControlPlane = []func(*policyenginetest.Options){func(o *policyenginetest.Options) { o.MaxRequests = -1 }}
			})
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			key, err := sb.NewKey(b.Context(), "")
			if err != nil {
				b.Fatal(err)
			}
			create := func(name string) error {
				_, err := sb.ControlPlane.CreatePolicyEngine(b.Context(), &bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String(name), EncryptionKeyArn: aws.String(key)})
				return err
			}
			for i := range n {
				if err := create(fmt.Sprint("Pre", i)); err != nil {
					b.Fatal(err)
				}
			}
			var seq atomicInt
			benchtest.Parallel(b, func() error { return create(fmt.Sprint("E", seq.next())) })
		})
	}
}

type atomicInt struct{ v atomic.Int64 }

func (a *atomicInt) next() int64 { return a.v.Add(1) }
