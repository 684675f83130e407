package policyengine_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/internal/hostile"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// rig is the kmstest KMS and the policyenginetest control plane, each behind
// a hostile server that passes requests through until a test tells it to
// misbehave; the real SDK clients talk to the hostile servers.
type rig struct {
	kms    *kmstest.KMS
	kmsH   *hostile.Server
	ctlH   *hostile.Server
	pe     *policyengine.Client
	keyARN string
	keyID  string
	kmsc   *kms.Client
	ctl    *bedrockagentcorecontrol.Client
}

func newRig(t *testing.T, optFns ...func(*policyengine.Options)) *rig {
	t.Helper()
	sb, err := agentcoretest.Start(role)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	k := sb.Emulators.KMS
	md := k.CreateTestKey(t, nil)
	if err := k.SetKeyPolicy(*md.KeyId, mergedPolicy(t)); err != nil {
		t.Fatal(err)
	}
	kmsH, err := hostile.New(sb.Emulators.KMSURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kmsH.Close)
	ctlH, err := hostile.New(sb.Emulators.ControlPlaneURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctlH.Close)
	r := &rig{
		kms: k, kmsH: kmsH, ctlH: ctlH, keyARN: *md.Arn, keyID: *md.KeyId,
		kmsc: kmstest.NewSDKClient(kmsH.URL, sb.AccessKeyID),
		ctl:  policyenginetest.NewSDKClient(ctlH.URL, sb.AccessKeyID),
	}
	r.pe = policyengine.New(r.ctl, r.kmsc, append([]func(*policyengine.Options){func(o *policyengine.Options) {
		o.Principal = role
		o.WaitMinDelay, o.WaitMaxDelay = time.Millisecond, 5*time.Millisecond
	}}, optFns...)...)
	return r
}

var (
	createEngine  = hostile.Route(http.MethodPost, "/policy-engines")
	getEngine     = hostile.Route(http.MethodGet, "/policy-engines/")
	deleteEngine  = hostile.Route(http.MethodDelete, "/policy-engines/")
	listSummaries = hostile.Route(http.MethodGet, "/policy-engine-summaries")
)

func TestCreatePreflightVerdicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		kmsRules    map[string]hostile.Answer // operation -> answer
		disableKey  bool
		proceed     bool
		wantCreated bool
		wantIs      []error
		wantNotIs   []error
	}{
		{
			name:     "a key policy nobody may read: incomplete, refused by default",
			kmsRules: map[string]hostile.Answer{"GetKeyPolicy": hostile.InternalError},
			wantIs:   []error{kmscheck.ErrIncomplete}, wantNotIs: []error{policyengine.ErrNoPreflightAnswer, policyengine.ErrInvalidInput},
		},
		{
			name:     "incomplete, and the caller opts in",
			kmsRules: map[string]hostile.Answer{"GetKeyPolicy": hostile.InternalError},
			proceed:  true, wantCreated: true,
		},
		{
			name:     "every KMS call is a 500: no answer, refused even when opted in",
			kmsRules: map[string]hostile.Answer{"DescribeKey": hostile.InternalError, "GetKeyPolicy": hostile.InternalError},
			proceed:  true,
			wantIs:   []error{policyengine.ErrNoPreflightAnswer, kmscheck.ErrIncomplete},
		},
		{
			name:       "a failed preflight is refused even when opted in",
			disableKey: true, proceed: true,
			wantIs: []error{policyengine.ErrKeyNotUsable, kmscheck.ErrKeyNotUsable}, wantNotIs: []error{kmscheck.ErrIncomplete},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, func(o *policyengine.Options) { o.ProceedOnIncompletePreflight = tt.proceed })
			for op, a := range tt.kmsRules {
				r.kmsH.On(hostile.Target(op), a)
			}
			if tt.disableKey {
				if err := r.kms.SetKeyState(r.keyID, kmstypes.KeyStateDisabled); err != nil {
					t.Fatal(err)
				}
			}
			out, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Verdict", KeyARN: r.keyARN})
			if tt.wantCreated {
				if err != nil || out.Engine == nil || out.Engine.ID == "" {
					t.Fatalf("Create = %+v, %v; want an engine", out, err)
				}
				if !out.Preflight.Incomplete() {
					t.Errorf("preflight outcome = %v, want incomplete", out.Preflight.Outcome())
				}
				return
			}
			var pe *policyengine.PreflightError
			if !errors.As(err, &pe) {
				t.Fatalf("Create error = %v, want a *PreflightError", err)
			}
			for _, want := range tt.wantIs {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not unwrap to %v", err, want)
				}
			}
			for _, not := range tt.wantNotIs {
				if errors.Is(err, not) {
					t.Errorf("error %v unwraps to %v", err, not)
				}
			}
			if out == nil || out.Preflight == nil || out.Engine != nil {
				t.Errorf("output = %+v, want the report and no engine", out)
			}
			if n := r.ctlH.Seen(createEngine); n != 0 {
				t.Errorf("CreatePolicyEngine was called %d times after a refused preflight", n)
			}
		})
	}
}

// An answer of 200 without the fields AWS always sends is never a result.
func TestEmptyAnswersAreIncomplete(t *testing.T) {
	t.Parallel()
	type call func(t *testing.T, r *rig, e *policyengine.Engine) (any, error)
	tests := []struct {
		name    string
		match   hostile.Match
		answer  hostile.Answer
		call    call
		want    policyengine.IncompleteAnswerError
		wantNil bool // the output must be nil
	}{
		{
			name: "Create on 200 {} returns no engine and waits on nothing", match: createEngine, answer: hostile.Empty,
			call: func(t *testing.T, r *rig, _ *policyengine.Engine) (any, error) {
				out, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Empty", KeyARN: r.keyARN}, func(o *policyengine.Options) { o.Wait = true })
				if out != nil && out.Engine != nil {
					t.Errorf("Create returned engine %+v", out.Engine)
				}
				if n := r.ctlH.Seen(getEngine); n != 0 {
					t.Errorf("Create polled GetPolicyEngine %d times for an engine it does not know", n)
				}
				return nil, err
			},
			want: policyengine.IncompleteAnswerError{Op: "CreatePolicyEngine", Field: "PolicyEngineId", Resource: "Empty"},
		},
		{
			name: "Delete on 200 {} does not report the grants retired", match: deleteEngine, answer: hostile.Empty,
			call: func(t *testing.T, r *rig, e *policyengine.Engine) (any, error) {
				out, err := r.pe.Delete(t.Context(), e.ID)
				if out != nil {
					return out, err
				}
				return nil, err
			},
			want: policyengine.IncompleteAnswerError{Op: "DeletePolicyEngine", Field: "PolicyEngineId"}, wantNil: true,
		},
		{
			name: "Get on 200 {}", match: getEngine, answer: hostile.Empty,
			call: func(t *testing.T, r *rig, e *policyengine.Engine) (any, error) {
				out, err := r.pe.Get(t.Context(), e.ID)
				if out != nil {
					return out, err
				}
				return nil, err
			},
			want: policyengine.IncompleteAnswerError{Op: "GetPolicyEngine", Field: "PolicyEngineId"}, wantNil: true,
		},
		{
			name: "WaitActive on an answer without a status", match: getEngine,
			answer: hostile.Answer{Body: `{"policyEngineId":"X-abc","policyEngineArn":"arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/X-abc","name":"X"}`},
			call: func(t *testing.T, r *rig, e *policyengine.Engine) (any, error) {
				out, err := r.pe.WaitActive(t.Context(), e.ID)
				if out != nil {
					return out, err
				}
				return nil, err
			},
			want: policyengine.IncompleteAnswerError{Op: "GetPolicyEngine", Field: "Status"}, wantNil: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			out, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Live", KeyARN: r.keyARN})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.Resource == "" {
				tt.want.Resource = out.Engine.ID
			}
			r.ctlH.On(tt.match, tt.answer)
			got, err := tt.call(t, r, out.Engine)
			var ia *policyengine.IncompleteAnswerError
			if !errors.As(err, &ia) || !errors.Is(err, policyengine.ErrIncompleteAnswer) {
				t.Fatalf("error = %v, want an *IncompleteAnswerError", err)
			}
			if diff := cmp.Diff(tt.want, *ia); diff != "" {
				t.Errorf("IncompleteAnswerError (-want +got):\n%s", diff)
			}
			if tt.wantNil && got != nil {
				t.Errorf("output = %+v, want nil", got)
			}
		})
	}
}

// A zero-value SDK client is bad input, never a panic in a goroutine of
// the preflight or of Audit.
func TestZeroClientsAreInputErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	in := policyengine.CreateInput{Name: "Zero", KeyARN: r.keyARN}
	tests := []struct {
		name string
		run  func() error
	}{
		{"zero control plane", func() error {
			_, err := policyengine.New(&bedrockagentcorecontrol.Client{}, r.kmsc).Create(t.Context(), in)
			return err
		}},
		{"zero KMS client, preflight on", func() error {
			_, err := policyengine.New(r.ctl, &kms.Client{}).Create(t.Context(), in)
			return err
		}},
		{"zero KMS client, Audit", func() error {
			_, err := policyengine.New(r.ctl, &kms.Client{}).Audit(t.Context())
			return err
		}},
		{"zero KMS client, Grants", func() error {
			_, err := policyengine.New(r.ctl, &kms.Client{}).Grants(t.Context(), r.keyARN, "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/Zero-abc")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var ie *policyengine.InputError
			if !errors.As(err, &ie) || !errors.Is(err, policyengine.ErrInvalidInput) {
				t.Errorf("error = %v, want an *InputError", err)
			}
		})
	}
	if n := r.ctlH.Seen(hostile.Any) + r.kmsH.Seen(hostile.Any); n != 0 {
		t.Errorf("%d requests were sent with a zero client", n)
	}
}

// A bad Options.Principal is refused by the preflight; the error is the
// module's one input error, reachable from every package's sentinel.
func TestBadPrincipalIsInvalidInputEverywhere(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *policyengine.Options) { o.Principal = "not-an-arn" })
	_, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "BadPrincipal", KeyARN: r.keyARN})
	if !errors.Is(err, policyengine.ErrInvalidInput) || !errors.Is(err, kmscheck.ErrInvalidInput) {
		t.Errorf("error = %v, want policyengine.ErrInvalidInput and kmscheck.ErrInvalidInput", err)
	}
	if n := r.ctlH.Seen(createEngine); n != 0 {
		t.Errorf("CreatePolicyEngine called %d times", n)
	}
}

// A key reference that is not a well-formed key ARN is refused before any
// call, with the module's one validator.
func TestCreateRefusesMalformedKeyARN(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, key := range []string{
		`arn:aws:kms:us-east-1:1111:key/"x`,
		`arn:aws:kms:us-east-1:111122223333:key/"x`,
		"arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"alias/agentcore",
	} {
		_, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Bad", KeyARN: key})
		var ie *policyengine.InputError
		if !errors.As(err, &ie) || ie.Field != "KeyARN" {
			t.Errorf("Create(KeyARN %q) = %v, want an *InputError for KeyARN", key, err)
		}
	}
	if n := r.ctlH.Seen(hostile.Any) + r.kmsH.Seen(hostile.Any); n != 0 {
		t.Errorf("%d requests were sent for malformed keys", n)
	}
}

// The SDK error stays reachable through an IncompleteAnswerError's
// neighbours: a refusal of ListGrants is classified as KMS refusals are
// everywhere.
func TestListGrantsDenialIsAccessDenied(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	out, err := r.pe.Create(t.Context(), policyengine.CreateInput{Name: "Denied", KeyARN: r.keyARN})
	if err != nil {
		t.Fatal(err)
	}
	r.kmsH.On(hostile.Target("ListGrants"), hostile.Answer{Status: http.StatusBadRequest,
		Body: `{"__type":"AccessDeniedException","message":"not authorized to perform kms:ListGrants"}`})
	e := out.Engine
	_, gerr := r.pe.Grants(t.Context(), e.KeyARN, e.ARN)
	_, rerr := r.pe.RevokeGrants(t.Context(), e.KeyARN, e.ARN)
	del, derr := r.pe.Delete(t.Context(), e.ID)
	if derr != nil {
		t.Fatal(derr)
	}
	for name, err := range map[string]error{"Grants": gerr, "RevokeGrants": rerr, "Delete.GrantsErr": del.GrantsErr} {
		var ae smithy.APIError
		if !errors.Is(err, policyengine.ErrAccessDenied) || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
			t.Errorf("%s error = %v, want ErrAccessDenied over the AccessDeniedException", name, err)
		}
	}
	if del.GrantsRetired {
		t.Error("Delete reports the grants retired although they could not be listed")
	}
}
