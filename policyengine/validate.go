package policyengine

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
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
	// engineIDRE is a policy engine id: the name, a hyphen and a generated
	// suffix ("MyPolicyEngine-abc123" in the documentation).
	engineIDRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}-[A-Za-z0-9]{1,64}$`)
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
	_, err := validateKeyARN(in.KeyARN, region)
	return err
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
// id), with the module's one key-reference validator, in the partition of
// region when region is known.
func validateKeyARN(s, region string) (agentcore.KeyRef, error) {
	return agentcore.ParseKeyRef(s, agentcore.KeyRefRules{Field: "KeyARN", KeyARNOnly: true, Region: region})
}

// validateEngineARN checks that s is a policy engine ARN,
// arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:policy-engine/ID, in the
// partition of the key.
func validateEngineARN(s string, key agentcore.KeyRef) error {
	bad := func(reason string) error { return &InputError{Field: "EngineARN", Value: s, Reason: reason} }
	const example = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	if s == "" {
		return bad("is required")
	}
	a, err := arn.Parse(s)
	if err != nil || a.Service != "bedrock-agentcore" {
		return bad("is not a policy engine ARN such as " + example)
	}
	id, ok := strings.CutPrefix(a.Resource, "policy-engine/")
	switch {
	case !ok:
		return bad("is not the ARN of a policy engine (policy-engine/ID); was a gateway or other AgentCore ARN given?")
	case !engineIDRE.MatchString(id):
		return bad("has no policy engine id after policy-engine/")
	case len(a.AccountID) != 12 || strings.Trim(a.AccountID, "0123456789") != "":
		return bad("has no 12-digit account")
	}
	p, ok := awspartition.ForRegion(a.Region)
	if !ok || p.ID != a.Partition {
		return bad("names Region " + a.Region + ", which is not in partition " + a.Partition)
	}
	if a.Partition != key.Partition {
		return bad("is in partition " + a.Partition + " but key " + key.Raw + " is in " + key.Partition)
	}
	return nil
}
