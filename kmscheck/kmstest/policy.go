package kmstest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// MessageLockout is the message of the MalformedPolicyDocumentException KMS
// gives for a key policy that fails its lockout safety check.
const MessageLockout = "The new key policy will not allow you to update the key policy in the future."

// checkPolicy parses a key policy for the key keyARN and applies AWS's
// limits and lockout safety check to it: over agentcore.MaxKeyPolicyBytes
// is LimitExceededException; a policy that does not parse, or (unless
// bypass) one that would not let the caller make a later PutKeyPolicy
// request, is MalformedPolicyDocumentException.
//
// The lockout check is keypolicy.CheckLockout on the caller's principal: a
// statement that allows the caller's account root (keypolicy.AllowIfIAMAllows,
// as the default key policy does) passes whatever
// Options.RootDelegation says, because AWS lets the account root pass; a
// policy that allows the caller only under conditions the later request
// would not meet, or that names only other principals (a role-only policy
// such as the one AgentCore documents), fails. A caller that is a service
// principal is checked the same way, so it passes only with the bypass.
// The check is skipped for the administrator of [KMS.CreateTestKey] and
// [KMS.SetKeyPolicy], and when Options.EnforceKeyPolicy is false.
func (c *Client) checkPolicy(policy, keyARN string, bypass bool) (*keypolicy.Document, error) {
	if len(policy) > agentcore.MaxKeyPolicyBytes {
		return nil, &types.LimitExceededException{Message: aws.String("The key policy is larger than the maximum of 32768 bytes.")}
	}
	doc, err := keypolicy.Parse([]byte(policy))
	if err != nil {
		return nil, &types.MalformedPolicyDocumentException{Message: aws.String("The key policy is malformed: " + err.Error())}
	}
	if bypass || c.admin || !c.kms.opts.EnforceKeyPolicy {
		return doc, nil
	}
	admin := c.caller.Principal
	if admin == "" {
		admin = c.caller.Service
	}
	if !keypolicy.CheckLockout(doc, admin, keyARN).Safe() {
		return nil, &types.MalformedPolicyDocumentException{Message: aws.String(MessageLockout)}
	}
	return doc, nil
}

// GetKeyPolicy returns a key's policy (KeyId: key id or key ARN).
// PolicyName, if set, must be "default".
func (c *Client) GetKeyPolicy(ctx context.Context, params *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	if params == nil {
		params = &kms.GetKeyPolicyInput{}
	}
	var out *kms.GetKeyPolicyOutput
	err := c.keyOp(ctx, "GetKeyPolicy", aws.ToString(params.KeyId), refKey, func(kk *key) error {
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

// PutKeyPolicy replaces a key's policy (KeyId: key id or key ARN) in any
// key state. The new policy must pass the checks of CreateKey: a policy
// over agentcore.MaxKeyPolicyBytes is LimitExceededException; one that does
// not parse, or that would not let the caller make a later PutKeyPolicy
// request (AWS's lockout safety check; the message is [MessageLockout]), is
// MalformedPolicyDocumentException unless BypassPolicyLockoutSafetyCheck is
// true. A refused policy leaves the old one in place.
func (c *Client) PutKeyPolicy(ctx context.Context, params *kms.PutKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.PutKeyPolicyOutput, error) {
	if params == nil {
		params = &kms.PutKeyPolicyInput{}
	}
	err := c.keyOp(ctx, "PutKeyPolicy", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:PutKeyPolicy"}); err != nil {
			return err
		}
		if n := aws.ToString(params.PolicyName); n != "" && n != "default" {
			return validationError("PolicyName must be \"default\"")
		}
		if params.Policy == nil {
			return validationError("1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null")
		}
		doc, err := c.checkPolicy(*params.Policy, *kk.meta.Arn, params.BypassPolicyLockoutSafetyCheck)
		if err != nil {
			return err
		}
		kk.policy, kk.doc = *params.Policy, doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.PutKeyPolicyOutput{}, nil
}

// ListKeyPolicies lists a key's policy names (KeyId: key id or key ARN):
// always just "default", as KMS has only that one. Limit is 1 to 1000.
func (c *Client) ListKeyPolicies(ctx context.Context, params *kms.ListKeyPoliciesInput, optFns ...func(*kms.Options)) (*kms.ListKeyPoliciesOutput, error) {
	if params == nil {
		params = &kms.ListKeyPoliciesInput{}
	}
	var out *kms.ListKeyPoliciesOutput
	err := c.keyOp(ctx, "ListKeyPolicies", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:ListKeyPolicies"}); err != nil {
			return err
		}
		names, next, err := paginate([]string{"default"}, params.Limit, params.Marker, 100, 1000)
		if err != nil {
			return err
		}
		out = &kms.ListKeyPoliciesOutput{PolicyNames: names, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}
