package main

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/iamtest"
)

// iamFlagUsage documents -iam.
const iamFlagUsage = "resolve key-policy findings that are allowed only if IAM allows them with IAM SimulatePrincipalPolicy (needs iam:SimulatePrincipalPolicy; in the sandbox, adds samples with an in-memory IAM)"

// realIAM returns the Check option that resolves allow-if-IAM findings
// with the real IAM, or nil without -iam. A role taken from an STS session
// (fromSession) has lost its path, which IAM needs to find it: realIAM
// looks the role up with iam:GetRole and sets f.principal to its ARN with
// its path; when that fails, it says so on stderr and keeps f.principal.
func (f *flags) realIAM(ctx context.Context, cfg aws.Config, fromSession bool, stderr io.Writer) []func(*kmscheck.Options) {
	if !f.iam {
		return nil
	}
	client := iam.NewFromConfig(cfg)
	if fromSession {
		f.principal = roleWithPath(ctx, client, f.principal, stderr)
	}
	return []func(*kmscheck.Options){func(o *kmscheck.Options) { o.IAM = client }}
}

// GetRoleAPIClient is the IAM GetRole operation.
type GetRoleAPIClient interface {
	GetRole(ctx context.Context, params *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
}

// roleWithPath returns the ARN, with its path, of the role role names
// (an ARN without a path), or role itself when IAM cannot tell.
func roleWithPath(ctx context.Context, client GetRoleAPIClient, role string, stderr io.Writer) string {
	a, err := arn.Parse(role)
	name, ok := strings.CutPrefix(a.Resource, "role/")
	if err != nil || !ok || strings.Contains(name, "/") {
		return role
	}
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil || out == nil || out.Role == nil || aws.ToString(out.Role.Arn) == "" {
		fmt.Fprintf(stderr, "preflight: could not look up the path of role %s (iam:GetRole): %v; simulating it without one\n", role, err)
		return role
	}
	return aws.ToString(out.Role.Arn)
}

// sandboxIAM is the sandbox's in-memory IAM, with the caller principal
// (a role or a user) whose inline policy "agentcore" the IAM samples set.
type sandboxIAM struct {
	srv    *httptest.Server
	client *iam.Client
	kind   string // "role" or "user"
	name   string
}

// newSandboxIAM starts an in-memory IAM holding the caller principal.
func newSandboxIAM(ctx context.Context, f flags) (*sandboxIAM, error) {
	a, err := arn.Parse(f.principal)
	if err != nil {
		return nil, fmt.Errorf("-principal %q is not an ARN", f.principal)
	}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	path, name := "/", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		path, name = "/"+rest[:i+1], rest[i+1:]
	}
	m := iamtest.New(func(o *iamtest.Options) { o.Account, o.Partition = a.AccountID, a.Partition })
	s := &sandboxIAM{srv: m.NewServer(), kind: kind, name: name}
	s.client = iamtest.NewSDKClient(s.srv.URL)
	switch kind {
	case "role":
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:` + a.Partition + `:iam::` + a.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`
		_, err = s.client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(trust)})
	case "user":
		_, err = s.client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)})
	default:
		err = fmt.Errorf("the sandbox IAM needs -principal to be a role or a user, not %s", f.principal)
	}
	if err != nil {
		s.srv.Close()
		return nil, err
	}
	return s, nil
}

func (s *sandboxIAM) close() { s.srv.Close() }

// put sets the caller's inline policy "agentcore" to doc.
func (s *sandboxIAM) put(ctx context.Context, doc *keypolicy.Document) error {
	b, err := doc.JSON()
	if err != nil {
		return err
	}
	if s.kind == "user" {
		_, err = s.client.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(s.name), PolicyName: aws.String("agentcore"), PolicyDocument: aws.String(string(b))})
	} else {
		_, err = s.client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(s.name), PolicyName: aws.String("agentcore"), PolicyDocument: aws.String(string(b))})
	}
	return err
}

// iamSamples are the sandbox samples of -iam: keys with the default key
// policy, which delegates the caller's requests to IAM, and a caller whose
// IAM policy is the generated identity policy, or lacks the statement the
// feature's first requirement needs (kms:CreateGrant for policy engines).
// For batch evaluations the key policy also has the documented service
// principal statement, which no IAM policy can stand in for.
func iamSamples(s *sandboxIAM, target kmscheck.Target, defaultPolicy string, create func(ctx context.Context, in *kms.CreateKeyInput, pol func() (string, error)) (string, error)) ([]sample, error) {
	keyPolicy := func() (string, error) {
		doc, err := keypolicy.Parse([]byte(defaultPolicy))
		if err != nil {
			return "", err
		}
		if target.BatchEvaluation != nil {
			gen, err := keypolicy.ForBatchEvaluation(*target.BatchEvaluation)
			if err != nil {
				return "", err
			}
			for _, st := range gen.Statement {
				if st.Sid == keypolicy.SidBatchServicePrincipalAccess {
					doc.Statement = append(doc.Statement, st)
				}
			}
		}
		b, err := doc.JSON()
		return string(b), err
	}
	identity := func(keyARN string) (*keypolicy.Document, error) {
		if target.BatchEvaluation != nil {
			return keypolicy.IdentityForBatchEvaluation(*target.BatchEvaluation, keyARN)
		}
		return keypolicy.IdentityForPolicyEngine(*target.PolicyEngine, keyARN)
	}
	// The statement the lacking sample leaves out, and the findings it fails.
	missing, failing := keypolicy.IdentitySidPolicyCreateGrants, []string{"policy.create-grant-management", "policy.create-grant-evaluation"}
	what := "kms:CreateGrant"
	if target.BatchEvaluation != nil {
		missing, failing = keypolicy.IdentitySidBatchCallerCryptoOps, []string{"policy.caller-generate-data-key", "policy.caller-decrypt"}
		what = "kms:GenerateDataKey and kms:Decrypt"
	}
	withIAM := func(drop string) func(ctx context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			keyARN, err := create(ctx, &kms.CreateKeyInput{}, keyPolicy)
			if err != nil {
				return "", err
			}
			doc, err := identity(keyARN)
			if err != nil {
				return "", err
			}
			kept := doc.Statement[:0]
			for _, st := range doc.Statement {
				if st.Sid != drop {
					kept = append(kept, st)
				}
			}
			doc.Statement = kept
			return keyARN, s.put(ctx, doc)
		}
	}
	return []sample{
		{
			name:   "the default key policy, and a caller whose IAM policy is the generated identity policy (-iam)",
			create: withIAM(""),
			want:   "IAM resolves every allow-if-IAM finding: all pass",
			expected: func(r *kmscheck.Report) bool {
				for _, f := range r.Findings {
					if strings.HasPrefix(f.ID, kmscheck.IDPolicyPrefix) && f.Status != kmscheck.StatusPass {
						return false
					}
				}
				return r.Passed() && r.Complete()
			},
		},
		{
			name:   "the default key policy, and a caller whose IAM policy lacks " + what + " (-iam)",
			create: withIAM(missing),
			want:   strings.Join(failing, " and ") + " fail: IAM denies them",
			expected: func(r *kmscheck.Report) bool {
				for _, id := range failing {
					if status(r, id) != kmscheck.StatusFail {
						return false
					}
				}
				return true
			},
		},
	}, nil
}
