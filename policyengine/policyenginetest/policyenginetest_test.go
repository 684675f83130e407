package policyenginetest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

const (
	account = "111122223333"
	role    = "arn:aws:iam::" + account + ":role/ExampleRole"
)

type env struct {
	sb        *agentcoretest.Sandbox
	kms       *kmstest.KMS
	cp        *policyenginetest.ControlPlane
	ctl       *bedrockagentcorecontrol.Client
	keyARN    string
	url       string
	accessKey string
}

// policy returns the documented key policy for role, without the statements
// whose Sids are in drop.
func policy(t *testing.T, drop ...string) string {
	t.Helper()
	doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: "us-east-1", Principal: role})
	if err != nil {
		t.Fatal(err)
	}
	doc.Statement = slices.DeleteFunc(doc.Statement, func(s keypolicy.Statement) bool { return slices.Contains(drop, s.Sid) })
	out, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// newEnv starts a sandbox for role with one key under keyPolicy.
func newEnv(t *testing.T, keyPolicy string, optFns ...func(*policyenginetest.Options)) *env {
	t.Helper()
	sb, err := agentcoretest.Start(role, func(o *agentcoretest.Options) { o.ControlPlane = optFns })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	key, err := sb.NewKey(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	// The test's policy replaces the documented one as an administrator
	// outside the key policy would: it may leave the role out on purpose.
	if err := sb.Emulators.KMS.SetKeyPolicy(key, keyPolicy); err != nil {
		t.Fatal(err)
	}
	return &env{sb: sb, kms: sb.Emulators.KMS, cp: sb.Emulators.ControlPlane, ctl: sb.ControlPlane,
		keyARN: key, url: sb.Emulators.ControlPlaneURL, accessKey: sb.AccessKeyID}
}

func (e *env) create(t *testing.T, name string) *bedrockagentcorecontrol.CreatePolicyEngineOutput {
	t.Helper()
	out, err := e.ctl.CreatePolicyEngine(context.Background(), &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String(name), EncryptionKeyArn: aws.String(e.keyARN), Description: aws.String("for " + name),
	})
	if err != nil {
		t.Fatalf("CreatePolicyEngine: %v", err)
	}
	return out
}

func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want an API error %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("error = %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func TestCreateMakesBothGrantsAndBecomesActive(t *testing.T) {
	e := newEnv(t, policy(t))
	ctx := context.Background()
	out := e.create(t, "MyPolicyEngine")
	if out.Status != types.PolicyEngineStatusCreating {
		t.Errorf("status = %s, want CREATING", out.Status)
	}
	if !strings.HasPrefix(*out.PolicyEngineId, "MyPolicyEngine-") || len(*out.PolicyEngineId) != len("MyPolicyEngine-")+10 {
		t.Errorf("id = %s, want the name and a 10-character suffix", *out.PolicyEngineId)
	}
	wantARN := "arn:aws:bedrock-agentcore:us-east-1:" + account + ":policy-engine/" + *out.PolicyEngineId
	if *out.PolicyEngineArn != wantARN || *out.EncryptionKeyArn != e.keyARN || *out.Description != "for MyPolicyEngine" {
		t.Errorf("create output = %+v", out)
	}

	grants, err := e.kms.Grants(e.keyARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(grants) != 2 {
		t.Fatalf("%d grants, want 2", len(grants))
	}
	wantOps := [][]kmstypes.GrantOperation{policyenginetest.ManagementGrantOperations(), policyenginetest.EvaluationGrantOperations()}
	wantNames := []string{policyenginetest.ManagementGrantPrefix + *out.PolicyEngineId, policyenginetest.EvaluationGrantPrefix + *out.PolicyEngineId}
	for i, g := range grants {
		if diff := cmp.Diff(wantOps[i], g.Operations); diff != "" {
			t.Errorf("grant %d operations (-want +got):\n%s", i, diff)
		}
		if aws.ToString(g.Name) != wantNames[i] {
			t.Errorf("grant %d name = %s, want %s", i, aws.ToString(g.Name), wantNames[i])
		}
		grantee := aws.ToString(g.GranteePrincipal) + aws.ToString(g.GranteeServicePrincipal)
		if !strings.Contains(grantee, keypolicy.ServicePrincipalName) {
			t.Errorf("grant %d grantee = %s, want the service principal", i, grantee)
		}
		if diff := cmp.Diff(map[string]string{keypolicy.PolicyEngineContextKey: wantARN}, g.Constraints.EncryptionContextSubset); diff != "" {
			t.Errorf("grant %d constraint (-want +got):\n%s", i, diff)
		}
	}
	// The grants were created by the caller through the service.
	var creators []string
	for _, c := range e.kms.Requests() {
		if c.Operation == "CreateGrant" {
			creators = append(creators, c.Caller.String())
		}
	}
	via := role + " via bedrock-agentcore.us-east-1.amazonaws.com"
	if diff := cmp.Diff([]string{via, via}, creators); diff != "" {
		t.Errorf("CreateGrant callers (-want +got):\n%s", diff)
	}

	got, err := e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != types.PolicyEngineStatusActive || aws.ToString(got.Description) != "for MyPolicyEngine" {
		t.Errorf("get = %s %q, want ACTIVE and the description decrypted", got.Status, aws.ToString(got.Description))
	}
}

func TestActivationDelay(t *testing.T) {
	now := time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, policy(t), func(o *policyenginetest.Options) {
		o.ActivationDelay = time.Minute
		o.Now = func() time.Time { return now }
	})
	out := e.create(t, "Delayed")
	get := func() types.PolicyEngineStatus {
		g, err := e.ctl.GetPolicyEngine(context.Background(), &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
		if err != nil {
			t.Fatal(err)
		}
		return g.Status
	}
	if s := get(); s != types.PolicyEngineStatusCreating {
		t.Errorf("before the delay: %s, want CREATING", s)
	}
	now = now.Add(time.Minute)
	if s := get(); s != types.PolicyEngineStatusActive {
		t.Errorf("after the delay: %s, want ACTIVE", s)
	}
}

func TestKeyDisabledBeforeActivationFailsCreation(t *testing.T) {
	now := time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, policy(t), func(o *policyenginetest.Options) {
		o.ActivationDelay = time.Minute
		o.Now = func() time.Time { return now }
	})
	out := e.create(t, "Doomed")
	if err := e.kms.SetKeyState(e.keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	s, err := e.ctl.GetPolicyEngineSummary(context.Background(), &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != types.PolicyEngineStatusCreateFailed {
		t.Errorf("status = %s, want CREATE_FAILED", s.Status)
	}
	// The reasons are only in the full read, which itself needs the key.
	if err := e.kms.SetKeyState(e.keyARN, kmstypes.KeyStateEnabled); err != nil {
		t.Fatal(err)
	}
	g, err := e.ctl.GetPolicyEngine(context.Background(), &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{policyenginetest.MessageKeyNotUsable}, g.StatusReasons); diff != "" {
		t.Errorf("status reasons (-want +got):\n%s", diff)
	}
}

func TestUnusableKeys(t *testing.T) {
	for _, tc := range []struct {
		name  string
		key   *kms.CreateKeyInput
		state kmstypes.KeyState
	}{
		{name: "disabled", state: kmstypes.KeyStateDisabled},
		{name: "pending deletion", state: kmstypes.KeyStatePendingDeletion},
		{name: "asymmetric", key: &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt}},
		{name: "HMAC", key: &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, policy(t))
			if tc.key != nil {
				md := e.kms.CreateTestKey(t, tc.key)
				if err := e.kms.SetKeyPolicy(*md.KeyId, policy(t)); err != nil {
					t.Fatal(err)
				}
				e.keyARN = *md.Arn
			}
			if tc.state != "" {
				if err := e.kms.SetKeyState(e.keyARN, tc.state); err != nil {
					t.Fatal(err)
				}
			}
			_, err := e.ctl.CreatePolicyEngine(context.Background(), &bedrockagentcorecontrol.CreatePolicyEngineInput{
				Name: aws.String("Unusable"), EncryptionKeyArn: aws.String(e.keyARN),
			})
			wantAPIError(t, err, "ValidationException", policyenginetest.MessageKeyNotUsable)
			var ve *types.ValidationException
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *types.ValidationException", err)
			}
			if grants, _ := e.kms.Grants(e.keyARN); len(grants) != 0 {
				t.Errorf("%d grants left behind", len(grants))
			}
		})
	}
}

func TestAccessDenied(t *testing.T) {
	for _, tc := range []struct {
		name string
		drop []string
		key  string
	}{
		{name: "no CreateGrant statement", drop: []string{keypolicy.SidPolicyCreateGrants}},
		{name: "no DescribeKey statement", drop: []string{keypolicy.SidPolicyKMSValidation}},
		{name: "no KMS operations statement", drop: []string{keypolicy.SidPolicyKMSOperations}},
		{name: "missing key", key: "arn:aws:kms:us-east-1:" + account + ":key/00000000-0000-0000-0000-000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, policy(t, tc.drop...))
			if tc.key != "" {
				e.keyARN = tc.key
			}
			_, err := e.ctl.CreatePolicyEngine(context.Background(), &bedrockagentcorecontrol.CreatePolicyEngineInput{
				Name: aws.String("Denied"), EncryptionKeyArn: aws.String(e.keyARN),
			})
			wantAPIError(t, err, "AccessDeniedException", policyenginetest.MessageAccessDenied)
			if tc.key == "" {
				if grants, _ := e.kms.Grants(e.keyARN); len(grants) != 0 {
					t.Errorf("%d grants left behind", len(grants))
				}
			}
		})
	}
}

func TestReadsNeedTheKeySummariesDoNot(t *testing.T) {
	e := newEnv(t, policy(t))
	ctx := context.Background()
	out := e.create(t, "Reader")
	if _, err := e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId}); err != nil {
		t.Fatal(err)
	}
	if err := e.kms.SetKeyState(e.keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	_, err := e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	wantAPIError(t, err, "ValidationException", policyenginetest.MessageKeyNotUsable)
	_, err = e.ctl.ListPolicyEngines(ctx, &bedrockagentcorecontrol.ListPolicyEnginesInput{})
	wantAPIError(t, err, "ValidationException", policyenginetest.MessageKeyNotUsable)
	_, err = e.ctl.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	wantAPIError(t, err, "ValidationException", policyenginetest.MessageKeyNotUsable)

	sum, err := e.ctl.GetPolicyEngineSummary(ctx, &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil {
		t.Fatalf("GetPolicyEngineSummary with a disabled key: %v", err)
	}
	if sum.Status != types.PolicyEngineStatusActive || *sum.EncryptionKeyArn != e.keyARN {
		t.Errorf("summary = %s %s", sum.Status, *sum.EncryptionKeyArn)
	}
	list, err := e.ctl.ListPolicyEngineSummaries(ctx, &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{})
	if err != nil {
		t.Fatalf("ListPolicyEngineSummaries with a disabled key: %v", err)
	}
	if len(list.PolicyEngines) != 1 || *list.PolicyEngines[0].PolicyEngineId != *out.PolicyEngineId {
		t.Errorf("summaries = %+v", list.PolicyEngines)
	}
	// The consumer model, which the emulator asks, says the same of each
	// operation checked above.
	model, _ := keypolicy.ConsumerByName(keypolicy.ConsumerPolicyEngine)
	for op, fails := range map[string]bool{
		policyenginetest.OpGetPolicyEngine: true, policyenginetest.OpListPolicyEngines: true, policyenginetest.OpDeletePolicyEngine: true,
		policyenginetest.OpGetPolicyEngineSummary: false, policyenginetest.OpListPolicyEngineSummaries: false,
	} {
		if got, known := model.FailsWhenUnavailable(op); got != fails || !known {
			t.Errorf("consumer model: %s fails %v (known %v) while the key is unavailable; the emulator: %v", op, got, known, fails)
		}
	}

	// A key policy that stops allowing Decrypt to the caller denies reads too.
	if err := e.kms.SetKeyState(e.keyARN, kmstypes.KeyStateEnabled); err != nil {
		t.Fatal(err)
	}
	if err := e.kms.SetKeyPolicy(e.keyARN, policy(t, keypolicy.SidPolicyKMSOperations)); err != nil {
		t.Fatal(err)
	}
	_, err = e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	wantAPIError(t, err, "AccessDeniedException", policyenginetest.MessageAccessDenied)
}

func TestDeleteRetiresBothGrants(t *testing.T) {
	e := newEnv(t, policy(t))
	ctx := context.Background()
	out := e.create(t, "Short")
	del, err := e.ctl.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil {
		t.Fatal(err)
	}
	if del.Status != types.PolicyEngineStatusDeleting {
		t.Errorf("status = %s, want DELETING", del.Status)
	}
	// With no DeletionDelay the next request finds the engine gone.
	_, err = e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("get after delete: %v, want ResourceNotFoundException", err)
	}
	if grants, _ := e.kms.Grants(e.keyARN); len(grants) != 0 {
		t.Errorf("%d grants left after delete", len(grants))
	}
	var retirers []string
	for _, c := range e.kms.Requests() {
		if c.Operation == "RetireGrant" && c.Err == nil {
			retirers = append(retirers, c.Caller.Service)
		}
	}
	if diff := cmp.Diff([]string{keypolicy.ServicePrincipalName, keypolicy.ServicePrincipalName}, retirers); diff != "" {
		t.Errorf("RetireGrant callers (-want +got):\n%s", diff)
	}
	// The name is free again.
	e.create(t, "Short")
}

func TestClientTokenIdempotency(t *testing.T) {
	e := newEnv(t, policy(t))
	ctx := context.Background()
	in := &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("Once"), EncryptionKeyArn: aws.String(e.keyARN),
		ClientToken: aws.String("0123456789abcdef0123456789abcdef01"),
	}
	first, err := e.ctl.CreatePolicyEngine(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.ctl.CreatePolicyEngine(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if *again.PolicyEngineId != *first.PolicyEngineId {
		t.Errorf("retry created %s, want %s", *again.PolicyEngineId, *first.PolicyEngineId)
	}
	if grants, _ := e.kms.Grants(e.keyARN); len(grants) != 2 {
		t.Errorf("%d grants after a retry, want 2", len(grants))
	}
	in.Description = aws.String("different")
	_, err = e.ctl.CreatePolicyEngine(ctx, in)
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.Reason != types.ValidationExceptionReasonIdempotentParameterMismatchException {
		t.Errorf("reuse with other parameters: %v, want IdempotentParameterMismatchException", err)
	}
	// Without a token, the same name conflicts.
	_, err = e.ctl.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("Once"), EncryptionKeyArn: aws.String(e.keyARN), ClientToken: aws.String("another-token-another-token-another"),
	})
	var ce *types.ConflictException
	if !errors.As(err, &ce) {
		t.Errorf("same name: %v, want ConflictException", err)
	}
}

func TestValidation(t *testing.T) {
	e := newEnv(t, policy(t))
	for _, tc := range []struct {
		name  string
		in    bedrockagentcorecontrol.CreatePolicyEngineInput
		field string
	}{
		{"name starts with a digit", bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("1abc")}, "name"},
		{"name too long", bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String(strings.Repeat("a", 49))}, "name"},
		{"description too long", bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("a"), Description: aws.String(strings.Repeat("d", 4097))}, "description"},
		{"aws: tag", bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("a"), Tags: map[string]string{"aws:x": "y"}}, "tags"},
		{"alias instead of key", bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("a"), EncryptionKeyArn: aws.String("arn:aws:kms:us-east-1:111122223333:alias/x")}, "encryptionKeyArn"},
		{"short client token", bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("a"), ClientToken: aws.String("short")}, "clientToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.ctl.CreatePolicyEngine(context.Background(), &tc.in)
			var ve *types.ValidationException
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v, want ValidationException", err)
			}
			if ve.Reason != types.ValidationExceptionReasonFieldValidationFailed || len(ve.FieldList) != 1 || *ve.FieldList[0].Name != tc.field {
				t.Errorf("reason %s fields %+v, want FieldValidationFailed on %s", ve.Reason, ve.FieldList, tc.field)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t, policy(t))
	want := map[string]bool{}
	for _, n := range []string{"A", "B", "C", "D", "E"} {
		want[*e.create(t, n).PolicyEngineId] = true
	}
	got := map[string]bool{}
	pages := 0
	p := bedrockagentcorecontrol.NewListPolicyEngineSummariesPaginator(e.ctl, &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.PolicyEngines {
			got[*s.PolicyEngineId] = true
		}
	}
	if diff := cmp.Diff(want, got); diff != "" || pages != 3 {
		t.Errorf("%d pages, engines (-want +got):\n%s", pages, diff)
	}
}

func TestFaultsAndLatency(t *testing.T) {
	e := newEnv(t, policy(t), func(o *policyenginetest.Options) { o.Latency = 20 * time.Millisecond })
	ctx := context.Background()
	// Two faults are retried away by the SDK's three attempts.
	e.cp.InjectFault(policyenginetest.OpListPolicyEngineSummaries, policyenginetest.ThrottlingFault(), 1)
	e.cp.InjectFault(policyenginetest.OpListPolicyEngineSummaries, policyenginetest.InternalFault(), 1)
	start := time.Now()
	if _, err := e.ctl.ListPolicyEngineSummaries(ctx, &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{}); err != nil {
		t.Fatalf("after two retried faults: %v", err)
	}
	if n := e.cp.RequestCount(policyenginetest.OpListPolicyEngineSummaries); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("three requests took %v, want at least 3 x 20ms of latency", d)
	}
	// Three are not.
	e.cp.SetLatency(0)
	e.cp.InjectFault(policyenginetest.OpGetPolicyEngineSummary, policyenginetest.ThrottlingFault(), 3)
	_, err := e.ctl.GetPolicyEngineSummary(ctx, &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: aws.String("x")})
	var te *types.ThrottlingException
	if !errors.As(err, &te) {
		t.Errorf("error = %v, want ThrottlingException", err)
	}
}

// TestCreateResponseShape compares the JSON the emulator sends with the
// response the documentation shows: same fields, same order, same types.
func TestCreateResponseShape(t *testing.T) {
	e := newEnv(t, policy(t))
	body, _ := json.Marshal(map[string]string{
		"name": "MyPolicyEngine", "description": "Policy engine with customer-managed encryption", "encryptionKeyArn": e.keyARN,
	})
	req, _ := http.NewRequest(http.MethodPost, e.url+"/policy-engines", bytes.NewReader(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+e.accessKey+"/20260224/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=0")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d: %s", resp.StatusCode, got)
	}
	want, err := os.ReadFile("testdata/create-policy-engine-response.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(shape(t, want), shape(t, got)); diff != "" {
		t.Errorf("response shape (-documented +emulator):\n%s", diff)
	}
}

// shape returns the top-level fields of a JSON object in order, with the JSON
// type of each value.
func shape(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var out []string
	for dec.More() {
		k, _ := dec.Token()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		typ := "null"
		switch x := v.(type) {
		case string:
			typ = "string"
			if _, err := time.Parse(time.RFC3339, x); err == nil {
				typ = "timestamp"
			}
		case []any:
			typ = "array"
		case map[string]any:
			typ = "object"
		}
		out = append(out, k.(string)+":"+typ)
	}
	return out
}

func TestUnknownRoute(t *testing.T) {
	e := newEnv(t, policy(t))
	resp, err := http.Get(e.url + "/gateways")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Errorf("status %d type %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}

// TestSourceContextPolicy: the documented source-context variant of the key
// policy works, because the service's cryptographic requests carry
// aws:SourceAccount and aws:SourceArn; a source-context condition naming
// another account does not.
func TestSourceContextPolicy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account string
		wantErr bool
	}{
		{"own account", account, false},
		{"other account", "444455556666", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: "us-east-1", Principal: role, SourceContext: true})
			if err != nil {
				t.Fatal(err)
			}
			out, err := doc.JSON()
			if err != nil {
				t.Fatal(err)
			}
			policy := strings.ReplaceAll(string(out), `"aws:SourceAccount": "`+account+`"`, `"aws:SourceAccount": "`+tc.account+`"`)
			e := newEnv(t, policy)
			created, err := e.ctl.CreatePolicyEngine(context.Background(), &bedrockagentcorecontrol.CreatePolicyEngineInput{
				Name: aws.String("Sourced"), EncryptionKeyArn: aws.String(e.keyARN),
			})
			if tc.wantErr {
				wantAPIError(t, err, "AccessDeniedException", policyenginetest.MessageAccessDenied)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.ctl.GetPolicyEngine(context.Background(), &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: created.PolicyEngineId}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestListPolicyEnginesAndBadPages(t *testing.T) {
	e := newEnv(t, policy(t))
	ctx := context.Background()
	for _, n := range []string{"One", "Two", "Three"} {
		e.create(t, n)
	}
	var descs []string
	p := bedrockagentcorecontrol.NewListPolicyEnginesPaginator(e.ctl, &bedrockagentcorecontrol.ListPolicyEnginesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, pe := range page.PolicyEngines {
			descs = append(descs, aws.ToString(pe.Description))
		}
	}
	slices.Sort(descs)
	if diff := cmp.Diff([]string{"for One", "for Three", "for Two"}, descs); diff != "" {
		t.Errorf("decrypted descriptions (-want +got):\n%s", diff)
	}
	_, err := e.ctl.ListPolicyEngines(ctx, &bedrockagentcorecontrol.ListPolicyEnginesInput{MaxResults: aws.Int32(101)})
	wantAPIError(t, err, "ValidationException", "maxResults must be between 1 and 100")
	_, err = e.ctl.ListPolicyEngineSummaries(ctx, &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{NextToken: aws.String("!!")})
	wantAPIError(t, err, "ValidationException", "nextToken is invalid")
	_, err = e.ctl.GetPolicyEngineSummary(ctx, &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: aws.String("Missing-0123456789")})
	wantAPIError(t, err, "ResourceNotFoundException", "Policy engine Missing-0123456789 not found")
}

func TestAccountsAreSeparate(t *testing.T) {
	e := newEnv(t, policy(t))
	out := e.create(t, "Mine")
	e.kms.MapAccessKey("AKIAOTHERACCOUNT", "arn:aws:iam::444455556666:role/Other")
	other := policyenginetest.NewSDKClient(e.url, "AKIAOTHERACCOUNT")
	_, err := other.GetPolicyEngineSummary(context.Background(), &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: out.PolicyEngineId})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	list, err := other.ListPolicyEngineSummaries(context.Background(), &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{})
	if err != nil || len(list.PolicyEngines) != 0 {
		t.Errorf("other account lists %+v, %v", list, err)
	}
}
