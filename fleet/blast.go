package fleet

// Effect is what one operation of a consumer does while its key is
// unavailable: disabled, pending deletion, deleted, or its permissions
// removed from the key policy. It is one keypolicy.Behaviour of the
// consumer model (keypolicy.Consumer.Unavailable), with its consumer.
type Effect struct {
	Consumer  string `json:"consumer"`
	Operation string `json:"operation"`
	// Fails reports whether the operation fails.
	Fails bool `json:"fails"`
	// Note gives the documented error or detail.
	Note string `json:"note,omitempty"`
}

// Effects returns what the consumer model says stops working for consumer
// (keypolicy.ConsumerPolicyEngine or keypolicy.ConsumerBatchEvaluation)
// while its key is unavailable: keypolicy.ConsumerByName(consumer)'s
// Unavailable, in its order. It returns nil for a consumer the audit does
// not list.
func Effects(consumer string) []Effect {
	c := audited(consumer)
	if c == nil {
		return nil
	}
	return c.effects()
}

// effects returns c.model.Unavailable as Effects.
func (c *consumer) effects() []Effect {
	out := make([]Effect, 0, len(c.model.Unavailable))
	for _, b := range c.model.Unavailable {
		out = append(out, Effect{Consumer: c.name, Operation: b.Operation, Fails: b.Fails, Note: b.Note})
	}
	return out
}

// BlastRadius is every audited resource that uses one key, and what breaks
// for them if the key is disabled or deleted.
type BlastRadius struct {
	Key       Key        `json:"key"`
	Resources []Resource `json:"resources"`
	// Effects are the [Effects] of each consumer among Resources, in
	// report order: what the consumer model says fails while the key is
	// unavailable.
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
