package kmscheck_test

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
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/iamtest"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const trustAgentCore = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`

// iamEnv is a kmstest and an iamtest server, with the caller role
// ExampleRole created in IAM.
type iamEnv struct {
	*env
	m   *iamtest.IAM
	iam *iam.Client
}

func newIAMEnv(t testing.TB, optFns ...func(*kmstest.Options)) *iamEnv {
	t.Helper()
	m := iamtest.New()
	srv := m.NewServer()
	t.Cleanup(srv.Close)
	e := &iamEnv{env: newEnv(t, optFns...), m: m, iam: iamtest.NewSDKClient(srv.URL)}
	if _, err := e.iam.CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("ExampleRole"), AssumeRolePolicyDocument: aws.String(trustAgentCore),
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// put gives the caller role an inline policy.
func (e *iamEnv) put(t testing.TB, name, doc string) {
	t.Helper()
	if _, err := e.iam.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{
		RoleName: aws.String("ExampleRole"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc),
	}); err != nil {
		t.Fatal(err)
	}
}

// identityPolicy is the generated identity policy of the policy-engine
// caller for keyARN, less the statements named in drop.
func identityPolicy(t testing.TB, keyARN string, drop ...string) string {
	t.Helper()
	doc, err := keypolicy.IdentityForPolicyEngine(*peTarget.PolicyEngine, keyARN)
	if err != nil {
		t.Fatal(err)
	}
	var kept []keypolicy.Statement
	for _, s := range doc.Statement {
		if !strings.Contains(strings.Join(drop, ","), s.Sid) {
			kept = append(kept, s)
		}
	}
	doc.Statement = kept
	b, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var policyIDs = []string{"policy.create-grant-management", "policy.create-grant-evaluation", "policy.decrypt", "policy.generate-data-key", "policy.describe-key"}

func policyStatuses(r *kmscheck.Report) map[string]kmscheck.Status {
	out := map[string]kmscheck.Status{}
	for _, id := range policyIDs {
		if f, ok := r.Finding(id); ok {
			out[id] = f.Status
		}
	}
	return out
}

func allPolicy(s kmscheck.Status) map[string]kmscheck.Status {
	out := map[string]kmscheck.Status{}
	for _, id := range policyIDs {
		out[id] = s
	}
	return out
}

func withGrants(s, grants kmscheck.Status) map[string]kmscheck.Status {
	out := allPolicy(s)
	out["policy.create-grant-management"], out["policy.create-grant-evaluation"] = grants, grants
	return out
}

// TestIAMResolvesTheDefaultKeyPolicy: the default key policy delegates
// every request to IAM; SimulatePrincipalPolicy decides each one.
func TestIAMResolvesTheDefaultKeyPolicy(t *testing.T) {
	t.Parallel()
	const otherKey = "arn:aws:kms:us-east-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name string
		// setup gives the caller its IAM policies for the key keyARN.
		setup func(t *testing.T, e *iamEnv, keyARN string)
		want  map[string]kmscheck.Status
		// wantText is in the create-grant-management finding's message
		// and remedy.
		wantText []string
	}{
		{
			name:     "the generated identity policy",
			setup:    func(t *testing.T, e *iamEnv, keyARN string) { e.put(t, "agentcore", identityPolicy(t, keyARN)) },
			want:     allPolicy(kmscheck.StatusPass),
			wantText: []string{`IAM allows it by inline policy "agentcore" of the role (statement at line 4, column 5)`, `"Enable IAM User Permissions" (#0)`},
		},
		{
			name: "a missing action",
			setup: func(t *testing.T, e *iamEnv, keyARN string) {
				e.put(t, "agentcore", identityPolicy(t, keyARN, keypolicy.IdentitySidPolicyCreateGrants))
			},
			want:     withGrants(kmscheck.StatusPass, kmscheck.StatusFail),
			wantText: []string{"no IAM policy of " + caller + " allows it", `Add the statement "AllowPolicyToCreateGrants" of keypolicy.IdentityForPolicyEngine`},
		},
		{
			name:     "a wrong resource",
			setup:    func(t *testing.T, e *iamEnv, keyARN string) { e.put(t, "agentcore", identityPolicy(t, otherKey)) },
			want:     allPolicy(kmscheck.StatusFail),
			wantText: []string{"no IAM policy of " + caller + " allows it"},
		},
		{
			name: "a boundary that denies",
			setup: func(t *testing.T, e *iamEnv, keyARN string) {
				e.put(t, "agentcore", identityPolicy(t, keyARN))
				out, err := e.iam.CreatePolicy(t.Context(), &iam.CreatePolicyInput{PolicyName: aws.String("boundary"),
					PolicyDocument: aws.String(identityPolicy(t, keyARN, keypolicy.IdentitySidPolicyCreateGrants))})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.iam.PutRolePermissionsBoundary(t.Context(), &iam.PutRolePermissionsBoundaryInput{
					RoleName: aws.String("ExampleRole"), PermissionsBoundary: out.Policy.Arn}); err != nil {
					t.Fatal(err)
				}
			},
			want:     withGrants(kmscheck.StatusPass, kmscheck.StatusFail),
			wantText: []string{"the permissions boundary of " + caller + " does not allow it", "in the permissions boundary"},
		},
		{
			name: "an explicit deny",
			setup: func(t *testing.T, e *iamEnv, keyARN string) {
				e.put(t, "agentcore", identityPolicy(t, keyARN))
				e.put(t, "guardrail", `{"Version":"2012-10-17","Statement":[{"Sid":"NoGrants","Effect":"Deny","Action":"kms:CreateGrant","Resource":"*"}]}`)
			},
			want:     withGrants(kmscheck.StatusPass, kmscheck.StatusFail),
			wantText: []string{`IAM denies it explicitly by inline policy "guardrail" of the role (statement at line 1, column 38)`, "Remove or narrow the Deny statement"},
		},
		{
			name: "a service control policy that denies",
			setup: func(t *testing.T, e *iamEnv, keyARN string) {
				e.put(t, "agentcore", identityPolicy(t, keyARN))
				if err := e.m.SetServiceControlPolicy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"kms:CreateGrant","Resource":"*"}]}`); err != nil {
					t.Fatal(err)
				}
			},
			want:     withGrants(kmscheck.StatusPass, kmscheck.StatusFail),
			wantText: []string{"a service control policy of the organization does not allow it", "service control policies of account 111122223333"},
		},
		{
			name: "a managed policy",
			setup: func(t *testing.T, e *iamEnv, keyARN string) {
				out, err := e.iam.CreatePolicy(t.Context(), &iam.CreatePolicyInput{PolicyName: aws.String("AgentCoreKMS"), PolicyDocument: aws.String(identityPolicy(t, keyARN))})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.iam.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{RoleName: aws.String("ExampleRole"), PolicyArn: out.Policy.Arn}); err != nil {
					t.Fatal(err)
				}
			},
			want:     allPolicy(kmscheck.StatusPass),
			wantText: []string{`managed policy "arn:aws:iam::111122223333:policy/AgentCoreKMS"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newIAMEnv(t)
			md := e.key(t, nil) // the default key policy
			tt.setup(t, e, *md.Arn)
			r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, peTarget, func(o *kmscheck.Options) { o.IAM = e.iam })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, policyStatuses(r)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			f := finding(t, r, "policy.create-grant-management")
			for _, w := range tt.wantText {
				if !strings.Contains(f.Message+" "+f.Remedy, w) {
					t.Errorf("finding lacks %q:\n%s", w, f)
				}
			}
			if f.Status == kmscheck.StatusFail && !errors.Is(r.Err(), kmscheck.ErrAccessDenied) {
				t.Errorf("Err() = %v, want ErrAccessDenied", r.Err())
			}
		})
	}
}

// TestIAMCalls: one call per request context, all for the caller role and
// the key, with the request's context keys; no ResourcePolicy for a role.
func TestIAMCalls(t *testing.T) {
	t.Parallel()
	e := newIAMEnv(t)
	md := e.key(t, nil)
	e.put(t, "agentcore", identityPolicy(t, *md.Arn))
	if _, err := kmscheck.Check(t.Context(), e.c, *md.Arn, peTarget, func(o *kmscheck.Options) { o.IAM = e.iam }); err != nil {
		t.Fatal(err)
	}
	reqs, err := keypolicy.PolicyEngineRequirements(*peTarget.PolicyEngine)
	if err != nil {
		t.Fatal(err)
	}
	type sent struct {
		Actions []string
		Context map[string][]string
	}
	want := map[string]sent{}
	for _, r := range reqs {
		want[r.ID] = sent{Actions: []string{r.Action}, Context: r.Request.Context}
	}
	wantCalls := []sent{
		want["create-grant-management"], want["create-grant-evaluation"],
		{Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Context: want["decrypt"].Context},
		want["describe-key"],
	}
	var got []sent
	for _, r := range e.m.Requests() {
		if r.Operation != "SimulatePrincipalPolicy" {
			continue
		}
		in := r.Input.(*iam.SimulatePrincipalPolicyInput)
		if aws.ToString(in.PolicySourceArn) != caller || in.ResourcePolicy != nil || in.CallerArn != nil {
			t.Errorf("source %q, resource policy %v, caller %v", aws.ToString(in.PolicySourceArn), in.ResourcePolicy != nil, in.CallerArn)
		}
		if diff := cmp.Diff([]string{*md.Arn}, in.ResourceArns); diff != "" {
			t.Errorf("ResourceArns (-want +got):\n%s", diff)
		}
		s := sent{Actions: in.ActionNames, Context: map[string][]string{}}
		for _, ce := range in.ContextEntries {
			s.Context[aws.ToString(ce.ContextKeyName)] = ce.ContextKeyValues
			multi := ce.ContextKeyType == iamtypes.ContextKeyTypeEnumStringList
			if multi != (aws.ToString(ce.ContextKeyName) == "kms:GrantOperations") {
				t.Errorf("%s has type %s", aws.ToString(ce.ContextKeyName), ce.ContextKeyType)
			}
		}
		got = append(got, s)
	}
	sortSent := cmpopts.SortSlices(func(a, b sent) bool {
		return strings.Join(a.Actions, ",")+fmtCtx(a.Context) < strings.Join(b.Actions, ",")+fmtCtx(b.Context)
	})
	if diff := cmp.Diff(wantCalls, got, sortSent); diff != "" {
		t.Errorf("simulations (-want +got):\n%s", diff)
	}
}

func fmtCtx(m map[string][]string) string { return strings.Join(m["kms:GrantOperations"], ",") }

// TestIAMUserGetsTheKeyPolicy: an IAM user is simulated with the key
// policy as ResourcePolicy.
func TestIAMUserGetsTheKeyPolicy(t *testing.T) {
	t.Parallel()
	e := newIAMEnv(t)
	const user = "arn:aws:iam::111122223333:user/alice"
	if _, err := e.iam.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	md := e.key(t, nil)
	target := kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: region, Principal: user})
	id, err := keypolicy.IdentityForPolicyEngine(*target.PolicyEngine, *md.Arn)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := id.JSON()
	if _, err := e.iam.PutUserPolicy(t.Context(), &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("agentcore"), PolicyDocument: aws.String(string(doc))}); err != nil {
		t.Fatal(err)
	}
	r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, target, func(o *kmscheck.Options) { o.IAM = e.iam })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allPolicy(kmscheck.StatusPass), policyStatuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	for _, req := range e.m.Requests() {
		if in, ok := req.Input.(*iam.SimulatePrincipalPolicyInput); ok && in.ResourcePolicy == nil {
			t.Errorf("a simulation for %s without the key policy", aws.ToString(in.PolicySourceArn))
		}
	}
}

// TestIAMFailureNeverPasses: a simulation that fails, or answers
// something that does not decide, leaves the finding allowed only if IAM
// allows it, and says why.
func TestIAMFailureNeverPasses(t *testing.T) {
	t.Parallel()
	// answer is a loopback IAM that always answers body with status.
	answer := func(t *testing.T, status int, body string) *iam.Client {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return iamtest.NewSDKClient(srv.URL)
	}
	result := func(inner string) string {
		return `<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult>` +
			inner + `<IsTruncated>false</IsTruncated></SimulatePrincipalPolicyResult></SimulatePrincipalPolicyResponse>`
	}
	allowed := func(action, decision string) string {
		return `<member><EvalActionName>` + action + `</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>` + decision +
			`</EvalDecision><MatchedStatements><member><SourcePolicyId>p</SourcePolicyId><SourcePolicyType>role</SourcePolicyType></member></MatchedStatements></member>`
	}
	tests := []struct {
		name   string
		client func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient
		want   string
		remedy string
	}{
		{"the role does not exist in IAM", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			srv := iamtest.New().NewServer()
			t.Cleanup(srv.Close)
			return iamtest.NewSDKClient(srv.URL)
		}, "NoSuchEntity", "iam:SimulatePrincipalPolicy"},
		{"IAM keeps failing", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			e.m.InjectFault("SimulatePrincipalPolicy", iamtest.InternalFault(), 100)
			return e.iam
		}, "ServiceFailure", "iam:SimulatePrincipalPolicy"},
		{"access denied to the simulation", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return answer(t, 403, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: iam:SimulatePrincipalPolicy</Message></Error></ErrorResponse>`)
		}, "AccessDenied", "iam:SimulatePrincipalPolicy"},
		{"no evaluation results", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return answer(t, 200, result(`<EvaluationResults></EvaluationResults>`))
		}, "the simulation gave no result for kms:CreateGrant", "by hand"},
		{"an empty body", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return answer(t, 200, "")
		}, "the simulation gave no result for kms:CreateGrant", "by hand"},
		{"no decision", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return answer(t, 200, result(`<EvaluationResults><member><EvalActionName>kms:CreateGrant</EvalActionName></member></EvaluationResults>`))
		}, "the simulation gave no decision for kms:CreateGrant", "by hand"},
		{"an unknown decision", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return answer(t, 200, result(`<EvaluationResults>`+allowed("kms:CreateGrant", "allowedMaybe")+`</EvaluationResults>`))
		}, `unknown decision "allowedMaybe"`, "by hand"},
		{"a nil answer", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return kmscheck.SimulatePrincipalPolicyFunc(func(context.Context, *iam.SimulatePrincipalPolicyInput, ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
				return nil, nil
			})
		}, "SimulatePrincipalPolicy returned no answer", "iam:SimulatePrincipalPolicy"},
		{"allowed by no statement", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return answer(t, 200, result(`<EvaluationResults><member><EvalActionName>kms:CreateGrant</EvalActionName><EvalDecision>allowed</EvalDecision></member></EvaluationResults>`))
		}, "without naming an IAM policy statement", "by hand"},
		{"allowed only by the key policy", func(t *testing.T, e *iamEnv) kmscheck.SimulatePrincipalPolicyAPIClient {
			return answer(t, 200, result(`<EvaluationResults><member><EvalActionName>kms:CreateGrant</EvalActionName><EvalDecision>allowed</EvalDecision>`+
				`<MatchedStatements><member><SourcePolicyId>ResourcePolicy</SourcePolicyId><SourcePolicyType>resource</SourcePolicyType></member></MatchedStatements></member></EvaluationResults>`))
		}, "without naming an IAM policy statement", "by hand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newIAMEnv(t)
			md := e.key(t, nil)
			e.put(t, "agentcore", identityPolicy(t, *md.Arn))
			r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, peTarget, func(o *kmscheck.Options) { o.IAM = tt.client(t, e) })
			if err != nil {
				t.Fatal(err)
			}
			f := finding(t, r, "policy.create-grant-management")
			if f.Status != kmscheck.StatusWarn {
				t.Errorf("status %s, want warn (allowed only if IAM allows)", f.Status)
			}
			if !strings.Contains(f.Message, "allowed only if IAM allows it") || !strings.Contains(f.Message, "IAM could not resolve it") || !strings.Contains(f.Message, tt.want) {
				t.Errorf("message lacks %q:\n%s", tt.want, f.Message)
			}
			if !strings.Contains(f.Remedy, tt.remedy) {
				t.Errorf("remedy %q lacks %q", f.Remedy, tt.remedy)
			}
		})
	}
}

// TestIAMCrossAccountRole: a role of another account than the key's is
// simulated without the key policy, so an implicit deny does not decide.
func TestIAMCrossAccountRole(t *testing.T) {
	t.Parallel()
	const other = "arn:aws:iam::444455556666:role/ExampleRole"
	m := iamtest.New(func(o *iamtest.Options) { o.Account = "444455556666" })
	srv := m.NewServer()
	t.Cleanup(srv.Close)
	client := iamtest.NewSDKClient(srv.URL)
	if _, err := client.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("ExampleRole"), AssumeRolePolicyDocument: aws.String(trustAgentCore)}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.k.MapAccessKey(akid, other)
	// The key policy delegates to the other account.
	pol := `{"Version":"2012-10-17","Statement":[{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}]}`
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(pol)})
	target := kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{Account: "444455556666", Region: region, Principal: other})
	r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, target, func(o *kmscheck.Options) { o.IAM = client })
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, r, "policy.decrypt")
	if f.Status != kmscheck.StatusWarn || !strings.Contains(f.Message, "a key of another account") {
		t.Errorf("cross-account implicit deny: %s", f)
	}
	// An IAM policy that allows it resolves it.
	id, err := keypolicy.IdentityForPolicyEngine(*target.PolicyEngine, *md.Arn)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := id.JSON()
	if _, err := client.PutRolePolicy(t.Context(), &iam.PutRolePolicyInput{RoleName: aws.String("ExampleRole"), PolicyName: aws.String("k"), PolicyDocument: aws.String(string(doc))}); err != nil {
		t.Fatal(err)
	}
	// The emulator needs the key policy for another account's key, so it
	// still does not allow: the finding stays a warning, never a pass.
	r, err = kmscheck.Check(t.Context(), e.c, *md.Arn, target, func(o *kmscheck.Options) { o.IAM = client })
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(t, r, "policy.decrypt"); f.Status != kmscheck.StatusWarn {
		t.Errorf("cross-account without the key policy: %s", f)
	}
}

// TestWithoutIAMNothingChanges: no IAM client, the same report.
func TestWithoutIAMNothingChanges(t *testing.T) {
	t.Parallel()
	e := newIAMEnv(t)
	md := e.key(t, nil)
	a, err := kmscheck.Check(t.Context(), e.c, *md.Arn, peTarget)
	if err != nil {
		t.Fatal(err)
	}
	b, err := kmscheck.Check(t.Context(), e.c, *md.Arn, peTarget, func(o *kmscheck.Options) { o.IAM = nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Findings, b.Findings); diff != "" {
		t.Errorf("findings (-without +nil IAM):\n%s", diff)
	}
	if diff := cmp.Diff(allPolicy(kmscheck.StatusWarn), policyStatuses(a)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	for _, r := range e.m.Requests() {
		if r.Operation == "SimulatePrincipalPolicy" {
			t.Error("IAM was asked without an IAM client")
		}
	}
}

// cancelingIAM cancels the check's context when it is asked.
type cancelingIAM struct{ cancel context.CancelFunc }

func (c cancelingIAM) SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	c.cancel()
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestIAMCancel(t *testing.T) {
	t.Parallel()
	e := newIAMEnv(t)
	md := e.key(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := kmscheck.Check(ctx, e.c, *md.Arn, peTarget, func(o *kmscheck.Options) { o.IAM = cancelingIAM{cancel} })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// gatedIAM passes each call to inner after gate returns.
type gatedIAM struct {
	inner kmscheck.SimulatePrincipalPolicyAPIClient
	gate  func(ctx context.Context) error
}

func (g gatedIAM) SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	if err := g.gate(ctx); err != nil {
		return nil, err
	}
	return g.inner.SimulatePrincipalPolicy(ctx, in, optFns...)
}

// TestIAMSimulationsRunConcurrently: the four simulations of a policy
// engine (two grant contexts, the crypto context, DescribeKey) all start
// before any finishes: one round trip. Sequential calls would never get
// past the first gate.
func TestIAMSimulationsRunConcurrently(t *testing.T) {
	t.Parallel()
	e := newIAMEnv(t)
	md := e.key(t, nil)
	e.put(t, "agentcore", identityPolicy(t, *md.Arn))
	var wg sync.WaitGroup
	wg.Add(4)
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	g := gatedIAM{inner: e.iam, gate: func(ctx context.Context) error {
		wg.Done()
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r, err := kmscheck.Check(ctx, e.c, *md.Arn, peTarget, func(o *kmscheck.Options) { o.IAM = g })
	if err != nil {
		t.Fatalf("Check: %v (the simulations did not overlap)", err)
	}
	if diff := cmp.Diff(allPolicy(kmscheck.StatusPass), policyStatuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// TestIAMClientPanics: a panic in the IAM client is an error of Check.
func TestIAMClientPanics(t *testing.T) {
	t.Parallel()
	e := newIAMEnv(t)
	md := e.key(t, nil)
	boom := kmscheck.SimulatePrincipalPolicyFunc(func(context.Context, *iam.SimulatePrincipalPolicyInput, ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
		panic("boom")
	})
	_, err := kmscheck.Check(t.Context(), e.c, *md.Arn, peTarget, func(o *kmscheck.Options) { o.IAM = boom })
	var ie *kmscheck.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want an *InputError naming the panic", err)
	}
}

// TestIAMCrossAccountUser: a user of another account is simulated with the
// key policy and its owner; both the key policy (delegating to the user's
// account) and the user's IAM policy must allow.
func TestIAMCrossAccountUser(t *testing.T) {
	t.Parallel()
	const user = "arn:aws:iam::444455556666:user/bob"
	m := iamtest.New(func(o *iamtest.Options) { o.Account = "444455556666" })
	srv := m.NewServer()
	t.Cleanup(srv.Close)
	client := iamtest.NewSDKClient(srv.URL)
	if _, err := client.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.k.MapAccessKey(akid, user)
	pol := `{"Version":"2012-10-17","Statement":[{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}]}`
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(pol)})
	target := kmscheck.PolicyEngine(keypolicy.PolicyEngineParams{Account: "444455556666", Region: region, Principal: user})
	id, err := keypolicy.IdentityForPolicyEngine(*target.PolicyEngine, *md.Arn)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := id.JSON()
	if _, err := client.PutUserPolicy(t.Context(), &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("k"), PolicyDocument: aws.String(string(doc))}); err != nil {
		t.Fatal(err)
	}
	r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, target, func(o *kmscheck.Options) { o.IAM = client })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allPolicy(kmscheck.StatusPass), policyStatuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	for _, req := range m.Requests() {
		in, ok := req.Input.(*iam.SimulatePrincipalPolicyInput)
		if ok && (in.ResourcePolicy == nil || aws.ToString(in.ResourceOwner) != "arn:aws:iam::111122223333:root") {
			t.Errorf("simulation with resource policy %v, owner %q", in.ResourcePolicy != nil, aws.ToString(in.ResourceOwner))
		}
	}
}

// noDescribe is a KMS whose DescribeKey always fails.
type noDescribe struct{ kmscheck.KMS }

func (noDescribe) DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return nil, errors.New("network down")
}

// TestIAMWithoutKeyARN: a bare key id whose DescribeKey failed leaves no
// key ARN to ask IAM about; the findings stay warnings and say so.
func TestIAMWithoutKeyARN(t *testing.T) {
	t.Parallel()
	e := newIAMEnv(t)
	md := e.key(t, nil)
	e.put(t, "agentcore", identityPolicy(t, *md.Arn))
	r, err := kmscheck.Check(t.Context(), noDescribe{e.c}, *md.KeyId, peTarget, func(o *kmscheck.Options) { o.IAM = e.iam })
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, r, "policy.decrypt")
	if f.Status != kmscheck.StatusWarn || !strings.Contains(f.Message, "the key ARN is not known") {
		t.Errorf("finding %s", f)
	}
	for _, req := range e.m.Requests() {
		if req.Operation == "SimulatePrincipalPolicy" {
			t.Error("IAM was asked without a key ARN")
		}
	}
}
