package policyengine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/internal/hostile"
	"github.com/agentcorekms/agentcorekms/policyengine"
)

// A 200 that carries an error body is not "0 policy engines".
func TestAuditOfAnErrorBodyIsNotEmpty(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.ctlH.On(listSummaries, hostile.Answer{Body: `{"__type":"AccessDeniedException","message":"User is not authorized to perform: bedrock-agentcore:ListPolicyEngineSummaries"}`})
	rep, err := r.pe.Audit(t.Context())
	var ia *policyengine.IncompleteAnswerError
	if !errors.As(err, &ia) || ia.Op != "ListPolicyEngineSummaries" || ia.Field != "PolicyEngines" {
		t.Fatalf("Audit = %+v, %v; want an *IncompleteAnswerError for PolicyEngines", rep, err)
	}
	if rep != nil && len(rep.Engines) != 0 {
		t.Errorf("Audit reported %d engines from an error body", len(rep.Engines))
	}
}

// A summary without the engine's id is not audited as an engine.
func TestAuditOfASummaryWithoutID(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.ctlH.On(listSummaries, hostile.Answer{Body: `{"policyEngines":[{"name":"X","status":"ACTIVE"}]}`})
	_, err := r.pe.Audit(t.Context())
	var ia *policyengine.IncompleteAnswerError
	if !errors.As(err, &ia) || ia.Field != "PolicyEngines[0].PolicyEngineId" {
		t.Errorf("Audit error = %v, want an *IncompleteAnswerError for PolicyEngines[0].PolicyEngineId", err)
	}
}

// DescribeKey answering 200 {} says nothing about the key: the finding is
// KeyInaccessible with the typed error, not a key "in state ''".
func TestAuditOfAnEmptyDescribeKey(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if _, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Described", KeyARN: r.keyARN}); err != nil {
		t.Fatal(err)
	}
	r.kmsH.On(hostile.Target("DescribeKey"), hostile.Empty)
	rep, err := r.pe.Audit(t.Context())
	if err != nil || len(rep.Engines) != 1 {
		t.Fatalf("Audit = %+v, %v", rep, err)
	}
	fs := rep.Engines[0].Findings
	if len(fs) == 0 || fs[0].Code != policyengine.FindingKeyInaccessible || !errors.Is(fs[0].Err, policyengine.ErrIncompleteAnswer) {
		t.Errorf("findings = %+v, want KeyInaccessible with ErrIncompleteAnswer", fs)
	}
}

// panickingKMS panics in DescribeKey, as a client that is not what it
// claims might.
type panickingKMS struct{ *kms.Client }

func (panickingKMS) DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	panic("boom")
}

// A panic inside one of Audit's goroutines is recovered and reported.
func TestAuditRecoversPanics(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	if _, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Panics", KeyARN: r.keyARN}); err != nil {
		t.Fatal(err)
	}
	rep, err := policyengine.New(r.ctl, panickingKMS{r.kmsc}).Audit(t.Context())
	if err != nil || len(rep.Engines) != 1 {
		t.Fatalf("Audit with a panicking DescribeKey = %+v, %v", rep, err)
	}
	f := rep.Engines[0].Findings[0]
	if f.Code != policyengine.FindingKeyInaccessible || !errors.Is(f.Err, policyengine.ErrInvalidInput) || !strings.Contains(f.Err.Error(), "boom") {
		t.Errorf("finding = %+v, want KeyInaccessible with the recovered panic", f)
	}

	_, err = r.pe.Audit(t.Context(), func(o *policyengine.Options) {
		o.Progress = func(policyengine.AuditProgress) { panic("progress") }
	})
	if !errors.Is(err, policyengine.ErrInvalidInput) || !strings.Contains(err.Error(), "progress") {
		t.Errorf("Audit with a panicking Progress: %v, want the recovered panic", err)
	}
}
