package iamtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Quotas from the IAM User Guide ("IAM and AWS STS quotas"). IAM does not
// count white space in a policy's size.
const (
	maxManagedPolicyChars    = 6144
	maxRoleInlineChars       = 10240 // all inline policies of a role together
	maxUserInlineChars       = 2048  // all inline policies of a user together
	maxTrustPolicyChars      = 2048
	maxAttachedPerEntity     = 10
	maxSimulationPolicyChars = 131072 // a policy passed to a simulation
)

var (
	nameRE   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	polNameR = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	pathRE   = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
)

func noSuchEntity(msg string) error {
	return &types.NoSuchEntityException{Message: aws.String(msg)}
}

func invalidInput(msg string) error {
	return &types.InvalidInputException{Message: aws.String(msg)}
}

func malformed(msg string) error {
	return &types.MalformedPolicyDocumentException{Message: aws.String(msg)}
}

func limitExceeded(msg string) error {
	return &types.LimitExceededException{Message: aws.String(msg)}
}

// policySize is the length of text without white space.
func policySize(text string) int {
	n := 0
	for _, r := range text {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// parsePolicy parses and checks an identity policy (or boundary, or SCP)
// of at most limit characters.
func parsePolicy(text string, limit int) (*policy, error) {
	if size := policySize(text); size > limit {
		return nil, limitExceeded("Cannot exceed quota for PolicySize: " + strconv.Itoa(limit))
	}
	doc, err := keypolicy.Parse([]byte(text))
	if err != nil {
		return nil, malformed("Syntax errors in policy: " + strings.TrimPrefix(err.Error(), "keypolicy: "))
	}
	if err := keypolicy.ValidateIdentity(doc); err != nil {
		return nil, malformed(strings.TrimPrefix(err.Error(), "keypolicy: "))
	}
	return &policy{text: text, doc: doc, spans: statementSpans(text)}, nil
}

// newID returns an IAM unique id with prefix, such as "AROA...".
func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

func checkPath(p *string) (string, error) {
	path := aws.ToString(p)
	if path == "" {
		return "/", nil
	}
	if len(path) > 512 || !pathRE.MatchString(path) {
		return "", invalidInput("Path " + strconv.Quote(path) + " must begin and end with / and hold printable ASCII characters.")
	}
	return path, nil
}

func (m *IAM) createEntity(kind string, name, pathIn *string, trust string) (*entity, error) {
	n := aws.ToString(name)
	if !nameRE.MatchString(n) {
		return nil, invalidInput("The specified value for " + kind + "Name is invalid: " + strconv.Quote(n))
	}
	path, err := checkPath(pathIn)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	set, prefix := m.roles, "AROA"
	if kind == "user" {
		set, prefix = m.users, "AIDA"
	}
	for existing := range set {
		// Names are unique in an account regardless of case.
		if strings.EqualFold(existing, n) {
			return nil, &types.EntityAlreadyExistsException{Message: aws.String(upper(kind) + " with name " + n + " already exists.")}
		}
	}
	e := &entity{
		kind: kind, name: n, path: path, id: newID(prefix), created: time.Now().UTC().Truncate(time.Second), trust: trust,
		arn: "arn:" + m.opts.Partition + ":iam::" + m.opts.Account + ":" + kind + path + n,
	}
	set[n] = e
	return e, nil
}

func upper(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func (e *entity) role() *types.Role {
	r := &types.Role{
		Arn: aws.String(e.arn), RoleName: aws.String(e.name), Path: aws.String(e.path), RoleId: aws.String(e.id),
		CreateDate: aws.Time(e.created), AssumeRolePolicyDocument: aws.String(e.trust),
	}
	if e.boundary != "" {
		r.PermissionsBoundary = &types.AttachedPermissionsBoundary{
			PermissionsBoundaryArn: aws.String(e.boundary), PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy,
		}
	}
	return r
}

func (e *entity) user() *types.User {
	u := &types.User{
		Arn: aws.String(e.arn), UserName: aws.String(e.name), Path: aws.String(e.path), UserId: aws.String(e.id),
		CreateDate: aws.Time(e.created),
	}
	if e.boundary != "" {
		u.PermissionsBoundary = &types.AttachedPermissionsBoundary{
			PermissionsBoundaryArn: aws.String(e.boundary), PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy,
		}
	}
	return u
}

// CreateRole creates a role. AssumeRolePolicyDocument is required and must
// parse as a policy; it is kept but not evaluated.
func (m *IAM) CreateRole(ctx context.Context, params *iam.CreateRoleInput, optFns ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	return serve(ctx, m, "CreateRole", params, func(in *iam.CreateRoleInput) (*iam.CreateRoleOutput, error) {
		trust := aws.ToString(in.AssumeRolePolicyDocument)
		if trust == "" {
			return nil, invalidInput("AssumeRolePolicyDocument is required.")
		}
		if policySize(trust) > maxTrustPolicyChars {
			return nil, limitExceeded("Cannot exceed quota for ACLSizePerRole: " + strconv.Itoa(maxTrustPolicyChars))
		}
		if _, err := keypolicy.Parse([]byte(trust)); err != nil {
			return nil, malformed("Syntax errors in policy.")
		}
		e, err := m.createEntity("role", in.RoleName, in.Path, trust)
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		return &iam.CreateRoleOutput{Role: e.role()}, nil
	})
}

// CreateUser creates a user.
func (m *IAM) CreateUser(ctx context.Context, params *iam.CreateUserInput, optFns ...func(*iam.Options)) (*iam.CreateUserOutput, error) {
	return serve(ctx, m, "CreateUser", params, func(in *iam.CreateUserInput) (*iam.CreateUserOutput, error) {
		e, err := m.createEntity("user", in.UserName, in.Path, "")
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		return &iam.CreateUserOutput{User: e.user()}, nil
	})
}

// lookupLocked returns the role or user named name; callers hold m.mu.
func (m *IAM) lookupLocked(kind, name string) (*entity, error) {
	set := m.roles
	if kind == "user" {
		set = m.users
	}
	e, ok := set[name]
	if !ok {
		return nil, noSuchEntity("The " + kind + " with name " + name + " cannot be found.")
	}
	return e, nil
}

func (m *IAM) putInline(kind string, name, policyName, doc *string) error {
	pn := aws.ToString(policyName)
	if !polNameR.MatchString(pn) {
		return invalidInput("The specified value for policyName is invalid: " + strconv.Quote(pn))
	}
	limit := maxRoleInlineChars
	if kind == "user" {
		limit = maxUserInlineChars
	}
	p, err := parsePolicy(aws.ToString(doc), limit)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.lookupLocked(kind, aws.ToString(name))
	if err != nil {
		return err
	}
	total := policySize(p.text)
	idx := -1
	for i, np := range e.inline {
		if np.name == pn {
			idx = i
			continue
		}
		total += policySize(np.pol.text)
	}
	if total > limit {
		return limitExceeded("Maximum policy size of " + strconv.Itoa(limit) + " bytes exceeded for " + kind + " " + e.name)
	}
	if idx >= 0 {
		e.inline[idx].pol = p
	} else {
		e.inline = append(e.inline, namedPolicy{name: pn, pol: p})
	}
	return nil
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (m *IAM) PutRolePolicy(ctx context.Context, params *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	return serve(ctx, m, "PutRolePolicy", params, func(in *iam.PutRolePolicyInput) (*iam.PutRolePolicyOutput, error) {
		if err := m.putInline("role", in.RoleName, in.PolicyName, in.PolicyDocument); err != nil {
			return nil, err
		}
		return &iam.PutRolePolicyOutput{}, nil
	})
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (m *IAM) PutUserPolicy(ctx context.Context, params *iam.PutUserPolicyInput, optFns ...func(*iam.Options)) (*iam.PutUserPolicyOutput, error) {
	return serve(ctx, m, "PutUserPolicy", params, func(in *iam.PutUserPolicyInput) (*iam.PutUserPolicyOutput, error) {
		if err := m.putInline("user", in.UserName, in.PolicyName, in.PolicyDocument); err != nil {
			return nil, err
		}
		return &iam.PutUserPolicyOutput{}, nil
	})
}

// DeleteRolePolicy removes an inline policy of a role.
func (m *IAM) DeleteRolePolicy(ctx context.Context, params *iam.DeleteRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error) {
	return serve(ctx, m, "DeleteRolePolicy", params, func(in *iam.DeleteRolePolicyInput) (*iam.DeleteRolePolicyOutput, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		e, err := m.lookupLocked("role", aws.ToString(in.RoleName))
		if err != nil {
			return nil, err
		}
		for i, np := range e.inline {
			if np.name == aws.ToString(in.PolicyName) {
				e.inline = append(e.inline[:i:i], e.inline[i+1:]...)
				return &iam.DeleteRolePolicyOutput{}, nil
			}
		}
		return nil, noSuchEntity("The role policy with name " + aws.ToString(in.PolicyName) + " cannot be found.")
	})
}

// CreatePolicy creates a customer managed policy.
func (m *IAM) CreatePolicy(ctx context.Context, params *iam.CreatePolicyInput, optFns ...func(*iam.Options)) (*iam.CreatePolicyOutput, error) {
	return serve(ctx, m, "CreatePolicy", params, func(in *iam.CreatePolicyInput) (*iam.CreatePolicyOutput, error) {
		name := aws.ToString(in.PolicyName)
		if !polNameR.MatchString(name) {
			return nil, invalidInput("The specified value for policyName is invalid: " + strconv.Quote(name))
		}
		path, err := checkPath(in.Path)
		if err != nil {
			return nil, err
		}
		p, err := parsePolicy(aws.ToString(in.PolicyDocument), maxManagedPolicyChars)
		if err != nil {
			return nil, err
		}
		arn := "arn:" + m.opts.Partition + ":iam::" + m.opts.Account + ":policy" + path + name
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, mp := range m.policies {
			if mp.name == name {
				return nil, &types.EntityAlreadyExistsException{Message: aws.String("A policy called " + name + " already exists. Duplicate names are not allowed.")}
			}
		}
		mp := &managed{name: name, path: path, arn: arn, id: newID("ANPA"), created: time.Now().UTC().Truncate(time.Second), pol: p}
		m.policies[arn] = mp
		return &iam.CreatePolicyOutput{Policy: &types.Policy{
			Arn: aws.String(arn), PolicyName: aws.String(name), Path: aws.String(path), PolicyId: aws.String(mp.id),
			DefaultVersionId: aws.String("v1"), IsAttachable: true, CreateDate: aws.Time(mp.created), UpdateDate: aws.Time(mp.created),
		}}, nil
	})
}

func (m *IAM) attach(kind string, name, policyARN *string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.lookupLocked(kind, aws.ToString(name))
	if err != nil {
		return err
	}
	arn := aws.ToString(policyARN)
	if _, ok := m.policies[arn]; !ok {
		return noSuchEntity("Policy " + arn + " does not exist or is not attachable.")
	}
	for _, a := range e.attached {
		if a == arn {
			return nil // attaching twice is not an error
		}
	}
	if len(e.attached) >= maxAttachedPerEntity {
		return limitExceeded("Cannot exceed quota for PoliciesPerRole: " + strconv.Itoa(maxAttachedPerEntity))
	}
	e.attached = append(e.attached, arn)
	return nil
}

// AttachRolePolicy attaches a customer managed policy to a role.
func (m *IAM) AttachRolePolicy(ctx context.Context, params *iam.AttachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	return serve(ctx, m, "AttachRolePolicy", params, func(in *iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error) {
		if err := m.attach("role", in.RoleName, in.PolicyArn); err != nil {
			return nil, err
		}
		return &iam.AttachRolePolicyOutput{}, nil
	})
}

// AttachUserPolicy attaches a customer managed policy to a user.
func (m *IAM) AttachUserPolicy(ctx context.Context, params *iam.AttachUserPolicyInput, optFns ...func(*iam.Options)) (*iam.AttachUserPolicyOutput, error) {
	return serve(ctx, m, "AttachUserPolicy", params, func(in *iam.AttachUserPolicyInput) (*iam.AttachUserPolicyOutput, error) {
		if err := m.attach("user", in.UserName, in.PolicyArn); err != nil {
			return nil, err
		}
		return &iam.AttachUserPolicyOutput{}, nil
	})
}

func (m *IAM) setBoundary(kind string, name, policyARN *string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, err := m.lookupLocked(kind, aws.ToString(name))
	if err != nil {
		return err
	}
	arn := aws.ToString(policyARN)
	if _, ok := m.policies[arn]; !ok {
		return noSuchEntity("Policy " + arn + " does not exist or is not attachable.")
	}
	e.boundary = arn
	return nil
}

// PutRolePermissionsBoundary sets a role's permissions boundary to a
// customer managed policy.
func (m *IAM) PutRolePermissionsBoundary(ctx context.Context, params *iam.PutRolePermissionsBoundaryInput, optFns ...func(*iam.Options)) (*iam.PutRolePermissionsBoundaryOutput, error) {
	return serve(ctx, m, "PutRolePermissionsBoundary", params, func(in *iam.PutRolePermissionsBoundaryInput) (*iam.PutRolePermissionsBoundaryOutput, error) {
		if err := m.setBoundary("role", in.RoleName, in.PermissionsBoundary); err != nil {
			return nil, err
		}
		return &iam.PutRolePermissionsBoundaryOutput{}, nil
	})
}

// PutUserPermissionsBoundary sets a user's permissions boundary to a
// customer managed policy.
func (m *IAM) PutUserPermissionsBoundary(ctx context.Context, params *iam.PutUserPermissionsBoundaryInput, optFns ...func(*iam.Options)) (*iam.PutUserPermissionsBoundaryOutput, error) {
	return serve(ctx, m, "PutUserPermissionsBoundary", params, func(in *iam.PutUserPermissionsBoundaryInput) (*iam.PutUserPermissionsBoundaryOutput, error) {
		if err := m.setBoundary("user", in.UserName, in.PermissionsBoundary); err != nil {
			return nil, err
		}
		return &iam.PutUserPermissionsBoundaryOutput{}, nil
	})
}

// GetRole returns a role by name.
func (m *IAM) GetRole(ctx context.Context, params *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return serve(ctx, m, "GetRole", params, func(in *iam.GetRoleInput) (*iam.GetRoleOutput, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		e, err := m.lookupLocked("role", aws.ToString(in.RoleName))
		if err != nil {
			return nil, err
		}
		return &iam.GetRoleOutput{Role: e.role()}, nil
	})
}
