package policyengine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// sandbox starts the in-memory KMS and control plane, makes a key with the
// documented key policy for role and returns a Client for role.
func sandbox(role string) (client *policyengine.Client, k *kmstest.KMS, keyARN string, stop func()) {
	const accessKey = "AKIAEXAMPLE"
	k = kmstest.New()
	k.MapAccessKey(accessKey, role)
	kmsSrv := k.NewServer()
	ctlSrv := policyenginetest.New(k).NewServer()

	key, _ := k.As(kmstest.Caller{Principal: role}).CreateKey(context.Background(), &kms.CreateKeyInput{})
	base, _ := keypolicy.DefaultKeyPolicy("111122223333", "aws")
	add, _ := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: "111122223333", Region: "us-east-1", Principal: role})
	merged, _ := keypolicy.Merge(base, add)
	doc, _ := merged.JSON()
	_ = k.SetKeyPolicy(*key.KeyMetadata.KeyId, string(doc))

	client = policyengine.New(policyenginetest.NewSDKClient(ctlSrv.URL, accessKey), kmstest.NewSDKClient(kmsSrv.URL, accessKey),
		func(o *policyengine.Options) {
			o.Principal = role // the preflight checks the key policy for this caller
			o.WaitMinDelay, o.WaitMaxDelay = 10*time.Millisecond, 50*time.Millisecond
		})
	return client, k, aws.ToString(key.KeyMetadata.Arn), func() { kmsSrv.Close(); ctlSrv.Close() }
}

func Example() {
	client, _, keyARN, stop := sandbox("arn:aws:iam::111122223333:role/ExampleRole")
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
	client, k, keyARN, stop := sandbox("arn:aws:iam::111122223333:role/ExampleRole")
	defer stop()
	ctx := context.Background()
	_ = k.SetKeyState(keyARN, "Disabled")

	_, err := client.Create(ctx, policyengine.CreateInput{Name: "MyPolicyEngine", KeyARN: keyARN},
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
	client, k, keyARN, stop := sandbox("arn:aws:iam::111122223333:role/ExampleRole")
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
