// Package fleet audits every encrypted Amazon Bedrock AgentCore resource of
// an organization for the day after: a key disabled, scheduled for deletion
// or deleted, a key-policy edit that removes a documented statement, a
// grant revoked by hand. Each of these turns every authorization decision
// of a policy engine into a deny, and stops batch evaluations from reading
// their results.
//
// # What it checks
//
// [Audit] lists the resources of every consumer that has a listing API
// (policy engines with ListPolicyEngineSummaries on the control plane,
// batch evaluations with ListBatchEvaluations on the data plane; both
// answer without access to the keys), in every Region of every account
// given, and for each resource with a customer managed key:
//
//   - the key's state (DescribeKey): disabled, pending deletion with the
//     date the denial becomes permanent, missing, another unusable state,
//     imported material that expires;
//   - the key policy (GetKeyPolicy) against the consumer's documented
//     requests (keypolicy.RequirementsFor, and those of each documented
//     variant) with keypolicy.Analyze: a denied request is a finding that
//     names the documented statement to restore;
//   - for policy engines, the two grants (ListGrants), with
//     policyengine.GrantsOf.
//
// Each key is read once, however many resources share it.
//
// # One source of truth
//
// What the audit knows of each consumer comes from the module's consumer
// model, keypolicy.ConsumerByName: the requests it judges key policies by
// (Consumer.Requirements), the policy variants it accepts
// (Consumer.Variants), and what it says fails while a key is unavailable
// (Consumer.Unavailable), which the findings' messages and [Effects]
// quote. The audit adds only what it reads: listings, key state, policies
// and grants.
//
// # Accounts and Regions
//
// Each account is an IAM role to assume. [AssumeRole] builds one set of
// clients per account and Region with STS AssumeRole and the SDK's
// stscreds.AssumeRoleProvider (one cached provider per account), and the
// SDK's standard retryer without its retry quota ([NewRetryer]). Any other
// [ClientsFunc] works too.
//
// # Request quotas
//
// KMS documents a request quota per operation, account and Region
// (DescribeKey 2,000, GetKeyPolicy 1,000, ListGrants 100 requests per
// second; see internal/agentcore). The audit keeps each operation under
// [Options.QuotaShare] of its quota for the key's account and Region with a
// token bucket of golang.org/x/time/rate, and sends again a request the
// SDK's retryer gave up on with a throttling error, so that throttling
// never reaches the report. The emulators enforce the same quotas
// (kmstest.NewQuotas, KMS.SetQuotas), on scaled time for tests.
//
// # Verdicts
//
// Never a pass without an answer: a resource whose key could not be read,
// or a listing cut short, is incomplete, not clean. Each [Resource] and the
// [Report] have a kmscheck.Outcome: failed when a finding failed,
// incomplete when none failed but one is unknown, passed otherwise. A
// finding with DeniedFrom says from when the resource's use of its key is
// denied: the audit's start for a denial in force, a later date for key
// material that expires; PermanentFrom says when the denial becomes
// permanent (the key's deletion date).
//
// [Report.BlastRadius] lists, for one key, every resource that uses it and
// what breaks if the key is disabled or deleted ([Effects], the consumer
// model's Consumer.Unavailable).
//
// The report is JSON with stable field names ([Report.WriteJSON]); each
// finding has a stable id: the resource ARN, "#", the code, and for
// key-policy findings "/" and the requirement id.
//
// # Open points
//
// Consumers without a listing emulator in this module (evaluators,
// datasets, gateways, memory, ...) are not listed yet. A key policy that
// lets IAM decide (the default key policy's account-root statement) passes:
// the audit reads no IAM policies. Without [Account.Principal] the caller's
// documented requests cannot be judged, and the key-policy finding is
// unknown. AgentCore's own request quotas for the listing operations are
// not documented; the listings are not rate-limited beyond the SDK's
// retries.
package fleet
