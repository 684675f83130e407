package kmstest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// GetKeyPolicy returns a key's policy. PolicyName, if set, must be "default".
func (c *Client) GetKeyPolicy(ctx context.Context, params *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if params == nil {
		params = &kms.GetKeyPolicyInput{}
	}
	var out *kms.GetKeyPolicyOutput
	err := c.keyOp(ctx, "GetKeyPolicy", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:GetKeyPolicy"}); err != nil {
			return err
		}
		if n := aws.ToString(params.PolicyName); n != "" && n != "default" {
			return &types.NotFoundException{Message: aws.String("No such policy exists")}
		}
		out = &kms.GetKeyPolicyOutput{Policy: aws.String(kk.policy), PolicyName: aws.String("default")}
		return nil
	})
	return out, err
}

// PutKeyPolicy replaces a key's policy. A policy that does not parse fails
// with MalformedPolicyDocumentException. The lockout safety check is not
// modelled.
func (c *Client) PutKeyPolicy(ctx context.Context, params *kms.PutKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	if params == nil {
		params = &kms.PutKeyPolicyInput{}
	}
	err := c.keyOp(ctx, "PutKeyPolicy", aws.ToString(params.KeyId), func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:PutKeyPolicy"}); err != nil {
			return err
		}
		if n := aws.ToString(params.PolicyName); n != "" && n != "default" {
			return validationError("PolicyName must be \"default\"")
		}
		if params.Policy == nil {
			return validationError("1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null")
		}
		doc, err := keypolicy.Parse([]byte(*params.Policy))
		if err != nil {
			return &types.MalformedPolicyDocumentException{Message: aws.String(err.Error())}
		}
		kk.policy, kk.doc = *params.Policy, doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.PutKeyPolicyOutput{}, nil
}
