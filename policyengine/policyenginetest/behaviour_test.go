package policyenginetest_test

import (
	"bytes"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// A malformed encryptionKeyArn is refused against the API's pattern before
// any KMS call: ValidationException, never the access denial KMS would give.
func TestMalformedKeyARNIsAValidationError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, policy(t))
	tests := []struct {
		name, key string
	}{
		{name: "an alias ARN", key: "arn:aws:kms:us-east-1:111122223333:alias/agentcore"},
		{name: "a bare key id", key: "1234abcd-12ab-34cd-56ef-1234567890ab"},
		{name: "a short key id", key: "arn:aws:kms:us-east-1:111122223333:key/1234"},
		{name: "a partition outside the pattern", key: "arn:aws-iso:kms:us-iso-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
		{name: "not an ARN", key: "my-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.kms.CallCount("DescribeKey")
			_, err := e.ctl.CreatePolicyEngine(t.Context(), &bedrockagentcorecontrol.CreatePolicyEngineInput{
				Name: aws.String("Malformed"), EncryptionKeyArn: aws.String(tt.key),
			})
			var ve *types.ValidationException
			if !errors.As(err, &ve) || len(ve.FieldList) != 1 || aws.ToString(ve.FieldList[0].Name) != "encryptionKeyArn" {
				t.Fatalf("CreatePolicyEngine(%q) = %v, want a ValidationException on encryptionKeyArn", tt.key, err)
			}
			if n := e.kms.CallCount("DescribeKey") - before; n != 0 {
				t.Errorf("%d DescribeKey calls for a malformed ARN, want none", n)
			}
		})
	}
}

// A malformed policyEngineId is a ValidationException on every operation
// that takes one; a well-formed unknown id is ResourceNotFoundException.
func TestMalformedEngineIDIsAValidationError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, policy(t))
	ctx := t.Context()
	ops := map[string]func(id string) error{
		"Get": func(id string) error {
			_, err := e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: &id})
			return err
		},
		"GetSummary": func(id string) error {
			_, err := e.ctl.GetPolicyEngineSummary(ctx, &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: &id})
			return err
		},
		"Update": func(id string) error {
			_, err := e.ctl.UpdatePolicyEngine(ctx, &bedrockagentcorecontrol.UpdatePolicyEngineInput{PolicyEngineId: &id})
			return err
		},
		"Delete": func(id string) error {
			_, err := e.ctl.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: &id})
			return err
		},
	}
	for name, op := range ops {
		for _, id := range []string{"x", "no-suffix", "Engine-ABCDEFGHIJ", "9Engine-abcdefghij"} {
			if code := errorCode(op(id)); code != "ValidationException" {
				t.Errorf("%s(%q): %s, want ValidationException", name, id, code)
			}
		}
		if code := errorCode(op("Engine-abcdefghij")); code != "ResourceNotFoundException" {
			t.Errorf("%s of an unknown id: %s, want ResourceNotFoundException", name, code)
		}
	}
}

// DeletePolicyEngine retires the grants and leaves the engine DELETING,
// visible to Get and List, until Options.DeletionDelay has passed; then the
// engine is gone.
func TestDeletingIsVisibleUntilTheGrantsAreRetired(t *testing.T) {
	t.Parallel()
	clk := agentcoretest.NewClock(time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC))
	e := newEnv(t, policy(t), func(o *policyenginetest.Options) { o.Now, o.DeletionDelay = clk.Now, time.Minute })
	ctx := t.Context()
	out := e.create(t, "Doomed")
	if _, err := e.ctl.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: out.PolicyEngineId}); err != nil {
		t.Fatal(err)
	}
	got, err := e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil || got.Status != types.PolicyEngineStatusDeleting {
		t.Fatalf("Get during the deletion = %v, %v; want DELETING", got, err)
	}
	list, err := e.ctl.ListPolicyEngines(ctx, &bedrockagentcorecontrol.ListPolicyEnginesInput{})
	if err != nil || len(list.PolicyEngines) != 1 || list.PolicyEngines[0].Status != types.PolicyEngineStatusDeleting {
		t.Errorf("List during the deletion = %+v, %v; want the engine DELETING", list, err)
	}
	if grants, _ := e.kms.Grants(e.keyARN); len(grants) != 0 {
		t.Errorf("%d grants during the deletion, want both retired", len(grants))
	}
	if _, err := e.ctl.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: out.PolicyEngineId}); errorCode(err) != "ConflictException" {
		t.Errorf("a second delete = %v, want ConflictException", err)
	}
	clk.Add(time.Minute)
	_, err = e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("Get after the deletion = %v, want ResourceNotFoundException", err)
	}
	if grants, _ := e.kms.Grants(e.keyARN); len(grants) != 0 {
		t.Errorf("%d grants after the deletion, want none", len(grants))
	}
}

// When the service cannot retire the grants, the engine ends DELETE_FAILED
// with a reason, and a second delete retries.
func TestDeleteFailedWhenTheGrantsCannotBeRetired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, policy(t))
	ctx := t.Context()
	out := e.create(t, "Stuck")
	e.kms.InjectFault("RetireGrant", kmstest.InternalFault(), 2)
	del, err := e.ctl.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil || del.Status != types.PolicyEngineStatusDeleting {
		t.Fatalf("DeletePolicyEngine = %v, %v; want the request accepted, DELETING", del, err)
	}
	sum, err := e.ctl.GetPolicyEngineSummary(ctx, &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil || sum.Status != types.PolicyEngineStatusDeleteFailed {
		t.Fatalf("summary after failed retirements = %v, %v; want DELETE_FAILED", sum, err)
	}
	got, err := e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil || len(got.StatusReasons) != 1 {
		t.Fatalf("Get of a DELETE_FAILED engine = %v, %v; want one status reason", got, err)
	}
	if _, err := e.ctl.DeletePolicyEngine(ctx, &bedrockagentcorecontrol.DeletePolicyEngineInput{PolicyEngineId: out.PolicyEngineId}); err != nil {
		t.Fatalf("retrying the delete: %v", err)
	}
	if _, err := e.ctl.GetPolicyEngineSummary(ctx, &bedrockagentcorecontrol.GetPolicyEngineSummaryInput{PolicyEngineId: out.PolicyEngineId}); errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("after the retried delete: %v, want ResourceNotFoundException", err)
	}
	if grants, _ := e.kms.Grants(e.keyARN); len(grants) != 0 {
		t.Errorf("%d grants left, want none", len(grants))
	}
}

func TestUpdatePolicyEngine(t *testing.T) {
	t.Parallel()
	clk := agentcoretest.NewClock(time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC))
	e := newEnv(t, policy(t), func(o *policyenginetest.Options) { o.Now = clk.Now })
	ctx := t.Context()
	out := e.create(t, "Changing")
	id := out.PolicyEngineId
	get := func() *bedrockagentcorecontrol.GetPolicyEngineOutput {
		t.Helper()
		g, err := e.ctl.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: id})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	get() // ACTIVE
	clk.Add(time.Second)
	up, err := e.ctl.UpdatePolicyEngine(ctx, &bedrockagentcorecontrol.UpdatePolicyEngineInput{
		PolicyEngineId: id, Description: &types.UpdatedDescription{OptionalValue: aws.String("new words")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.Status != types.PolicyEngineStatusUpdating || aws.ToString(up.Description) != "new words" || aws.ToString(up.EncryptionKeyArn) != e.keyARN {
		t.Errorf("UpdatePolicyEngine = %s %q %s, want UPDATING, the new description and the same key", up.Status, aws.ToString(up.Description), aws.ToString(up.EncryptionKeyArn))
	}
	if !up.UpdatedAt.After(*up.CreatedAt) {
		t.Errorf("updatedAt %v is not after createdAt %v", up.UpdatedAt, up.CreatedAt)
	}
	if g := get(); g.Status != types.PolicyEngineStatusActive || aws.ToString(g.Description) != "new words" {
		t.Errorf("after the update: %s %q, want ACTIVE and the new description, decrypted", g.Status, aws.ToString(g.Description))
	}
	// An UpdatedDescription without a value clears the description; an
	// update without one leaves it alone.
	if _, err := e.ctl.UpdatePolicyEngine(ctx, &bedrockagentcorecontrol.UpdatePolicyEngineInput{PolicyEngineId: id}); err != nil {
		t.Fatal(err)
	}
	if g := get(); aws.ToString(g.Description) != "new words" {
		t.Errorf("an update without a description changed it to %q", aws.ToString(g.Description))
	}
	if _, err := e.ctl.UpdatePolicyEngine(ctx, &bedrockagentcorecontrol.UpdatePolicyEngineInput{PolicyEngineId: id, Description: &types.UpdatedDescription{}}); err != nil {
		t.Fatal(err)
	}
	if g := get(); g.Description != nil {
		t.Errorf("a cleared description is %q", aws.ToString(g.Description))
	}
	// Without access to the key, no update.
	if err := e.kms.SetKeyState(e.keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	_, err = e.ctl.UpdatePolicyEngine(ctx, &bedrockagentcorecontrol.UpdatePolicyEngineInput{
		PolicyEngineId: id, Description: &types.UpdatedDescription{OptionalValue: aws.String("lost")},
	})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.ErrorMessage() != agentcore.MessageKeyNotUsable {
		t.Errorf("update with a disabled key = %v, want the documented ValidationException", err)
	}
}

// The key of an engine can never be added, changed or removed: the SDK
// has no member for it, and a raw request that sends one is refused.
func TestUpdateNeverChangesTheKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, policy(t))
	out := e.create(t, "Keyed")
	for _, body := range []string{
		`{"encryptionKeyArn":"arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"}`,
		`{"encryptionKeyArn":null}`,
		`{"description":{"optionalValue":"x"},"encryptionKeyArn":""}`,
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPatch, e.url+"/policy-engines/"+*out.PolicyEngineId, bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+e.accessKey+"/20260224/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "ValidationException" {
			t.Errorf("PATCH %s: %d %s, want 400 ValidationException", body, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	g, err := e.ctl.GetPolicyEngine(t.Context(), &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: out.PolicyEngineId})
	if err != nil || aws.ToString(g.EncryptionKeyArn) != e.keyARN || aws.ToString(g.Description) != "for Keyed" {
		t.Errorf("after the refused updates: %v, %v; want the engine unchanged", g, err)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t, policy(t))
	ctx := t.Context()
	out, err := e.ctl.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("Tagged"), EncryptionKeyArn: aws.String(e.keyARN), Tags: map[string]string{"team": "agents"},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.PolicyEngineArn
	tags := func() map[string]string {
		t.Helper()
		l, err := e.ctl.ListTagsForResource(ctx, &bedrockagentcorecontrol.ListTagsForResourceInput{ResourceArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		return l.Tags
	}
	if diff := cmp.Diff(map[string]string{"team": "agents"}, tags()); diff != "" {
		t.Errorf("tags from CreatePolicyEngine (-want +got):\n%s", diff)
	}
	if _, err := e.ctl.TagResource(ctx, &bedrockagentcorecontrol.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"env": "test", "team": "policy"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctl.UntagResource(ctx, &bedrockagentcorecontrol.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"team": "policy"}, tags()); diff != "" {
		t.Errorf("tags after TagResource and UntagResource (-want +got):\n%s", diff)
	}
	tests := []struct {
		name     string
		call     func() error
		wantCode string
	}{
		{"an aws: key", func() error {
			_, err := e.ctl.TagResource(ctx, &bedrockagentcorecontrol.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"aws:owner": "x"}})
			return err
		}, "ValidationException"},
		{"a malformed ARN", func() error {
			_, err := e.ctl.ListTagsForResource(ctx, &bedrockagentcorecontrol.ListTagsForResourceInput{ResourceArn: aws.String("not-an-arn-of-agentcore")})
			return err
		}, "ValidationException"},
		{"an engine that does not exist", func() error {
			_, err := e.ctl.TagResource(ctx, &bedrockagentcorecontrol.TagResourceInput{
				ResourceArn: aws.String("arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/Gone-abcdefghij"), Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException"},
		{"an engine of another account", func() error {
			_, err := e.ctl.ListTagsForResource(ctx, &bedrockagentcorecontrol.ListTagsForResourceInput{
				ResourceArn: aws.String("arn:aws:bedrock-agentcore:us-east-1:444455556666:policy-engine/" + *out.PolicyEngineId)})
			return err
		}, "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		if code := errorCode(tt.call()); code != tt.wantCode {
			t.Errorf("%s: %s, want %s", tt.name, code, tt.wantCode)
		}
	}
	// Tagging needs no KMS call: it works with the key disabled.
	if err := e.kms.SetKeyState(e.keyARN, kmstypes.KeyStateDisabled); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ctl.TagResource(ctx, &bedrockagentcorecontrol.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"k": "v"}}); err != nil {
		t.Errorf("TagResource with the key disabled: %v", err)
	}
}

// An access key the KMS does not know is refused as AWS refuses it.
func TestUnknownAccessKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, policy(t))
	stranger := policyenginetest.NewSDKClient(e.url, "AKIANOBODYKNOWS")
	_, err := stranger.ListPolicyEngines(t.Context(), &bedrockagentcorecontrol.ListPolicyEnginesInput{})
	if code := errorCode(err); code != "UnrecognizedClientException" {
		t.Errorf("unknown access key: %v, want UnrecognizedClientException", err)
	}
	reqs := e.cp.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request recorded")
	}
	last := reqs[len(reqs)-1]
	if last.AccessKeyID != "AKIANOBODYKNOWS" || last.Principal != "" || last.StatusCode != http.StatusForbidden || last.ErrorCode != "UnrecognizedClientException" {
		t.Errorf("recorded %+v", last)
	}
}

// A panic while handling a request is answered with 500 InternalFailure;
// the connection is not dropped and the emulator keeps serving.
func TestPanicIsAnInternalFailure(t *testing.T) {
	t.Parallel()
	var explode atomic.Bool
	sb, err := agentcoretest.Start("ExampleRole", func(o *agentcoretest.Options) {
		o.ControlPlane = append(o.ControlPlane, func(po *policyenginetest.Options) {
			po.Now = func() time.Time {
				if explode.Load() {
					panic("clock exploded")
				}
				return time.Now()
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	explode.Store(true)
	_, err = sb.ControlPlane.ListPolicyEngines(t.Context(), &bedrockagentcorecontrol.ListPolicyEnginesInput{})
	if code := errorCode(err); code != "InternalFailure" {
		t.Errorf("a panicking handler: %v, want InternalFailure", err)
	}
	explode.Store(false)
	if _, err := sb.ControlPlane.ListPolicyEngines(t.Context(), &bedrockagentcorecontrol.ListPolicyEnginesInput{}); err != nil {
		t.Errorf("after the panic: %v", err)
	}
}

// The request record is a ring: memory per recorded call is bounded however
// many requests are served.
func TestRequestsAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, policy(t), func(o *policyenginetest.Options) { o.MaxRequests = 5 })
	for range 20 {
		if _, err := e.ctl.ListPolicyEngineSummaries(t.Context(), &bedrockagentcorecontrol.ListPolicyEngineSummariesInput{}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := e.cp.Requests()
	if len(reqs) != 5 || reqs[4].Operation != policyenginetest.OpListPolicyEngineSummaries || reqs[4].Principal != role || reqs[4].StatusCode != http.StatusOK {
		t.Errorf("Requests() = %+v, want the last 5 summaries requests", reqs)
	}
	if n := e.cp.RequestCount(policyenginetest.OpListPolicyEngineSummaries); n != 20 {
		t.Errorf("RequestCount = %d, want 20", n)
	}
}
