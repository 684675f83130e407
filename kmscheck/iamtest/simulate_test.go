package iamtest_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/kmscheck/iamtest"
)

const (
	allowAllKMS = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`
	denyGrant   = `{"Version":"2012-10-17","Statement":[{"Sid":"NoGrants","Effect":"Deny","Action":"kms:CreateGrant","Resource":"*"}]}`
	onlyDecrypt = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
	// keyPolicyRoot is the default key policy: the account root, that is
	// IAM, decides.
	keyPolicyRoot = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	otherKey      = "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func keyPolicyNaming(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Named","Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"kms:*","Resource":"*"}]}`
}

func keyPolicyAccount(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}]}`
}

// TestSimulateDecisions walks the evaluation logic the package documents.
func TestSimulateDecisions(t *testing.T) {
	t.Parallel()
	type principal struct {
		user     bool
		inline   []string
		managed  []string
		boundary string
	}
	tests := []struct {
		name     string
		who      principal
		scp      string
		in       iam.SimulatePrincipalPolicyInput // PolicySourceArn is filled in
		resource string
		want     types.PolicyEvaluationDecisionType
		wantPB   *bool // AllowedByPermissionsBoundary, if reported
		wantOrg  *bool // AllowedByOrganizations, if reported
		wantIDs  []string
	}{
		{name: "inline allow", who: principal{inline: []string{allowAllKMS}}, want: types.PolicyEvaluationDecisionTypeAllowed, wantIDs: []string{"p0"}},
		{name: "managed allow", who: principal{managed: []string{allowAllKMS}}, want: types.PolicyEvaluationDecisionTypeAllowed,
			wantIDs: []string{"arn:aws:iam::111122223333:policy/m0"}},
		{name: "nothing allows", who: principal{inline: []string{onlyDecrypt}}, want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "explicit deny wins", who: principal{inline: []string{allowAllKMS}, managed: []string{denyGrant}},
			want: types.PolicyEvaluationDecisionTypeExplicitDeny, wantIDs: []string{"arn:aws:iam::111122223333:policy/m0"}},
		{name: "boundary that does not allow", who: principal{inline: []string{allowAllKMS}, boundary: onlyDecrypt},
			want: types.PolicyEvaluationDecisionTypeImplicitDeny, wantPB: aws.Bool(false)},
		{name: "boundary that allows", who: principal{inline: []string{allowAllKMS}, boundary: allowAllKMS},
			want: types.PolicyEvaluationDecisionTypeAllowed, wantPB: aws.Bool(true), wantIDs: []string{"p0"}},
		{name: "boundary passed in the request overrides", who: principal{inline: []string{allowAllKMS}, boundary: allowAllKMS},
			in:   iam.SimulatePrincipalPolicyInput{PermissionsBoundaryPolicyInputList: []string{onlyDecrypt}},
			want: types.PolicyEvaluationDecisionTypeImplicitDeny, wantPB: aws.Bool(false)},
		{name: "boundary alone allows nothing", who: principal{boundary: allowAllKMS},
			want: types.PolicyEvaluationDecisionTypeImplicitDeny, wantPB: aws.Bool(true)},
		{name: "policy input list", who: principal{}, in: iam.SimulatePrincipalPolicyInput{PolicyInputList: []string{allowAllKMS}},
			want: types.PolicyEvaluationDecisionTypeAllowed, wantIDs: []string{"PolicyInputList.1"}},
		{name: "SCP that does not allow", who: principal{inline: []string{allowAllKMS}}, scp: onlyDecrypt,
			want: types.PolicyEvaluationDecisionTypeImplicitDeny, wantOrg: aws.Bool(false)},
		{name: "SCP that allows", who: principal{inline: []string{allowAllKMS}}, scp: allowAllKMS,
			want: types.PolicyEvaluationDecisionTypeAllowed, wantOrg: aws.Bool(true), wantIDs: []string{"p0"}},
		{name: "key policy delegating to IAM does not allow alone", who: principal{user: true},
			in:   iam.SimulatePrincipalPolicyInput{ResourcePolicy: aws.String(keyPolicyRoot)},
			want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "key policy delegating to IAM, IAM allows", who: principal{user: true, inline: []string{allowAllKMS}},
			in:   iam.SimulatePrincipalPolicyInput{ResourcePolicy: aws.String(keyPolicyRoot)},
			want: types.PolicyEvaluationDecisionTypeAllowed, wantIDs: []string{"p0", "ResourcePolicy"}},
		{name: "key policy naming the user allows in its account", who: principal{user: true},
			in:   iam.SimulatePrincipalPolicyInput{ResourcePolicy: aws.String(keyPolicyNaming("arn:aws:iam::111122223333:user/Caller"))},
			want: types.PolicyEvaluationDecisionTypeAllowed, wantIDs: []string{"ResourcePolicy"}},
		{name: "key policy deny wins", who: principal{user: true, inline: []string{allowAllKMS}},
			in: iam.SimulatePrincipalPolicyInput{ResourcePolicy: aws.String(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:CreateGrant","Resource":"*"}]}`)},
			want: types.PolicyEvaluationDecisionTypeExplicitDeny, wantIDs: []string{"ResourcePolicy"}},
		{name: "cross account: IAM alone is not enough", who: principal{inline: []string{allowAllKMS}}, resource: otherKey,
			want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "cross account: key policy alone is not enough", who: principal{user: true}, resource: otherKey,
			in:   iam.SimulatePrincipalPolicyInput{ResourcePolicy: aws.String(keyPolicyNaming("arn:aws:iam::111122223333:user/Caller"))},
			want: types.PolicyEvaluationDecisionTypeImplicitDeny},
		{name: "cross account: both allow", who: principal{user: true, inline: []string{allowAllKMS}}, resource: otherKey,
			in:   iam.SimulatePrincipalPolicyInput{ResourcePolicy: aws.String(keyPolicyAccount("111122223333"))},
			want: types.PolicyEvaluationDecisionTypeAllowed, wantIDs: []string{"p0", "ResourcePolicy"}},
		{name: "resource owner names the account", who: principal{user: true, inline: []string{allowAllKMS}}, resource: "*",
			in:   iam.SimulatePrincipalPolicyInput{ResourceOwner: aws.String("arn:aws:iam::444455556666:root")},
			want: types.PolicyEvaluationDecisionTypeImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := t.Context()
			kind, name := "role", "Caller"
			var src string
			if tt.who.user {
				kind = "user"
				out, err := e.c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				src = aws.ToString(out.User.Arn)
			} else {
				src = e.role(t, name)
			}
			for i, doc := range tt.who.inline {
				var err error
				pn := aws.String("p" + string(rune('0'+i)))
				if kind == "user" {
					_, err = e.c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: &name, PolicyName: pn, PolicyDocument: aws.String(doc)})
				} else {
					_, err = e.c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: pn, PolicyDocument: aws.String(doc)})
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			for i, doc := range tt.who.managed {
				out, err := e.c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("m" + string(rune('0'+i))), PolicyDocument: aws.String(doc)})
				if err != nil {
					t.Fatal(err)
				}
				if kind == "user" {
					_, err = e.c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: &name, PolicyArn: out.Policy.Arn})
				} else {
					_, err = e.c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &name, PolicyArn: out.Policy.Arn})
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if tt.who.boundary != "" {
				out, err := e.c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("boundary"), PolicyDocument: aws.String(tt.who.boundary)})
				if err != nil {
					t.Fatal(err)
				}
				if kind == "user" {
					_, err = e.c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: &name, PermissionsBoundary: out.Policy.Arn})
				} else {
					_, err = e.c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: &name, PermissionsBoundary: out.Policy.Arn})
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if tt.scp != "" {
				if err := e.m.SetServiceControlPolicy(tt.scp); err != nil {
					t.Fatal(err)
				}
			}
			in := tt.in
			in.PolicySourceArn = aws.String(src)
			in.ActionNames = []string{"kms:CreateGrant"}
			switch tt.resource {
			case "":
				in.ResourceArns = []string{keyARN}
			case "*":
			default:
				in.ResourceArns = []string{tt.resource}
			}
			out, err := e.c.SimulatePrincipalPolicy(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.EvaluationResults) != 1 {
				t.Fatalf("%d results, want 1", len(out.EvaluationResults))
			}
			r := out.EvaluationResults[0]
			if r.EvalDecision != tt.want {
				t.Errorf("EvalDecision = %s, want %s", r.EvalDecision, tt.want)
			}
			var pb, org *bool
			if r.PermissionsBoundaryDecisionDetail != nil {
				pb = aws.Bool(r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary)
			}
			if r.OrganizationsDecisionDetail != nil {
				org = aws.Bool(r.OrganizationsDecisionDetail.AllowedByOrganizations)
			}
			if diff := cmp.Diff(tt.wantPB, pb); diff != "" {
				t.Errorf("AllowedByPermissionsBoundary (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOrg, org); diff != "" {
				t.Errorf("AllowedByOrganizations (-want +got):\n%s", diff)
			}
			var ids []string
			for _, s := range r.MatchedStatements {
				ids = append(ids, aws.ToString(s.SourcePolicyId))
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("matched statements (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSimulateRefuses: the requests AWS documents as invalid.
func TestSimulateRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	role := e.role(t, "Caller", allowAllKMS)
	tests := []struct {
		name     string
		in       iam.SimulatePrincipalPolicyInput
		wantCode string
	}{
		{"a session as the policy source", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:sts::111122223333:assumed-role/Caller/s"), ActionNames: []string{"kms:Decrypt"}}, "InvalidInput"},
		{"a resource policy for a role without CallerArn", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(role), ActionNames: []string{"kms:Decrypt"}, ResourcePolicy: aws.String(keyPolicyRoot)}, "InvalidInput"},
		{"a role as CallerArn", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(role), CallerArn: aws.String(role), ActionNames: []string{"kms:Decrypt"}}, "InvalidInput"},
		{"an unknown role", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::111122223333:role/Nobody"), ActionNames: []string{"kms:Decrypt"}}, "NoSuchEntity"},
		{"a role of another account", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::444455556666:role/Caller"), ActionNames: []string{"kms:Decrypt"}}, "NoSuchEntity"},
		{"the role with a wrong path", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::111122223333:role/team/Caller"), ActionNames: []string{"kms:Decrypt"}}, "NoSuchEntity"},
		{"an action without a service", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(role), ActionNames: []string{"Decrypt"}}, "InvalidInput"},
		{"two boundaries", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(role), ActionNames: []string{"kms:Decrypt"}, PermissionsBoundaryPolicyInputList: []string{allowAllKMS, allowAllKMS}}, "InvalidInput"},
		{"a malformed input policy", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(role), ActionNames: []string{"kms:Decrypt"}, PolicyInputList: []string{"{"}}, "InvalidInput"},
		{"an unknown context type", iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String(role), ActionNames: []string{"kms:Decrypt"},
			ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("kms:ViaService"), ContextKeyType: "text", ContextKeyValues: []string{"x"}}}}, "InvalidInput"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.c.SimulatePrincipalPolicy(t.Context(), &tt.in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode {
				t.Errorf("got %v, want %s", err, tt.wantCode)
			}
		})
	}
}

func TestSimulatePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	role := e.role(t, "Caller", allowAllKMS)
	actions := []string{"kms:Decrypt", "kms:Encrypt", "kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey"}
	p := iam.NewSimulatePrincipalPolicyPaginator(e.c, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(role), ActionNames: actions, ResourceArns: []string{keyARN}, MaxItems: aws.Int32(2),
	})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.EvaluationResults {
			got = append(got, aws.ToString(r.EvalActionName))
		}
	}
	if diff := cmp.Diff(actions, got); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("%d pages, want 3", pages)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	role := e.role(t, "Caller", allowAllKMS)
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(role), ActionNames: []string{"kms:Decrypt"}}
	// Two throttles: the SDK's third attempt succeeds.
	e.m.InjectFault("SimulatePrincipalPolicy", iamtest.ThrottlingFault(), 2)
	if _, err := e.c.SimulatePrincipalPolicy(t.Context(), in); err != nil {
		t.Fatalf("after two throttles: %v", err)
	}
	// Three 500s: the SDK gives up with the last one.
	e.m.InjectFault("", iamtest.InternalFault(), 3)
	_, err := e.c.SimulatePrincipalPolicy(t.Context(), in)
	var sf *types.ServiceFailureException
	if !errors.As(err, &sf) {
		t.Fatalf("after three 500s: %v, want ServiceFailure", err)
	}
	var faults int
	for _, r := range e.m.Requests() {
		if r.Operation == "SimulatePrincipalPolicy" && r.Err != nil {
			faults++
		}
	}
	if faults != 5 {
		t.Errorf("%d failed requests recorded, want 5", faults)
	}
	if f := iamtest.ThrottlingFault(); f.StatusCode != http.StatusBadRequest || f.ErrorCode() != "Throttling" {
		t.Errorf("ThrottlingFault = %+v", f)
	}
}

func TestPolicyLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// IAM does not count white space; 7,000 other characters exceed 6,144.
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/` +
		strings.Repeat("a", 7000) + `"}]}`
	_, err := e.c.CreatePolicy(t.Context(), &iam.CreatePolicyInput{PolicyName: aws.String("big"), PolicyDocument: aws.String(big)})
	var le *types.LimitExceededException
	if !errors.As(err, &le) {
		t.Errorf("a 7,000-character managed policy: %v, want LimitExceeded", err)
	}
}
