package fleet

import (
	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Effect is what one operation of a consumer does while its key is
// unavailable: disabled, pending deletion, deleted, or its permissions
// removed from the key policy.
type Effect struct {
	Consumer  string `json:"consumer"`
	Operation string `json:"operation"`
	// Fails reports whether the operation fails.
	Fails bool `json:"fails"`
	// Note gives the documented error or detail.
	Note string `json:"note,omitempty"`
}

// Effects returns what the documentation says stops working for consumer
// (keypolicy.FeaturePolicyEngine or keypolicy.FeatureBatchEvaluation) while
// its key is unavailable, and nil for a consumer the audit does not list.
func Effects(consumer string) []Effect {
	switch consumer {
	case keypolicy.FeaturePolicyEngine:
		// policy-engine-cmk.txt: "all authorization decisions will be
		// denied"; "you will not be able to read, update, or delete
		// resources encrypted by that key, and any create calls to utilize
		// the key for encryption will fail".
		return []Effect{
			{Consumer: consumer, Operation: "authorization decisions", Fails: true, Note: "denied: the engine cannot decrypt its policy data"},
			{Consumer: consumer, Operation: "CreatePolicyEngine", Fails: true, Note: agentcore.MessageAccessDenied + " or " + agentcore.MessageKeyNotUsable},
			{Consumer: consumer, Operation: "creating, reading, updating or deleting policies", Fails: true},
		}
	case keypolicy.FeatureBatchEvaluation:
		// batch-evaluation-cmk.txt, "Behavior when a key becomes
		// unavailable".
		return []Effect{
			{Consumer: consumer, Operation: "StartBatchEvaluation", Fails: true, Note: "ValidationException"},
			{Consumer: consumer, Operation: "GetBatchEvaluation", Fails: false, Note: "returns metadata; the results in encrypted S3 objects cannot be read"},
			{Consumer: consumer, Operation: "ListBatchEvaluations", Fails: false},
			{Consumer: consumer, Operation: "StopBatchEvaluation", Fails: false},
			{Consumer: consumer, Operation: "DeleteBatchEvaluation", Fails: false},
		}
	}
	return nil
}

// BlastRadius is every audited resource that uses one key, and what breaks
// for them if the key is disabled or deleted.
type BlastRadius struct {
	Key       Key        `json:"key"`
	Resources []Resource `json:"resources"`
	// Effects are the [Effects] of each consumer among Resources, in
	// report order.
	Effects []Effect `json:"effects"`
	// Complete reports whether every listing of the audit was complete:
	// otherwise a resource that uses the key may be missing.
	Complete bool `json:"complete"`
}

// BlastRadius returns the blast radius of keyARN, and reports whether the
// audit saw the key at all. A nil *Report has none.
func (r *Report) BlastRadius(keyARN string) (BlastRadius, bool) {
	if r == nil {
		return BlastRadius{}, false
	}
	var br BlastRadius
	found := false
	for _, k := range r.Keys {
		if k.ARN == keyARN {
			br.Key, found = k, true
			break
		}
	}
	if !found {
		return BlastRadius{}, false
	}
	seen := map[string]bool{}
	for _, res := range r.Resources {
		if res.KeyARN != keyARN {
			continue
		}
		br.Resources = append(br.Resources, res)
		if !seen[res.Consumer] {
			seen[res.Consumer] = true
			br.Effects = append(br.Effects, Effects(res.Consumer)...)
		}
	}
	br.Complete = true
	for _, s := range r.Scopes {
		if !s.Complete {
			br.Complete = false
		}
	}
	return br, true
}
