package policyengine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// sandbox starts an agentcoretest sandbox for role, makes a key under the
// documented key policy for role and returns a Client for role.
func sandbox(role string) (client *policyengine.Client, k *kmstest.KMS, keyARN string, stop func(), err error) {
	sb, err := agentcoretest.Start(role)
	if err != nil {
		return nil, nil, "", nil, err
	}
	keyARN, err = sb.NewKey(context.Background(), "")
	if err != nil {
		sb.Close()
		return nil, nil, "", nil, err
	}
	client = policyengine.New(sb.ControlPlane, sb.KMS,
		func(o *policyengine.Options) {
			o.Principal = sb.Principal // the preflight checks the key policy for this caller
			o.WaitMinDelay, o.WaitMaxDelay = 10*time.Millisecond, 50*time.Millisecond
		})
	return client, sb.Emulators.KMS, keyARN, sb.Close, nil
}

func Example() {
	client, _, keyARN, stop, err := sandbox("ExampleRole")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()

	out, err := client.Create(ctx, policyengine.CreateInput{Name: "MyPolicyEngine", KeyARN: keyARN},
		func(o *policyengine.Options) { o.Wait = true })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("preflight ok:", out.Preflight.Passed())
	fmt.Println("status:", out.Engine.Status)

	pair, err := client.Grants(ctx, keyARN, out.Engine.ARN)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("grants:", pair.State())
	fmt.Println(pair.Management.Kind, pair.Management.Operations)
	fmt.Println(pair.Evaluation.Kind, pair.Evaluation.Operations)
	// Output:
	// preflight ok: true
	// status: ACTIVE
	// grants: both
	// policy management grant [Encrypt Decrypt GenerateDataKey GenerateDataKeyWithoutPlaintext]
	// policy evaluation grant [Decrypt ReEncryptFrom ReEncryptTo]
}

func ExampleKeyError() {
	client, k, keyARN, stop, err := sandbox("ExampleRole")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()
	_ = k.SetKeyState(keyARN, "Disabled")

	_, err = client.Create(ctx, policyengine.CreateInput{Name: "MyPolicyEngine", KeyARN: keyARN},
		func(o *policyengine.Options) { o.SkipPreflight = true }) // let the service answer
	var ke *policyengine.KeyError
	var ae smithy.APIError
	if errors.As(err, &ke) && errors.Is(err, kmscheck.ErrKeyNotUsable) && errors.As(err, &ae) {
		fmt.Println(ke.Op, ae.ErrorCode())
		fmt.Println(ae.ErrorMessage())
	}
	// Output:
	// CreatePolicyEngine ValidationException
	// The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.
}

func ExampleClient_Audit() {
	client, k, keyARN, stop, err := sandbox("ExampleRole")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()
	if _, err := client.Create(ctx, policyengine.CreateInput{Name: "Doomed", KeyARN: keyARN},
		func(o *policyengine.Options) { o.Wait = true }); err != nil {
		fmt.Println(err)
		return
	}
	_ = k.SetKeyState(keyARN, "PendingDeletion")

	rep, err := client.Audit(ctx, func(o *policyengine.Options) { o.Concurrency = 4 })
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range rep.WithFindings() {
		for _, f := range a.Findings {
			fmt.Println(a.Engine.Name, f.Code, "denied now:", !f.DeniedFrom.IsZero(), "permanent later:", f.PermanentFrom.After(f.DeniedFrom))
		}
	}
	// Output:
	// Doomed KeyPendingDeletion denied now: true permanent later: true
}
