package iamtest_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentcorekms/agentcorekms/kmscheck/iamtest"
)

const (
	trust   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock-agentcore.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	keyARN  = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	allowKM = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowDecrypt",
      "Effect": "Allow",
      "Action": ["kms:Decrypt", "kms:DescribeKey"],
      "Resource": "` + keyARN + `"
    }
  ]
}`
)

// env is an emulator served on loopback with a real *iam.Client.
type env struct {
	m *iamtest.IAM
	c *iam.Client
}

func newEnv(t *testing.T, optFns ...func(*iamtest.Options)) *env {
	t.Helper()
	m := iamtest.New(optFns...)
	srv := m.NewServer()
	t.Cleanup(srv.Close)
	return &env{m: m, c: iamtest.NewSDKClient(srv.URL)}
}

func (e *env) role(t *testing.T, name string, inline ...string) string {
	t.Helper()
	ctx := t.Context()
	out, err := e.c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range inline {
		if _, err := e.c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String("inline" + string(rune('A'+i))), PolicyDocument: aws.String(doc),
		}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(out.Role.Arn)
}

func TestSimulateOverTheWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	role := e.role(t, "Caller", allowKM)
	out, err := e.c.SimulatePrincipalPolicy(t.Context(), &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(role),
		ActionNames:     []string{"kms:Decrypt", "kms:CreateGrant"},
		ResourceArns:    []string{keyARN},
		ContextEntries: []types.ContextEntry{{
			ContextKeyName: aws.String("kms:GrantOperations"), ContextKeyType: types.ContextKeyTypeEnumStringList,
			ContextKeyValues: []string{"Decrypt", "Encrypt"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []types.EvaluationResult{
		{
			EvalActionName: aws.String("kms:Decrypt"), EvalResourceName: aws.String(keyARN),
			EvalDecision: types.PolicyEvaluationDecisionTypeAllowed,
			MatchedStatements: []types.Statement{{
				SourcePolicyId: aws.String("inlineA"), SourcePolicyType: types.PolicySourceTypeRole,
				StartPosition: &types.Position{Line: 4, Column: 5}, EndPosition: &types.Position{Line: 9, Column: 5},
			}},
			ResourceSpecificResults: []types.ResourceSpecificResult{{
				EvalResourceName: aws.String(keyARN), EvalResourceDecision: types.PolicyEvaluationDecisionTypeAllowed,
				MatchedStatements: []types.Statement{{
					SourcePolicyId: aws.String("inlineA"), SourcePolicyType: types.PolicySourceTypeRole,
					StartPosition: &types.Position{Line: 4, Column: 5}, EndPosition: &types.Position{Line: 9, Column: 5},
				}},
			}},
		},
		{
			EvalActionName: aws.String("kms:CreateGrant"), EvalResourceName: aws.String(keyARN),
			EvalDecision: types.PolicyEvaluationDecisionTypeImplicitDeny,
			ResourceSpecificResults: []types.ResourceSpecificResult{{
				EvalResourceName: aws.String(keyARN), EvalResourceDecision: types.PolicyEvaluationDecisionTypeImplicitDeny,
			}},
		},
	}
	opts := cmp.Options{
		cmpopts.IgnoreUnexported(types.EvaluationResult{}, types.Statement{}, types.Position{}, types.ResourceSpecificResult{}),
		cmpopts.EquateEmpty(),
	}
	if diff := cmp.Diff(want, out.EvaluationResults, opts); diff != "" {
		t.Errorf("EvaluationResults (-want +got):\n%s", diff)
	}
	if out.IsTruncated {
		t.Error("IsTruncated")
	}
	// What was sent arrived whole.
	reqs := e.m.Requests()
	last := reqs[len(reqs)-1]
	in, ok := last.Input.(*iam.SimulatePrincipalPolicyInput)
	if last.Operation != "SimulatePrincipalPolicy" || !ok {
		t.Fatalf("last request %+v", last)
	}
	if diff := cmp.Diff([]string{"Decrypt", "Encrypt"}, in.ContextEntries[0].ContextKeyValues); diff != "" {
		t.Errorf("context values (-want +got):\n%s", diff)
	}
}

func TestErrorsOverTheWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.role(t, "Caller")
	ctx := t.Context()
	_, err := e.c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Nobody"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowKM)})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("PutRolePolicy on a missing role: %v, want NoSuchEntity", err)
	}
	_, err = e.c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Caller"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`)})
	var mpd *types.MalformedPolicyDocumentException
	if !errors.As(err, &mpd) {
		t.Errorf("a policy with a Principal: %v, want MalformedPolicyDocument", err)
	}
	_, err = e.c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("caller"), AssumeRolePolicyDocument: aws.String(trust)})
	var eae *types.EntityAlreadyExistsException
	if !errors.As(err, &eae) {
		t.Errorf("a role name differing in case: %v, want EntityAlreadyExists", err)
	}
}

func TestNilIAM(t *testing.T) {
	t.Parallel()
	var m *iamtest.IAM
	if _, err := m.SimulatePrincipalPolicy(t.Context(), nil); !errors.Is(err, iamtest.ErrNilIAM) {
		t.Errorf("SimulatePrincipalPolicy: %v", err)
	}
	if _, err := m.CreateRole(t.Context(), nil); !errors.Is(err, iamtest.ErrNilIAM) {
		t.Errorf("CreateRole: %v", err)
	}
	if err := m.SetServiceControlPolicy(""); !errors.Is(err, iamtest.ErrNilIAM) {
		t.Errorf("SetServiceControlPolicy: %v", err)
	}
	m.SetLatency(1)
	m.InjectFault("", iamtest.ThrottlingFault(), 1)
	if m.Requests() != nil || m.Account() != "" || m.RoleARN("r") != "" || m.UserARN("u") != "" {
		t.Error("a nil *IAM reports state")
	}
	srv := m.NewServer()
	defer srv.Close()
	_, err := iamtest.NewSDKClient(srv.URL, func(o *iam.Options) { o.RetryMaxAttempts = 1 }).SimulatePrincipalPolicy(t.Context(),
		&iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::111122223333:role/R"), ActionNames: []string{"kms:Decrypt"}})
	var sf *types.ServiceFailureException
	if !errors.As(err, &sf) {
		t.Errorf("over the wire: %v, want ServiceFailure", err)
	}
}

// TestUnknownAction: the server refuses operations it does not serve.
func TestUnknownAction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.c.ListRoles(t.Context(), &iam.ListRolesInput{})
	var ae interface{ ErrorCode() string }
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAction" {
		t.Errorf("ListRoles: %v, want InvalidAction", err)
	}
}

func TestGetRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, err := e.c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("App"), Path: aws.String("/team/"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.c.GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String("App")})
	if err != nil {
		t.Fatal(err)
	}
	opts := cmpopts.IgnoreUnexported(types.Role{})
	if diff := cmp.Diff(out.Role, got.Role, opts); diff != "" {
		t.Errorf("GetRole (-created +got):\n%s", diff)
	}
	if aws.ToString(got.Role.Arn) != "arn:aws:iam::111122223333:role/team/App" {
		t.Errorf("ARN %s", aws.ToString(got.Role.Arn))
	}
	var nse *types.NoSuchEntityException
	if _, err := e.c.GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String("Nobody")}); !errors.As(err, &nse) {
		t.Errorf("GetRole of a missing role: %v", err)
	}
}
