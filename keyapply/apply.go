package keyapply

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/typednil"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// PolicyName is the name of a key's policy; KMS keys have only this one.
const PolicyName = "default"

// Options configures [Apply].
type Options struct {
	// Admin is the ARN of the identity that writes the key policy (an IAM
	// role, user, assumed-role session or account root): the identity whose
	// later kms:PutKeyPolicy the lockout check keeps allowed. Required:
	// Apply does not guess who calls. Commands take it from STS
	// GetCallerIdentity.
	Admin string
	// DryRun makes Apply do everything but the write: it reads, merges,
	// checks and reads again, and returns the Result it would have, with
	// Written false.
	DryRun bool
}

// Result says what [Apply] did.
type Result struct {
	// KeyARN is the key, as DescribeKey named it (an alias resolved).
	KeyARN string
	// UpToDate reports whether the key policy already had every statement;
	// nothing was written.
	UpToDate bool
	// Written reports whether the new key policy was written (and read
	// back with the statements). False for a dry run.
	Written bool
	// DryRun reports whether Options.DryRun was set.
	DryRun bool
	// Added are the Sids of the statements added, in order; a statement
	// without a Sid is "#N", N its index in the new policy.
	Added []string
	// Before is the key policy as KMS returned it.
	Before string
	// After is the key policy written (or, for a dry run, that would be):
	// indented JSON, or compact JSON when only that fits KMS's size limit.
	// Equal to Before when UpToDate.
	After string
	// Diff is a unified line diff from the current policy to the new one,
	// both as indented JSON; "" when UpToDate.
	Diff string
	// Lockout is the offline lockout check of the new policy for
	// Options.Admin; Lockout.Statements names the statements that keep the
	// admin allowed kms:PutKeyPolicy. Zero when UpToDate.
	Lockout keypolicy.LockoutCheck
}

// Apply adds the statements of statements (such as a document from
// [keypolicy.ForPolicyEngine]) to the key policy of the key keyID (a key id,
// key ARN, alias name or alias ARN), safely:
//
//  1. DescribeKey resolves the key; an AWS managed key is refused, and an
//     answer without the key manager is [ErrNoAnswer], never a guess.
//  2. GetKeyPolicy reads the current policy (name "default").
//  3. [keypolicy.Merge] adds the statements: nothing of the current policy
//     changes, and a Sid used by a different statement is refused.
//  4. If nothing is added, Apply returns with UpToDate and writes nothing.
//  5. The new policy is refused if it is over [keypolicy.MaxPolicyBytes], or
//     if [keypolicy.CheckLockout] finds that Options.Admin could no longer
//     call kms:PutKeyPolicy (AWS's lockout safety check, decided offline).
//  6. GetKeyPolicy reads the policy again; if it changed since step 2,
//     someone else wrote it, and Apply refuses with [ErrChanged].
//  7. PutKeyPolicy writes the new policy, with the lockout safety check on
//     (BypassPolicyLockoutSafetyCheck is never set).
//  8. GetKeyPolicy reads it back; if the statements are not there, Apply
//     returns [ErrNotVerified] with the Result.
//
// KMS has no conditional write, so a writer between steps 6 and 7 is not
// seen: its change is lost. Apply keeps that window to one round trip;
// nothing else runs between the two calls.
//
// Refusals are a [*RefusedError]; bad arguments an [*InputError]; KMS
// errors are returned wrapped, so errors.As finds the SDK's error types.
// On an error the Result is nil, except for ErrNotVerified.
func Apply(ctx context.Context, client KMS, keyID string, statements *keypolicy.Document, optFns ...func(*Options)) (*Result, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if typednil.Is(client) {
		return nil, &InputError{Field: "client", Reason: "is nil"}
	}
	if _, err := agentcore.ParseKeyRef(keyID, agentcore.KeyRefRules{Field: "keyID"}); err != nil {
		return nil, err
	}
	if statements == nil || len(statements.Statement) == 0 {
		return nil, &InputError{Field: "statements", Reason: "has no statements to add"}
	}
	if err := checkAdmin(o.Admin); err != nil {
		return nil, err
	}

	// 1. The key.
	desc, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, fmt.Errorf("keyapply: describing key %s: %w", keyID, err)
	}
	if desc == nil || desc.KeyMetadata == nil || aws.ToString(desc.KeyMetadata.Arn) == "" {
		return nil, fmt.Errorf("%w: DescribeKey of %s returned no key ARN", ErrNoAnswer, keyID)
	}
	keyARN := aws.ToString(desc.KeyMetadata.Arn)
	switch desc.KeyMetadata.KeyManager {
	case types.KeyManagerTypeCustomer:
	case types.KeyManagerTypeAws:
		return nil, &RefusedError{KeyARN: keyARN, Err: ErrAWSManaged}
	case "":
		return nil, fmt.Errorf("%w: DescribeKey of %s returned no KeyManager, so it is unknown whether the key policy can be changed", ErrNoAnswer, keyARN)
	default:
		return nil, fmt.Errorf("%w: DescribeKey of %s returned KeyManager %q, which is neither CUSTOMER nor AWS", ErrNoAnswer, keyARN, desc.KeyMetadata.KeyManager)
	}

	// 2. The current policy.
	before, err := readPolicy(ctx, client, keyARN)
	if err != nil {
		return nil, err
	}
	base, err := keypolicy.Parse([]byte(before))
	if err != nil {
		return nil, fmt.Errorf("keyapply: the key policy of %s does not parse: %w", keyARN, err)
	}

	// 3. Merge.
	merged, err := keypolicy.Merge(base, statements)
	if err != nil {
		var ce *keypolicy.ConflictError
		if errors.As(err, &ce) {
			return nil, &RefusedError{KeyARN: keyARN, Err: err}
		}
		return nil, fmt.Errorf("keyapply: merging: %w", err)
	}
	res := &Result{KeyARN: keyARN, DryRun: o.DryRun, Before: before}

	// 4. Nothing to add.
	if len(merged.Statement) == len(base.Statement) {
		res.UpToDate, res.After = true, before
		return res, nil
	}
	for i := len(base.Statement); i < len(merged.Statement); i++ {
		name := merged.Statement[i].Sid
		if name == "" {
			name = "#" + strconv.Itoa(i)
		}
		res.Added = append(res.Added, name)
	}

	// 5. Offline checks: size, then lockout.
	after, err := merged.JSON()
	if err != nil {
		return nil, fmt.Errorf("keyapply: writing the new key policy: %w", err)
	}
	beforeIndented, err := base.JSON()
	if err != nil {
		return nil, fmt.Errorf("keyapply: writing the current key policy: %w", err)
	}
	res.Diff = lineDiff("current key policy", string(beforeIndented), "new key policy", string(after))
	if len(after) > keypolicy.MaxPolicyBytes {
		after = merged.Compact()
	}
	if len(after) > keypolicy.MaxPolicyBytes {
		return nil, &RefusedError{KeyARN: keyARN, Err: &keypolicy.SizeError{Size: len(after), Limit: keypolicy.MaxPolicyBytes}}
	}
	res.After = string(after)
	res.Lockout = keypolicy.CheckLockout(merged, o.Admin, keyARN)
	if !res.Lockout.Safe() {
		return nil, &RefusedError{KeyARN: keyARN, Err: &LockoutError{Admin: o.Admin, Check: res.Lockout}}
	}

	// 6. Nobody wrote it since step 2. Nothing may run between this read
	// and the write.
	again, err := readPolicy(ctx, client, keyARN)
	if err != nil {
		return nil, err
	}
	if again != before {
		return nil, &RefusedError{KeyARN: keyARN, Err: ErrChanged}
	}
	if o.DryRun {
		return res, nil
	}

	// 7. Write, with the lockout safety check on.
	if _, err := client.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{
		KeyId:                          aws.String(keyARN),
		PolicyName:                     aws.String(PolicyName),
		Policy:                         aws.String(res.After),
		BypassPolicyLockoutSafetyCheck: false,
	}); err != nil {
		return nil, fmt.Errorf("keyapply: writing the key policy of %s: %w", keyARN, err)
	}

	// 8. Verify.
	written, err := readPolicy(ctx, client, keyARN)
	if err != nil {
		return nil, fmt.Errorf("keyapply: the key policy was written, but reading it back failed: %w", err)
	}
	if missing := missingStatements(written, statements); missing != "" {
		return res, fmt.Errorf("%w: %s read back without %s", ErrNotVerified, keyARN, missing)
	}
	res.Written = true
	return res, nil
}

// checkAdmin accepts an IAM or STS principal ARN.
func checkAdmin(admin string) error {
	if admin == "" {
		return &InputError{Field: "Options.Admin", Reason: "is required: the ARN of the identity that writes the key policy, for the lockout check"}
	}
	a, err := arn.Parse(admin)
	if err != nil || (a.Service != "iam" && a.Service != "sts") || a.AccountID == "" {
		return &InputError{Field: "Options.Admin", Value: admin, Reason: "is not an IAM or STS principal ARN"}
	}
	return nil
}

// readPolicy returns the key policy of keyARN.
func readPolicy(ctx context.Context, client GetKeyPolicyAPIClient, keyARN string) (string, error) {
	out, err := client.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String(PolicyName)})
	if err != nil {
		return "", fmt.Errorf("keyapply: reading the key policy of %s: %w", keyARN, err)
	}
	if out == nil || out.Policy == nil {
		return "", fmt.Errorf("%w: GetKeyPolicy of %s returned no policy", ErrNoAnswer, keyARN)
	}
	return *out.Policy, nil
}

// missingStatements returns the statements of add that policy lacks, as a
// phrase, or "" if it has them all.
func missingStatements(policy string, add *keypolicy.Document) string {
	doc, err := keypolicy.Parse([]byte(policy))
	if err != nil {
		return "a policy that parses (" + reason(err) + ")"
	}
	merged, err := keypolicy.Merge(doc, add)
	if err != nil {
		return "the statements: " + reason(err)
	}
	if n := len(merged.Statement) - len(doc.Statement); n > 0 {
		return strconv.Itoa(n) + " of the statements"
	}
	return ""
}
