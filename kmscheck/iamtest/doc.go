// Package iamtest is an in-memory AWS IAM for tests: enough of IAM to
// answer SimulatePrincipalPolicy the way kmscheck asks it, decided with the
// module's one evaluator (keypolicy).
//
// An [IAM] holds the roles and users of one account, their inline policies,
// the customer managed policies attached to them, and their permissions
// boundaries. Its methods have the signatures of *iam.Client's, and
// [IAM.NewServer] serves the IAM query protocol (form-encoded POST, XML
// answers) on loopback, so the real *iam.Client works against it through
// BaseEndpoint ([NewSDKClient]):
//
//	CreateRole, CreateUser, PutRolePolicy, PutUserPolicy, CreatePolicy,
//	AttachRolePolicy, AttachUserPolicy, PutRolePermissionsBoundary,
//	PutUserPermissionsBoundary, DeleteRolePolicy, GetRole,
//	SimulatePrincipalPolicy
//
// Policies are checked as IAM checks them before it stores them: they must
// parse, every statement must have an Allow or Deny effect, an action and a
// resource, and no Principal (MalformedPolicyDocument otherwise); sizes are
// limited as IAM documents (LimitExceeded).
//
// # SimulatePrincipalPolicy
//
// Each action is decided for each resource (ResourceArns, or "*") as the
// IAM User Guide's "policy evaluation logic" page describes:
//
//   - an explicit Deny in any policy (identity, permissions boundary,
//     service control policy, resource policy) gives explicitDeny;
//   - a permissions boundary, when the entity has one (or
//     PermissionsBoundaryPolicyInputList gives one), must allow the
//     request, and so must the service control policy set with
//     [IAM.SetServiceControlPolicy];
//   - within one account, an identity policy (inline, attached, or in
//     PolicyInputList) or the resource policy (ResourcePolicy, evaluated
//     with keypolicy.Evaluate) must allow it; a resource-policy statement
//     that names only the account root delegates to IAM and does not allow
//     on its own, as KMS documents for key policies;
//   - across accounts (the resource's account, from its ARN or
//     ResourceOwner, differs from the caller's), both the identity
//     policies and the resource policy must allow it.
//
// The answer has one EvaluationResult per action with the most
// restrictive decision over the resources, the matched statements (policy
// id, type and start and end positions in the policy text), the
// permissions-boundary and organizations details when those policies
// apply, and one ResourceSpecificResult per resource.
//
// Like AWS, it refuses a session ARN as PolicySourceArn, a CallerArn that
// is not an IAM user, and a ResourcePolicy without a CallerArn when
// PolicySourceArn is not a user (the resource policy's Principal needs a
// caller to match). Groups, session policies and the policy variables of
// the caller's tags are not modelled. Authorization of IAM's own API is
// not modelled either: every request is served.
//
// # Faults
//
// [IAM.SetLatency] delays every operation; [IAM.InjectFault] makes the next
// requests of an operation fail with a [Fault] (throttling, a 500, or any
// code); [IAM.Requests] returns what was asked.
package iamtest
