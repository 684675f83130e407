package kmstest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// The real *kms.Client against the emulator: encrypt with an encryption
// context, then decrypt with a wrong one.
func Example() {
	ctx := context.Background()
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDEXAMPLE", "arn:aws:iam::111122223333:role/ExampleRole")
	client := kmstest.NewSDKClient(srv.URL, "AKIDEXAMPLE")

	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	enc, _ := client.Encrypt(ctx, &kms.EncryptInput{
		KeyId: key.KeyMetadata.KeyId, Plaintext: []byte("hello"),
		EncryptionContext: map[string]string{"purpose": "example"},
	})
	dec, _ := client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "example"},
	})
	fmt.Println(string(dec.Plaintext))
	_, err = client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "other"},
	})
	var invalid *types.InvalidCiphertextException
	fmt.Println(errors.As(err, &invalid))
	// Output:
	// hello
	// true
}

// AgentCore's requests carry kms:ViaService; grants let the service
// principal use the key within their constraints.
func ExampleKMS_As() {
	ctx := context.Background()
	k := kmstest.New()
	out, err := k.Client().CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	key := *out.KeyMetadata.Arn
	svc := k.As(kmstest.Caller{Service: "bedrock-agentcore.amazonaws.com"})
	ec := map[string]string{"aws:bedrock-agentcore-policy:policy-engine-arn": "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-1"}

	_, err = svc.Encrypt(ctx, &kms.EncryptInput{KeyId: &key, Plaintext: []byte("x"), EncryptionContext: ec})
	fmt.Println("before the grant:", err != nil)
	_, _ = k.Client().CreateGrant(ctx, &kms.CreateGrantInput{
		KeyId: &key, GranteePrincipal: aws.String("bedrock-agentcore.amazonaws.com"),
		Operations:  []types.GrantOperation{types.GrantOperationEncrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: ec},
	})
	_, err = svc.Encrypt(ctx, &kms.EncryptInput{KeyId: &key, Plaintext: []byte("x"), EncryptionContext: ec})
	fmt.Println("after the grant:", err == nil)
	// Output:
	// before the grant: true
	// after the grant: true
}

// Key states and faults, as the README shows them: the retryer of the
// client from NewSDKClient absorbs two throttled attempts, and the
// disabled key then fails with the SDK's typed error.
func ExampleKMS_InjectFault() {
	ctx := context.Background()
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDCALLER", "arn:aws:iam::111122223333:role/ExampleRole")
	client := kmstest.NewSDKClient(srv.URL, "AKIDCALLER")

	out, err := k.Client().CreateKey(ctx, &kms.CreateKeyInput{}) // default key policy
	if err != nil {
		fmt.Println(err)
		return
	}
	key := out.KeyMetadata
	if err := k.SetKeyState(*key.KeyId, types.KeyStateDisabled); err != nil {
		fmt.Println(err)
		return
	}
	k.InjectFault("Encrypt", kmstest.ThrottlingFault(), 2)
	_, err = client.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyId, Plaintext: []byte("x")})
	var disabled *types.DisabledException
	fmt.Println(errors.As(err, &disabled))
	fmt.Println("attempts:", k.CallCount("Encrypt"))
	// Output:
	// true
	// attempts: 3
}

// A request signed with an access key the emulator does not know fails as
// in AWS, unless Options.DefaultCaller says who makes it.
func ExampleOptions_defaultCaller() {
	ctx := context.Background()
	strict := kmstest.New()
	srv := strict.NewServer()
	defer srv.Close()
	_, err := kmstest.NewSDKClient(srv.URL, "AKIDUNKNOWN").ListKeys(ctx, &kms.ListKeysInput{})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.ErrorCode())
	}

	lenient := kmstest.New(func(o *kmstest.Options) {
		o.DefaultCaller = &kmstest.Caller{Principal: "arn:aws:iam::111122223333:role/ExampleRole"}
	})
	srv2 := lenient.NewServer()
	defer srv2.Close()
	_, err = kmstest.NewSDKClient(srv2.URL, "AKIDUNKNOWN").ListKeys(ctx, &kms.ListKeysInput{})
	fmt.Println(err)
	// Output:
	// UnrecognizedClientException
	// <nil>
}
