package agentcore

import "regexp"

// KeyARNPattern is the pattern the AgentCore API models give the KMS key
// ARN members (CreatePolicyEngine's encryptionKeyArn, StartBatchEvaluation's
// kmsKeyArn): a key ARN, never an alias or a bare key id.
const KeyARNPattern = `arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}`

var keyARNRE = regexp.MustCompile(`^` + KeyARNPattern + `$`)

// CheckKeyARN reports whether s is a key ARN the AgentCore APIs accept in
// the member named field: it must match [KeyARNPattern] and pass
// [ParseKeyRef] with KeyARNOnly (a known Region of the ARN's partition, a
// UUID or mrk- key id). It returns nil or an *InputError for field.
func CheckKeyARN(field, s string) error {
	if _, err := ParseKeyRef(s, KeyRefRules{Field: field, KeyARNOnly: true}); err != nil {
		return err
	}
	if !keyARNRE.MatchString(s) {
		return &InputError{Field: field, Value: s, Reason: "does not match the pattern " + KeyARNPattern}
	}
	return nil
}
