// Package agentcoretest wires a whole AgentCore sandbox for a test or an
// offline demonstration in one call: an in-memory KMS (kmscheck/kmstest),
// the policy-engine control plane (policyengine/policyenginetest), the
// batch-evaluation data plane and its S3 (batcheval/batchevaltest), each
// served on loopback, and the real AWS SDK clients of a named IAM role
// pointed at them.
//
// A test needs three lines:
//
//	sb, err := agentcoretest.Start("ExampleRole")
//	if err != nil {
//		t.Fatal(err)
//	}
//	t.Cleanup(sb.Close)
//
// and then uses sb.KMS, sb.ControlPlane, sb.DataPlane and sb.S3, the role's
// SDK clients, with sb.NewKey for a key under the documented key policy, and
// sb.Emulators to inspect or fault the emulators. Like testing/fstest, the
// package does not import testing: Start returns an error and the caller
// closes the sandbox.
//
// Every emulator refuses a request signed with an access key it does not
// know, as AWS does; [Sandbox.As] maps another role to a fresh access key
// and returns its clients.
package agentcoretest
