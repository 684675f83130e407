package kmstest

import (
	"context"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Tag limits KMS documents (Tag: TagKey 1 to 128 characters, TagValue 0 to
// 256; KMS quotas: 50 tags per KMS key).
const (
	maxTagKeyChars   = 128
	maxTagValueChars = 256
	maxTagsPerKey    = 50
)

// applyTags returns have with tags added or replaced, or the error KMS
// gives: ValidationException for a key or value outside its length,
// TagException for a key beginning with the reserved "aws:", and
// LimitExceededException past maxTagsPerKey.
func applyTags(have map[string]string, tags []types.Tag) (map[string]string, error) {
	out := maps.Clone(have)
	if out == nil {
		out = map[string]string{}
	}
	for _, t := range tags {
		key, value := aws.ToString(t.TagKey), aws.ToString(t.TagValue)
		if n := utf8.RuneCountInString(key); n < 1 || n > maxTagKeyChars {
			return nil, lengthError("tags.member.tagKey", 1, maxTagKeyChars)
		}
		if t.TagValue == nil || utf8.RuneCountInString(value) > maxTagValueChars {
			return nil, lengthError("tags.member.tagValue", 0, maxTagValueChars)
		}
		if strings.HasPrefix(strings.ToLower(key), "aws:") {
			return nil, &types.TagException{Message: aws.String("Tag keys beginning with aws: are reserved: " + key)}
		}
		out[key] = value
	}
	if len(out) > maxTagsPerKey {
		return nil, &types.LimitExceededException{Message: aws.String("A KMS key can have at most 50 tags.")}
	}
	return out, nil
}

// TagResource adds or replaces tags on a key (KeyId: key id or key ARN),
// with the limits of [applyTags]. A key pending deletion is
// KMSInvalidStateException.
func (c *Client) TagResource(ctx context.Context, params *kms.TagResourceInput, optFns ...func(*kms.Options)) (*kms.TagResourceOutput, error) {
	if params == nil {
		params = &kms.TagResourceInput{}
	}
	err := c.keyOp(ctx, "TagResource", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:TagResource"}); err != nil {
			return err
		}
		if err := stateError(stateNotDeleting, kk); err != nil {
			return err
		}
		tags, err := applyTags(kk.tags, params.Tags)
		if err != nil {
			return err
		}
		kk.tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.TagResourceOutput{}, nil
}

// UntagResource removes tags from a key (KeyId: key id or key ARN); a tag
// key the key does not have is ignored. A key pending deletion is
// KMSInvalidStateException.
func (c *Client) UntagResource(ctx context.Context, params *kms.UntagResourceInput, optFns ...func(*kms.Options)) (*kms.UntagResourceOutput, error) {
	if params == nil {
		params = &kms.UntagResourceInput{}
	}
	err := c.keyOp(ctx, "UntagResource", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:UntagResource"}); err != nil {
			return err
		}
		if err := stateError(stateNotDeleting, kk); err != nil {
			return err
		}
		for _, t := range params.TagKeys {
			delete(kk.tags, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &kms.UntagResourceOutput{}, nil
}

// ListResourceTags lists a key's tags by tag key (KeyId: key id or key
// ARN), with Limit (1 to 50, default 50) and Marker pagination, in every
// key state.
func (c *Client) ListResourceTags(ctx context.Context, params *kms.ListResourceTagsInput, optFns ...func(*kms.Options)) (*kms.ListResourceTagsOutput, error) {
	if params == nil {
		params = &kms.ListResourceTagsInput{}
	}
	var out *kms.ListResourceTagsOutput
	err := c.keyOp(ctx, "ListResourceTags", aws.ToString(params.KeyId), refKey, func(kk *key) error {
		if err := c.authorize(kk, request{action: "kms:ListResourceTags"}); err != nil {
			return err
		}
		all := make([]types.Tag, 0, len(kk.tags))
		for _, key := range slices.Sorted(maps.Keys(kk.tags)) {
			all = append(all, types.Tag{TagKey: aws.String(key), TagValue: aws.String(kk.tags[key])})
		}
		page, next, err := paginate(all, params.Limit, params.Marker, maxTagsPerKey, maxTagsPerKey)
		if err != nil {
			return err
		}
		out = &kms.ListResourceTagsOutput{Tags: page, NextMarker: next, Truncated: next != nil}
		return nil
	})
	return out, err
}
