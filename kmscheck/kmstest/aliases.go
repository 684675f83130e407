package kmstest

import (
	"context"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

var aliasNameRE = regexp.MustCompile(`^alias/[a-zA-Z0-9:/_-]{1,250}$`)

// CreateAlias creates an alias for a key. Names must match alias/[a-zA-Z0-9:/_-]+
// and may not start with alias/aws/ (see [KMS.SetAlias] for AWS managed
// aliases).
func (c *Client) CreateAlias(ctx context.Context, params *kms.CreateAliasInput, optFns ...func(*kms.Options)) (*kms.CreateAliasOutput, error) {
	if params == nil {
		params = &kms.CreateAliasInput{}
	}
	name := aws.ToString(params.AliasName)
	target := aws.ToString(params.TargetKeyId)
	if err := c.begin(ctx, "CreateAlias", target); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	err := func() error {
		if !aliasNameRE.MatchString(name) {
			return &types.InvalidAliasNameException{Message: aws.String("Alias name " + name + " is not valid: it must begin with alias/ and contain only alphanumeric characters, /, _, - and :.")}
		}
		if strings.HasPrefix(name, "alias/aws/") {
			return &types.InvalidAliasNameException{Message: aws.String("Alias name " + name + " begins with alias/aws/, which is reserved for AWS managed keys.")}
		}
		kk, err := k.lookupLocked(target, true)
		if err != nil {
			return err
		}
		if err := c.authorize(kk, request{action: "kms:CreateAlias"}); err != nil {
			return err
		}
		if err := notDeleting(kk); err != nil {
			return err
		}
		if _, ok := k.aliases[name]; ok {
			return &types.AlreadyExistsException{Message: aws.String("An alias with the name " + k.AliasARN(name) + " already exists")}
		}
		now := k.opts.Now()
		k.aliases[name] = &alias{name: name, target: *kk.meta.KeyId, created: now, updated: now}
		return nil
	}()
	c.recordLocked("CreateAlias", target, err)
	if err != nil {
		return nil, err
	}
	return &kms.CreateAliasOutput{}, nil
}

// DeleteAlias deletes an alias.
func (c *Client) DeleteAlias(ctx context.Context, params *kms.DeleteAliasInput, optFns ...func(*kms.Options)) (*kms.DeleteAliasOutput, error) {
	if params == nil {
		params = &kms.DeleteAliasInput{}
	}
	name := aws.ToString(params.AliasName)
	if err := c.begin(ctx, "DeleteAlias", name); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	err := func() error {
		a, ok := k.aliases[name]
		if !ok {
			return &types.NotFoundException{Message: aws.String("Alias " + k.AliasARN(name) + " is not found.")}
		}
		if err := c.authorize(k.keys[a.target], request{action: "kms:DeleteAlias"}); err != nil {
			return err
		}
		delete(k.aliases, name)
		return nil
	}()
	c.recordLocked("DeleteAlias", name, err)
	if err != nil {
		return nil, err
	}
	return &kms.DeleteAliasOutput{}, nil
}

// ListAliases lists aliases, all or those of KeyId, by name, with
// Limit/Marker pagination (kms.NewListAliasesPaginator works). Listing is
// authorized by IAM, which kmstest does not model.
func (c *Client) ListAliases(ctx context.Context, params *kms.ListAliasesInput, optFns ...func(*kms.Options)) (*kms.ListAliasesOutput, error) {
	if params == nil {
		params = &kms.ListAliasesInput{}
	}
	if err := c.begin(ctx, "ListAliases", aws.ToString(params.KeyId)); err != nil {
		return nil, err
	}
	k := c.kms
	k.mu.Lock()
	defer k.mu.Unlock()
	var out *kms.ListAliasesOutput
	err := func() error {
		keyID := ""
		if params.KeyId != nil {
			kk, err := k.lookupLocked(*params.KeyId, true)
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
				TargetKeyId: aws.String(a.target), CreationDate: aws.Time(a.created), LastUpdatedDate: aws.Time(a.updated),
			}
		}
		page, next, err := paginate(entries, params.Limit, params.Marker)
		if err != nil {
			return err
		}
		out = &kms.ListAliasesOutput{Aliases: page, NextMarker: next, Truncated: next != nil}
		return nil
	}()
	c.recordLocked("ListAliases", aws.ToString(params.KeyId), err)
	return out, err
}
