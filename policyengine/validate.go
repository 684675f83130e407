package policyengine

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/internal/awspartition"
)

// Limits of CreatePolicyEngine's input.
const (
	MaxNameLength        = 48
	MaxDescriptionLength = 4096
	MaxTags              = 50
	maxTagKeyLength      = 128
	maxTagValueLength    = 256
	minClientToken       = 33
	maxClientToken       = 256
)

var (
	nameRE        = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	clientTokenRE = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`)
	keyIDRE       = regexp.MustCompile(`^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// validateCreate checks in as CreatePolicyEngine will, and the key ARN
// against the client's Region. It returns the first problem found.
func validateCreate(in CreateInput, region string) error {
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		return &InputError{Field: "Name", Value: in.Name, Reason: "is required"}
	case n > MaxNameLength:
		return &InputError{Field: "Name", Value: in.Name, Reason: "is longer than 48 characters"}
	case !nameRE.MatchString(in.Name):
		return &InputError{Field: "Name", Value: in.Name, Reason: "must start with a letter and contain only letters, digits and underscores"}
	}
	if n := utf8.RuneCountInString(in.Description); n > MaxDescriptionLength {
		return &InputError{Field: "Description", Value: string([]rune(in.Description)[:32]) + "...", Reason: "is longer than 4096 characters"}
	}
	if err := validateTags(in.Tags); err != nil {
		return err
	}
	if in.ClientToken != "" {
		if n := len(in.ClientToken); n < minClientToken || n > maxClientToken || !clientTokenRE.MatchString(in.ClientToken) {
			return &InputError{Field: "ClientToken", Value: in.ClientToken, Reason: "must be 33-256 letters, digits and hyphens, starting and ending with a letter or digit"}
		}
	}
	return validateKeyARN(in.KeyARN, region)
}

func validateTags(tags map[string]string) error {
	if len(tags) > MaxTags {
		return &InputError{Field: "Tags", Value: "", Reason: "has more than 50 tags"}
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same tag every time
	for _, k := range keys {
		switch {
		case k == "" || utf8.RuneCountInString(k) > maxTagKeyLength:
			return &InputError{Field: "Tags", Value: k, Reason: "tag keys must be 1-128 characters"}
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return &InputError{Field: "Tags", Value: k, Reason: "tag keys starting with aws: are reserved for AWS"}
		case utf8.RuneCountInString(tags[k]) > maxTagValueLength:
			return &InputError{Field: "Tags", Value: k, Reason: "tag values must be at most 256 characters"}
		}
	}
	return nil
}

// validateKeyARN checks that s is a KMS key ARN (not an alias, not a bare key
// id) in the partition of region, when region is known.
func validateKeyARN(s, region string) error {
	if s == "" {
		return &InputError{Field: "KeyARN", Value: s, Reason: "is required"}
	}
	a, err := arn.Parse(s)
	if err != nil {
		return &InputError{Field: "KeyARN", Value: s, Reason: "must be a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
	}
	id, isKey := strings.CutPrefix(a.Resource, "key/")
	switch {
	case a.Service != "kms":
		return &InputError{Field: "KeyARN", Value: s, Reason: "is not a KMS ARN"}
	case strings.HasPrefix(a.Resource, "alias/"):
		return &InputError{Field: "KeyARN", Value: s, Reason: "is an alias ARN; CreatePolicyEngine needs the key ARN"}
	case !isKey || !keyIDRE.MatchString(id):
		return &InputError{Field: "KeyARN", Value: s, Reason: "is not a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/KEY_ID)"}
	case len(a.AccountID) != 12 || strings.Trim(a.AccountID, "0123456789") != "":
		return &InputError{Field: "KeyARN", Value: s, Reason: "has no 12-digit account"}
	}
	p, ok := awspartition.ForRegion(a.Region)
	if !ok || p.ID != a.Partition {
		return &InputError{Field: "KeyARN", Value: s, Reason: "names Region " + a.Region + ", which is not in partition " + a.Partition}
	}
	if region != "" {
		if want, ok := awspartition.ForRegion(region); ok && want.ID != a.Partition {
			return &InputError{Field: "KeyARN", Value: s, Reason: "is in partition " + a.Partition + " but the client is in " + want.ID + " (" + region + ")"}
		}
	}
	return nil
}
