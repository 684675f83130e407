package kmstest

import (
	"context"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
)

// aliasNameRE is the alias name CreateAlias documents: "alias/" and then
// "only alphanumeric characters, forward slashes (/), underscores (_), and
// dashes (-)", 1 to 256 characters in all. The SDK model's pattern also
// lets ":" through; KMS itself refuses it.
var aliasNameRE = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`)

const maxAliasNameChars = 256

// checkAliasName returns the error KMS gives for an alias name it does not
// take: ValidationException for one not of the documented form,
// InvalidAliasNameException for one in the alias/aws/ namespace reserved
// for AWS managed keys.
func checkAliasName(name string) error {
	switch {
	case name == "":
		return validationError("1 validation error detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null")
	case len(name) > maxAliasNameChars:
		return lengthError("aliasName", 1, maxAliasNameChars)
	case !strings.HasPrefix(name, "alias/"):
		return validationError("Alias name " + name + " must begin with alias/.")
	case !aliasNameRE.MatchString(name):
		return validationError("Alias name " + name + " contains invalid characters: it may contain only alphanumeric characters, /, _ and -.")
	case strings.HasPrefix(name, "alias/aws/"):
		return &types.InvalidAliasNameException{Message: aws.String("Alias name " + name + " begins with alias/aws/, which is reserved for AWS managed keys.")}
	}
	return nil
}

func aliasNotFound(k *KMS, name string) error {
	return &types.NotFoundException{Message: aws.String("Alias " + k.AliasARN(name) + " is not found.")}
}

// CreateAlias creates an alias for a key (TargetKeyId: key id or key ARN).
// Names follow [checkAliasName]; an existing name is
// AlreadyExistsException; a key pending deletion is
// KMSInvalidStateException. [KMS.SetAlias] sets AWS managed aliases.
func (c *Client) CreateAlias(ctx context.Context, params *kms.CreateAliasInput, optFns ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	if params == nil {
		params = &kms.CreateAliasInput{}
	}
	name := aws.ToString(params.AliasName)
	target := aws.ToString(params.TargetKeyId)
	err := c.locked(ctx, "CreateAlias", target, func(k *KMS) error {
		if err := checkAliasName(name); err != nil {
			return err
		}
		kk, err := k.lookupLocked(target, refKey)
		if err != nil {
			return err
		}
		if err := c.authorize(kk, request{action: "kms:CreateAlias"}); err != nil {
			return err
		}
		if err := stateError(stateNotDeleting, kk); err != nil {
			return err
		}
		if _, ok := k.aliases[name]; ok {
			return &types.AlreadyExistsException{Message: aws.String("An alias with the name " + k.AliasARN(name) + " already exists")}
		}
		now := k.opts.Now()
		k.aliases[name] = &alias{name: name, target: *kk.meta.KeyId, created: now, updated: now}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.CreateAliasOutput{}, nil
}

// UpdateAlias points an existing alias at another key (TargetKeyId: key id
// or key ARN), which must be of the same type (symmetric, asymmetric or
// HMAC) and key usage as the current one, and not pending deletion. The
// caller needs kms:UpdateAlias on both keys.
func (c *Client) UpdateAlias(ctx context.Context, params *kms.UpdateAliasInput, optFns ...func(*kms.Options)) (*kms.UpdateAliasOutput, error) {
	if params == nil {
		params = &kms.UpdateAliasInput{}
	}
	name := aws.ToString(params.AliasName)
	target := aws.ToString(params.TargetKeyId)
	err := c.locked(ctx, "UpdateAlias", target, func(k *KMS) error {
		if err := checkAliasName(name); err != nil {
			return err
		}
		a, ok := k.aliases[name]
		if !ok {
			return aliasNotFound(k, name)
		}
		newKey, err := k.lookupLocked(target, refKey)
		if err != nil {
			return err
		}
		oldKey, ok := k.keys[a.target]
		if !ok {
			return aliasNotFound(k, name) // a predefined alias with no key
		}
		if err := c.authorize(oldKey, request{action: "kms:UpdateAlias"}); err != nil {
			return err
		}
		if err := c.authorize(newKey, request{action: "kms:UpdateAlias"}); err != nil {
			return err
		}
		if keyType(oldKey.meta.KeySpec) != keyType(newKey.meta.KeySpec) || oldKey.meta.KeyUsage != newKey.meta.KeyUsage {
			return validationError("Alias " + name + " points to a " + keyType(oldKey.meta.KeySpec) + " key with key usage " + string(oldKey.meta.KeyUsage) +
				"; the new key must be of the same type and key usage, not " + keyType(newKey.meta.KeySpec) + " with " + string(newKey.meta.KeyUsage) + ".")
		}
		if err := stateError(stateNotDeleting, newKey); err != nil {
			return err
		}
		a.target, a.updated = *newKey.meta.KeyId, k.opts.Now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.UpdateAliasOutput{}, nil
}

// keyType is the type UpdateAlias compares: symmetric, asymmetric or HMAC.
func keyType(spec types.KeySpec) string {
	switch {
	case spec == types.KeySpecSymmetricDefault:
		return "symmetric"
	case strings.HasPrefix(string(spec), "HMAC_"):
		return "HMAC"
	}
	return "asymmetric"
}

// DeleteAlias deletes an alias. The caller needs kms:DeleteAlias on its
// key. An AWS managed alias (alias/aws/...) cannot be deleted.
func (c *Client) DeleteAlias(ctx context.Context, params *kms.DeleteAliasInput, optFns ...func(*kms.Options)) (*kms.DeleteAliasOutput, error) {
	if params == nil {
		params = &kms.DeleteAliasInput{}
	}
	name := aws.ToString(params.AliasName)
	err := c.locked(ctx, "DeleteAlias", name, func(k *KMS) error {
		if err := checkAliasName(name); err != nil {
			return err
		}
		a, ok := k.aliases[name]
		if !ok {
			return aliasNotFound(k, name)
		}
		kk, ok := k.keys[a.target]
		if !ok {
			return aliasNotFound(k, name) // a predefined alias with no key
		}
		if err := c.authorize(kk, request{action: "kms:DeleteAlias"}); err != nil {
			return err
		}
		delete(k.aliases, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.DeleteAliasOutput{}, nil
}

// ListAliases lists aliases by name, all of them (with the predefined AWS
// managed aliases of Options.PredefinedAliases, which have no TargetKeyId)
// or those of KeyId (key id or key ARN), with Limit (1 to
// agentcore.MaxGrantsListLimit, default 50) and Marker pagination
// (kms.NewListAliasesPaginator works). Listing is authorized by IAM, which
// kmstest does not model.
func (c *Client) ListAliases(ctx context.Context, params *kms.ListAliasesInput, optFns ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	if params == nil {
		params = &kms.ListAliasesInput{}
	}
	var out *kms.ListAliasesOutput
	err := c.locked(ctx, "ListAliases", aws.ToString(params.KeyId), func(k *KMS) error {
		if _, err := checkLimit(params.Limit, 50, agentcore.MaxGrantsListLimit); err != nil {
			return err
		}
		keyID := ""
		if params.KeyId != nil {
			kk, err := k.lookupLocked(*params.KeyId, refKey)
			if err != nil {
				return err
			}
			keyID = *kk.meta.KeyId
		}
		all := k.aliasesForKeyLocked(keyID)
		entries := make([]types.AliasListEntry, len(all))
		for i, a := range all {
			entries[i] = types.AliasListEntry{
				AliasName: aws.String(a.name), AliasArn: aws.String(k.AliasARN(a.name)),
				CreationDate: aws.Time(a.created), LastUpdatedDate: aws.Time(a.updated),
			}
			if a.target != "" {
				entries[i].TargetKeyId = aws.String(a.target)
			}
		}
		page, next, err := paginate(entries, params.Limit, params.Marker, 50, agentcore.MaxGrantsListLimit)
		if err != nil {
			return err
		}
		out = &kms.ListAliasesOutput{Aliases: page, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}
