package agentcoretest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// startWithKey starts a sandbox for role, closed when t ends, and makes a
// key under its documented key policy.
func startWithKey(t *testing.T, role string, optFns ...func(*agentcoretest.Options)) (*agentcoretest.Sandbox, string) {
	t.Helper()
	sb, err := agentcoretest.Start(role, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	key, err := sb.NewKey(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	return sb, key
}

func TestSandboxWiresEveryService(t *testing.T) {
	t.Parallel()
	sb, key := startWithKey(t, "ExampleRole")
	ctx := t.Context()
	if want := "arn:aws:iam::111122223333:role/ExampleRole"; sb.Principal != want {
		t.Errorf("Principal = %s, want %s", sb.Principal, want)
	}
	pe, err := sb.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("Sandboxed"), EncryptionKeyArn: aws.String(key),
	})
	if err != nil {
		t.Fatalf("CreatePolicyEngine under the documented key policy: %v", err)
	}
	got, err := sb.ControlPlane.GetPolicyEngine(ctx, &bedrockagentcorecontrol.GetPolicyEngineInput{PolicyEngineId: pe.PolicyEngineId})
	if err != nil || got.Status != types.PolicyEngineStatusActive {
		t.Fatalf("GetPolicyEngine = %v, %v; want ACTIVE", got, err)
	}
	if grants, err := sb.Emulators.KMS.Grants(key); err != nil || len(grants) != 2 {
		t.Errorf("grants on the key = %d, %v; want the engine's two", len(grants), err)
	}
	be, err := sb.DataPlane.StartBatchEvaluation(ctx, &bedrockagentcore.StartBatchEvaluationInput{
		BatchEvaluationName: aws.String("sandboxed"), KmsKeyArn: aws.String(key),
		Evaluators: []batchtypes.Evaluator{{EvaluatorId: aws.String("Builtin.Helpfulness")}},
		DataSourceConfig: &batchtypes.DataSourceConfigMemberCloudWatchLogs{Value: batchtypes.CloudWatchLogsSource{
			ServiceNames: []string{"agent.DEFAULT"}, LogGroupNames: []string{"/aws/bedrock-agentcore/runtimes/agent"},
		}},
	})
	if err != nil {
		t.Fatalf("StartBatchEvaluation under the documented key policy: %v", err)
	}
	if aws.ToString(be.KmsKeyArn) != key {
		t.Errorf("batch evaluation key = %s, want %s", aws.ToString(be.KmsKeyArn), key)
	}
	put, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("archive"), Key: aws.String("results.json"), Body: strings.NewReader("{}"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(key),
	})
	if err != nil {
		t.Fatalf("PutObject with SSE-KMS: %v", err)
	}
	if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != key {
		t.Errorf("PutObject answered %s %q, want aws:kms %s", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), key)
	}
}

func TestSandboxOtherRoles(t *testing.T) {
	t.Parallel()
	sb, key := startWithKey(t, "Owner", func(o *agentcoretest.Options) {
		o.Region, o.Account = "eu-west-1", "444455556666"
		// Without root delegation, only what the key policy names is allowed:
		// IAM policies are not emulated.
		o.KMS = append(o.KMS, func(ko *kmstest.Options) { ko.RootDelegation = false })
	})
	ctx := t.Context()
	if !strings.HasPrefix(key, "arn:aws:kms:eu-west-1:444455556666:key/") {
		t.Errorf("key = %s, want one in eu-west-1 of 444455556666", key)
	}
	other, err := sb.As("Stranger")
	if err != nil {
		t.Fatal(err)
	}
	if other.AccessKeyID == sb.AccessKeyID || other.Principal != "arn:aws:iam::444455556666:role/Stranger" {
		t.Errorf("As gave %+v", other)
	}
	// The documented key policy names Owner, not Stranger.
	_, err = other.ControlPlane.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("NotMine"), EncryptionKeyArn: aws.String(key),
	})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || ae.ErrorMessage() != agentcore.MessageAccessDenied {
		t.Errorf("CreatePolicyEngine as a role the key policy does not name = %v, want the documented AccessDeniedException", err)
	}
}

func TestSandboxBadInput(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func() (*agentcoretest.Sandbox, error){
		"a role name with a space": func() (*agentcoretest.Sandbox, error) { return agentcoretest.Start("my role") },
		"an ARN of another service": func() (*agentcoretest.Sandbox, error) {
			return agentcoretest.Start("arn:aws:s3:::bucket")
		},
		"an unknown Region": func() (*agentcoretest.Sandbox, error) {
			return agentcoretest.Start("R", func(o *agentcoretest.Options) { o.Region = "mars-1" })
		},
		"a short account": func() (*agentcoretest.Sandbox, error) {
			return agentcoretest.Start("R", func(o *agentcoretest.Options) { o.Account = "1234" })
		},
	} {
		sb, err := start()
		if !errors.Is(err, agentcore.ErrInvalidInput) || sb != nil {
			t.Errorf("%s: Start = %v, %v; want an invalid-input error", name, sb, err)
		}
	}
	var nilSB *agentcoretest.Sandbox
	nilSB.Close()
	if _, err := nilSB.NewKey(context.Background(), ""); err == nil {
		t.Error("NewKey on a nil sandbox succeeded")
	}
	if _, err := nilSB.As("x"); err == nil {
		t.Error("As on a nil sandbox succeeded")
	}
	sb, err := agentcoretest.Start("R")
	if err != nil {
		t.Fatal(err)
	}
	sb.Close()
	sb.Close() // twice is fine
}

// Every emulator's exported methods answer on a nil pointer instead of
// panicking.
func TestNilEmulators(t *testing.T) {
	t.Parallel()
	var (
		cp *policyenginetest.ControlPlane
		dp *batchevaltest.Emulator
		st *batchevaltest.S3
	)
	for name, h := range map[string]http.Handler{"control plane": cp, "data plane": dp, "S3": st} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("nil %s answered %d, want 500", name, rec.Code)
		}
	}
	cp.InjectFault("", policyenginetest.ThrottlingFault(), 1)
	cp.SetLatency(time.Second)
	dp.InjectFault("", batchevaltest.ThrottlingFault(), 1)
	dp.SetLatency(time.Second)
	st.InjectFault("", batchevaltest.ThrottlingFault(), 1)
	st.SetLatency(time.Second)
	if cp.Requests() != nil || dp.Requests() != nil || st.Requests() != nil || dp.KMSCalls() != nil ||
		cp.RequestCount("x") != 0 || dp.RequestCount("x") != 0 || st.RequestCount("x") != 0 ||
		cp.Region() != "" || cp.ViaService() != "" || dp.Region() != "" || dp.ARN("a", "b") != "" {
		t.Error("a nil emulator reported something")
	}
}

// WrapHandler sees every request each service's SDK client sends, under the
// service's name.
func TestWrapHandler(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]int{}
	sb, err := agentcoretest.Start("ExampleRole", func(o *agentcoretest.Options) {
		o.WrapHandler = func(service string, h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen[service]++
				mu.Unlock()
				h.ServeHTTP(w, r)
			})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ctx := t.Context()
	if _, err := sb.KMS.ListKeys(ctx, &kms.ListKeysInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.ControlPlane.ListPolicyEngines(ctx, &bedrockagentcorecontrol.ListPolicyEnginesInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.DataPlane.ListBatchEvaluations(ctx, &bedrockagentcore.ListBatchEvaluationsInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.S3.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		agentcoretest.ServiceKMS: 1, agentcoretest.ServiceControlPlane: 1,
		agentcoretest.ServiceDataPlane: 1, agentcoretest.ServiceS3: 1,
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("requests by service (-want +got):\n%s", diff)
	}
}
