package kmstest_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Errors go out with the HTTP status the SDK's model gives their shape:
// 404 for NotFoundException, 409 for DisabledException,
// KMSInvalidStateException and AlreadyExistsException, 400 for the rest.
func TestErrorStatusCodes(t *testing.T) {
	t.Parallel()
	k, c := setup(t)
	id := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	disabled := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	deleting := aws.ToString(k.CreateTestKey(t, nil).KeyId)
	if err := k.SetKeyState(disabled, types.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	if err := k.SetKeyState(deleting, types.KeyStatePendingDeletion); err != nil {
		t.Fatal(err)
	}
	if err := k.SetAlias("alias/taken", id); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	tests := []struct {
		name       string
		call       func() error
		wantCode   string
		wantStatus int
	}{
		{name: "NotFound", call: func() error {
			_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/none")})
			return err
		}, wantCode: "NotFoundException", wantStatus: http.StatusNotFound},
		{name: "Disabled", call: func() error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &disabled, Plaintext: []byte("x")})
			return err
		}, wantCode: "DisabledException", wantStatus: http.StatusConflict},
		{name: "KMSInvalidState", call: func() error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &deleting, Plaintext: []byte("x")})
			return err
		}, wantCode: "KMSInvalidStateException", wantStatus: http.StatusConflict},
		{name: "AlreadyExists", call: func() error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/taken"), TargetKeyId: &id})
			return err
		}, wantCode: "AlreadyExistsException", wantStatus: http.StatusConflict},
		{name: "DryRun", call: func() error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
			return err
		}, wantCode: "DryRunOperationException", wantStatus: http.StatusPreconditionFailed},
		{name: "Validation", call: func() error {
			_, err := c.ListAliases(ctx, &kms.ListAliasesInput{Limit: aws.Int32(101)})
			return err
		}, wantCode: "ValidationException", wantStatus: http.StatusBadRequest},
		{name: "MalformedPolicyDocument", call: func() error {
			_, err := c.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: &id, Policy: aws.String("{")})
			return err
		}, wantCode: "MalformedPolicyDocumentException", wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error = %v, want an HTTP response error", err)
			}
			if apiCode(err) != tt.wantCode || re.HTTPStatusCode() != tt.wantStatus {
				t.Errorf("got %s with HTTP %d, want %s with HTTP %d", apiCode(err), re.HTTPStatusCode(), tt.wantCode, tt.wantStatus)
			}
		})
	}
}
