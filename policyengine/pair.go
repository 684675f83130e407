package policyengine

import (
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// GrantsOf returns the engine's two grants among grants, every grant of the
// key as ListGrants listed them, with the rules of [Client.Grants] and
// without any call: both or neither come back with a nil error, exactly
// one with a [*GrantsInconsistentError], and a bound grant without its id
// or operations is an [*IncompleteAnswerError]. It lets an audit that lists
// a key's grants once check every engine sharing the key.
func GrantsOf(grants []kmstypes.GrantListEntry, keyARN, engineARN string) (GrantPair, error) {
	bound, err := boundTo(grants, keyARN, engineARN)
	if err != nil {
		return GrantPair{}, err
	}
	pair := pairOf(bound)
	if s := pair.State(); s == GrantsOnlyManagement || s == GrantsOnlyEvaluation {
		return pair, &GrantsInconsistentError{KeyARN: keyARN, EngineARN: engineARN, Pair: pair}
	}
	return pair, nil
}
