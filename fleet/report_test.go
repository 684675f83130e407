package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/fleet"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
)

// The blast radius of a key lists every resource of every consumer that
// uses it, and the documented effects for each consumer present.
func TestBlastRadius(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA, acctB}, regions3)
	st := buildScenario(t, ctx, r)
	rep, err := fleet.Audit(ctx, r.target(), r.clients())
	if err != nil {
		t.Fatal(err)
	}
	key := st.keys[acctB+"/eu-west-1/healthy"]
	br, ok := rep.BlastRadius(key)
	if !ok {
		t.Fatalf("no blast radius for %s", key)
	}
	var got []string
	for _, res := range br.Resources {
		got = append(got, res.ARN)
	}
	want := []string{st.evals[acctB+"/eu-west-1/be1"], st.engines[acctB+"/eu-west-1/e1"], st.engines[acctB+"/eu-west-1/e2"]}
	slices.Sort(want)
	slices.Sort(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("resources using the key (-want +got):\n%s", d)
	}
	if d := cmp.Diff(append(modelEffects(t, keypolicy.ConsumerBatchEvaluation), modelEffects(t, keypolicy.ConsumerPolicyEngine)...), br.Effects); d != "" {
		t.Errorf("effects (-want +got):\n%s", d)
	}
	if !br.Complete || br.Key.State != "Enabled" || len(br.Key.Resources) != 3 {
		t.Errorf("blast radius key %+v complete %v; want Enabled, 3 resources, complete", br.Key, br.Complete)
	}
	if _, ok := rep.BlastRadius("arn:aws:kms:us-east-1:111122223333:key/none"); ok {
		t.Error("a blast radius for a key no resource uses")
	}
	var nilRep *fleet.Report
	if _, ok := nilRep.BlastRadius(key); ok || nilRep.Denied() != nil {
		t.Error("a nil *Report has a blast radius or denied resources")
	}
	if _, ok := nilRep.Resource("x"); ok {
		t.Error("a nil *Report has a resource")
	}
	if _, ok := nilRep.Finding("x"); ok {
		t.Error("a nil *Report has a finding")
	}
	if fleet.Effects("gateway") != nil {
		t.Error("effects for a consumer the audit does not list")
	}
}

// modelEffects returns what the consumer model says fails for consumer
// while its key is unavailable, as Effects.
func modelEffects(t *testing.T, consumer string) []fleet.Effect {
	t.Helper()
	c, ok := keypolicy.ConsumerByName(consumer)
	if !ok || len(c.Unavailable) == 0 {
		t.Fatalf("the consumer model has no unavailable-key behaviour of %q", consumer)
	}
	var out []fleet.Effect
	for _, b := range c.Unavailable {
		out = append(out, fleet.Effect{Consumer: consumer, Operation: b.Operation, Fails: b.Fails, Note: b.Note})
	}
	return out
}

// Effects are the consumer model's, for the consumers the audit lists and
// for no other; the documented facts are there.
func TestEffects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		consumer string
		// none: Effects returns nil. Otherwise Effects is the model's, and
		// fails and works are operations the documentation says fail or
		// keep working.
		none         bool
		fails, works []string
	}{
		{name: "policy engine", consumer: keypolicy.ConsumerPolicyEngine,
			fails: []string{"authorization decisions", "CreatePolicyEngine", "creating, reading, updating or deleting policies"}},
		{name: "batch evaluation", consumer: keypolicy.ConsumerBatchEvaluation,
			fails: []string{"StartBatchEvaluation"}, works: []string{"GetBatchEvaluation", "ListBatchEvaluations", "StopBatchEvaluation", "DeleteBatchEvaluation"}},
		{name: "a consumer the audit does not list", consumer: keypolicy.ConsumerGateway, none: true},
		{name: "no consumer", consumer: "nope", none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := fleet.Effects(tt.consumer)
			if tt.none {
				if got != nil {
					t.Fatalf("Effects(%q) = %+v, want nil", tt.consumer, got)
				}
				return
			}
			if d := cmp.Diff(modelEffects(t, tt.consumer), got); d != "" {
				t.Errorf("Effects(%q) (-want +got):\n%s", tt.consumer, d)
			}
			verdict := map[string]bool{}
			for _, e := range got {
				verdict[e.Operation] = e.Fails
			}
			for _, op := range tt.fails {
				if fails, ok := verdict[op]; !ok || !fails {
					t.Errorf("%s: listed %v, fails %v; want it to fail", op, ok, fails)
				}
			}
			for _, op := range tt.works {
				if fails, ok := verdict[op]; !ok || fails {
					t.Errorf("%s: listed %v, fails %v; want it to keep working", op, ok, fails)
				}
			}
		})
	}
}

// The JSON report keeps its field names.
func TestReportJSONFields(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA}, []string{"us-east-1"})
	sb := r.at(acctA, "us-east-1")
	k := newKey(t, ctx, sb)
	engine(t, ctx, sb, "e1", k)
	if _, err := sb.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(k)}); err != nil {
		t.Fatal(err)
	}
	rep, err := fleet.Audit(ctx, r.target(), r.clients())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	fields := func(raw json.RawMessage) []string {
		var o map[string]json.RawMessage
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		var ks []string
		for k := range o {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	first := func(raw json.RawMessage) json.RawMessage {
		var l []json.RawMessage
		if err := json.Unmarshal(raw, &l); err != nil || len(l) == 0 {
			t.Fatalf("%s: %v", raw, err)
		}
		return l[0]
	}
	var res map[string]json.RawMessage
	_ = json.Unmarshal(first(m["resources"]), &res)
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{name: "report", got: fields(b.Bytes()), want: []string{"at", "keys", "outcome", "resources", "scopes", "stats"}},
		{name: "resource", got: fields(first(m["resources"])), want: []string{"account", "arn", "consumer", "deniedFrom", "findings", "id", "keyArn", "name", "outcome", "region", "status"}},
		{name: "finding", got: fields(first(res["findings"])), want: []string{"code", "deniedFrom", "id", "message", "status"}},
		{name: "key", got: fields(first(m["keys"])), want: []string{"account", "arn", "policyRead", "region", "resources", "state"}},
		{name: "scope", got: fields(first(m["scopes"])), want: []string{"account", "complete", "consumer", "listed", "region"}},
		{name: "stats", got: fields(m["stats"]), want: []string{"requests", "throttleRetries"}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.got); d != "" {
			t.Errorf("%s fields (-want +got):\n%s", tt.name, d)
		}
	}
	var outcome string
	_ = json.Unmarshal(m["outcome"], &outcome)
	if outcome != "failed" {
		t.Errorf("outcome %q, want failed", outcome)
	}
}

// A cancelled audit says so, and never reports an unread resource as
// passed; a ClientsFunc that panics or fails leaves its scopes incomplete.
func TestAuditCancelledAndBrokenClients(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA}, []string{"us-east-1"})
	sb := r.at(acctA, "us-east-1")
	k := newKey(t, ctx, sb)
	engine(t, ctx, sb, "e1", k)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	rep, err := fleet.Audit(cctx, r.target(), r.clients())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Audit(cancelled) = %v, want context.Canceled", err)
	}
	if rep == nil || rep.Outcome == kmscheck.OutcomePassed {
		t.Errorf("cancelled audit: %+v, want a report that is not passed", rep)
	}
	for _, res := range rep.Resources {
		if res.Outcome == kmscheck.OutcomePassed && res.KeyARN != "" {
			t.Errorf("resource %s passed in a cancelled audit", res.ARN)
		}
	}

	for name, clients := range map[string]fleet.ClientsFunc{
		"panics": func(context.Context, fleet.Account, string) (*fleet.Clients, error) { panic("boom") },
		"fails":  func(context.Context, fleet.Account, string) (*fleet.Clients, error) { return nil, errors.New("no") },
		"no kms": func(context.Context, fleet.Account, string) (*fleet.Clients, error) { return &fleet.Clients{}, nil },
	} {
		rep, err := fleet.Audit(ctx, r.target(), clients)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rep.Outcome != kmscheck.OutcomeIncomplete || len(rep.Scopes) != 2 || rep.Scopes[0].Complete {
			t.Errorf("%s: outcome %v, scopes %+v; want incomplete scopes", name, rep.Outcome, rep.Scopes)
		}
	}
}

// Other key states: another unusable state, and imported material that
// expires, which denies decisions from a known date.
func TestAuditKeyStates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA}, []string{"us-east-1"})
	sb := r.at(acctA, "us-east-1")
	validTo := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		change     func(*kmstypes.KeyMetadata)
		want       fleet.Code
		deniedFrom *time.Time // nil: the audit's start
	}{
		{name: "unavailable", change: func(m *kmstypes.KeyMetadata) { m.KeyState = kmstypes.KeyStateUnavailable }, want: fleet.CodeKeyUnusable},
		{name: "material expires", change: func(m *kmstypes.KeyMetadata) {
			m.ExpirationModel, m.ValidTo = kmstypes.ExpirationModelTypeKeyMaterialExpires, aws.Time(validTo)
		}, want: fleet.CodeKeyMaterialExpires, deniedFrom: &validTo},
	}
	engines := map[string]string{}
	for _, tt := range tests {
		k := newKey(t, ctx, sb)
		engines[tt.name] = engine(t, ctx, sb, strings.ReplaceAll(tt.name, " ", "_"), k)
		if err := sb.Emulators.KMS.UpdateKey(keyID(k), tt.change); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := fleet.Audit(ctx, r.target(), r.clients())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := rep.Resource(engines[tt.name])
			if len(res.Findings) != 1 || res.Findings[0].Code != tt.want || res.Outcome != kmscheck.OutcomeFailed {
				t.Fatalf("findings %+v, outcome %v; want one %s, failed", res.Findings, res.Outcome, tt.want)
			}
			want := rep.At
			if tt.deniedFrom != nil {
				want = *tt.deniedFrom
			}
			if f := res.Findings[0]; f.DeniedFrom == nil || !f.DeniedFrom.Equal(want) {
				t.Errorf("DeniedFrom = %v, want %v", f.DeniedFrom, want)
			}
		})
	}
}

// A Progress that panics does not kill the process: Audit returns the
// report and an *InputError.
func TestAuditProgressPanics(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := newFleetRig(t, []string{acctA}, []string{"us-east-1"})
	sb := r.at(acctA, "us-east-1")
	k := newKey(t, ctx, sb)
	engine(t, ctx, sb, "e1", k)
	engine(t, ctx, sb, "e2", k)
	rep, err := fleet.Audit(ctx, r.target(), r.clients(), func(o *fleet.Options) {
		o.Progress = func(fleet.Progress) { panic("boom") }
	})
	var ie *fleet.InputError
	if !errors.As(err, &ie) || ie.Field != "Options.Progress" || rep == nil || len(rep.Resources) != 2 {
		t.Errorf("Audit = %v, %v; want the report of 2 resources and an *InputError for Options.Progress", rep, err)
	}
}
