package keypolicy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestShared: one policy for a key shared by several consumers allows every
// request of each, equal statements are written once, clashing Sids are
// qualified, and removing any statement breaks its requirements.
func TestShared(t *testing.T) {
	t.Parallel()
	const acct, region = "111122223333", "us-east-1"
	role := "arn:aws:iam::111122223333:role/Caller"
	p := Params{Account: acct, Region: region, Principal: role, ExecutionRole: "arn:aws:iam::111122223333:role/Exec", ServiceRole: "arn:aws:iam::111122223333:role/Gw"}
	gw := p
	gw.ResourceARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1"
	uses := []Use{
		{ConsumerPolicyEngine, p}, {ConsumerBatchEvaluation, p}, {ConsumerEvaluator, p}, {ConsumerDataset, p},
		{ConsumerConfigurationBundle, p}, {ConsumerRecommendation, p}, {ConsumerPaymentManager, p}, {ConsumerGateway, gw},
	}
	doc, reqs, err := Shared(uses)
	if err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, s := range doc.Statement {
		sids = append(sids, s.Sid)
	}
	want := []string{
		SidPolicyCreateGrants, SidPolicyKMSOperations, SidPolicyKMSValidation,
		SidBatchCallerAccess, SidBatchCallerCryptoOps, SidBatchServicePrincipalAccess,
		"AllowCallerAccess for evaluator", "AllowCallerCryptoOps for evaluator", SidServicePrincipalDecrypt,
		"AllowCallerAccess for dataset", SidDatasetAccess,
		// The bundle's AllowCallerAccess is the batch evaluation's.
		"AllowCallerCryptoOps for configuration bundle",
		"AllowCallerCryptoOps for recommendation", "AllowServicePrincipalAccess for recommendation",
		SidPaymentCallerFasAccess, SidPaymentCallerFasDescribeKey, SidPaymentExecutionRoleCrypto, SidPaymentExecutionRoleDescKey,
		SidGatewayDescribeKey, SidGatewayDecrypt, SidGatewayCreateGrant, SidGatewayLogging,
	}
	if diff := cmp.Diff(want, sids); diff != "" {
		t.Errorf("Sids (-want +got):\n%s", diff)
	}
	// Statements overlap in a shared policy (the dataset's caller statement
	// has no condition), so a request may be allowed by more than its own.
	a := Analyze(doc, reqs)
	if !a.OK() {
		t.Fatalf("shared policy does not satisfy its requirements:\n%s", a)
	}
	for _, r := range a.Results {
		if !slices.ContainsFunc(r.Deciding, func(s StatementRef) bool { return s.Sid == r.Requirement.Statement }) {
			t.Errorf("%s decided by %v, not by %q", r.Requirement, r.Deciding, r.Requirement.Statement)
		}
	}
	if lint := Lint(doc); len(lint) != 3 { // the dataset's and the gateway logging statement's documented defects
		t.Errorf("Lint: %v", lint)
	}
	// Merging the shared policy into itself changes nothing.
	again, err := Merge(doc, doc)
	if err != nil || !strings.EqualFold(string(again.Compact()), string(doc.Compact())) {
		t.Errorf("Merge(shared, shared): %v", err)
	}
}

// TestSharedEveryStatementIsNeeded: with a caller per consumer and no
// unconditioned statement, removing any one statement of the shared policy
// breaks the requirements mapped to it, and only those.
func TestSharedEveryStatementIsNeeded(t *testing.T) {
	t.Parallel()
	var uses []Use
	for _, c := range Consumers() {
		if c.Kind != KeyPolicy || c.Name == ConsumerDataset {
			continue
		}
		p := Params{Account: "111122223333", Region: "eu-west-1", Principal: "arn:aws:iam::111122223333:role/" + c.Name,
			ExecutionRole: "arn:aws:iam::111122223333:role/exec", ServiceRole: "arn:aws:iam::111122223333:role/gw"}
		if c.Narrowing == NarrowRequired {
			p.ResourceARN = "arn:aws:bedrock-agentcore:eu-west-1:111122223333:" + c.Resource + "/r-1"
		}
		uses = append(uses, Use{c.Name, p})
	}
	doc, reqs, err := Shared(uses)
	if err != nil {
		t.Fatal(err)
	}
	if a := Analyze(doc, reqs); !a.OK() {
		t.Fatalf("not satisfied:\n%s", a)
	}
	for i := range doc.Statement {
		d := doc.Clone()
		removed := d.Statement[i].Sid
		d.Statement = append(d.Statement[:i], d.Statement[i+1:]...)
		failed := 0
		for _, r := range Analyze(d, reqs).Results {
			switch {
			case r.Requirement.Statement == removed && !r.OK():
				failed++
			case r.Requirement.Statement == removed:
				t.Errorf("without %q: %s still passes", removed, r.Requirement)
			case !r.OK():
				t.Errorf("without %q: %s fails", removed, r.Requirement)
			}
		}
		if failed == 0 && removed != SidGatewayLogging {
			t.Errorf("removing %q breaks nothing", removed)
		}
	}
}

func TestSharedErrors(t *testing.T) {
	t.Parallel()
	p := Params{Account: "111122223333", Region: "us-east-1"}
	tests := []struct {
		name  string
		uses  []Use
		field string
	}{
		{"none", nil, "uses"},
		{"unknown", []Use{{"nope", p}}, "consumer"},
		{"memory", []Use{{ConsumerDataset, p}, {ConsumerMemory, p}}, "consumer"},
		{"twice", []Use{{ConsumerDataset, p}, {ConsumerDataset, p}}, "consumer"},
		{"bad params", []Use{{ConsumerDataset, p}, {ConsumerGateway, p}}, "ResourceARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, reqs, err := Shared(tt.uses)
			var pe *ParamError
			if doc != nil || reqs != nil || !errors.As(err, &pe) || pe.Field != tt.field {
				t.Errorf("Shared = %v, %v, %v; want a *ParamError for %s", doc, reqs, err, tt.field)
			}
		})
	}
}
