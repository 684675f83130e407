package agentcoretest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
)

// A sandbox, a key under the documented key policy, and an encrypted policy
// engine, through the real SDK clients.
func Example() {
	sb, err := agentcoretest.Start("ExampleRole")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sb.Close()

	ctx := context.Background()
	key, err := sb.NewKey(ctx, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("MyPolicyEngine"), EncryptionKeyArn: aws.String(key),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	grants, _ := sb.Emulators.KMS.Grants(key)
	fmt.Println(out.Status, len(grants), "grants")
	// Output: CREATING 2 grants
}
