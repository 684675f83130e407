package kmscheck

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

type builder struct {
	report *Report
	target Target
	opts   Options
	ref    agentcore.KeyRef
}

func (b *builder) keyName() string {
	if b.report.KeyARN != "" {
		return b.report.KeyARN
	}
	return b.report.KeyID
}

func (b *builder) add(f Finding) { b.report.Findings = append(b.report.Findings, f) }

func (b *builder) pass(id, msg string) { b.add(Finding{ID: id, Status: StatusPass, Message: msg}) }

func (b *builder) warn(id, msg, remedy string) {
	b.add(Finding{ID: id, Status: StatusWarn, Message: msg, Remedy: remedy})
}

func (b *builder) fail(id, msg, remedy string, cause error, kinds ...error) {
	b.add(Finding{ID: id, Status: StatusFail, Message: msg, Remedy: remedy, Err: &FindingError{
		ID: id, KeyID: b.keyName(), Message: msg, Kinds: kinds, Err: cause,
	}})
}

func (b *builder) unknown(id, msg, remedy string, cause error) {
	b.add(Finding{ID: id, Status: StatusUnknown, Message: msg, Remedy: remedy, Err: cause})
}

// missing makes finding id unknown because DescribeKey's KeyMetadata lacks
// field: an answer without it shows nothing.
func (b *builder) missing(id, field string) {
	b.unknown(id, "not checked: DescribeKey answered without KeyMetadata."+field+".", answerRemedy, errNoAnswer("DescribeKey", "KeyMetadata."+field))
}

// describeFailure says why the key's metadata is unknown.
func describeFailure(err error) string {
	switch agentcore.KindOf(err) {
	case agentcore.KindKeyNotFound:
		return "not checked: the key does not exist"
	case agentcore.KindAccessDenied:
		return "not checked: the identity running the preflight may not describe the key"
	}
	return "not checked: DescribeKey failed: " + err.Error()
}

// The remedies of unknown findings say which identity needs what: the one
// running the preflight (the KMS client's) reads the key; the caller role
// in the Target is only judged.
const (
	describeRemedy = "The identity running the preflight (the KMS client's credentials, such as a CI or admin role) needs kms:DescribeKey on the key. The caller role does not: the documented policy-engine statements let it use the key only through AgentCore, so run the preflight as an administrator and name the caller role in the target. Then check again."
	policyRemedy   = "The identity running the preflight (the KMS client's credentials) needs kms:GetKeyPolicy on the key; the caller role in the target does not. Allow it, or review the key policy against the documented one by hand, then check again."
	networkRemedy  = "Check the network, credentials and Region of the KMS client, then check again."
	answerRemedy   = "The KMS endpoint answered without the field this finding reads; check that the client's endpoint (AWS_ENDPOINT_URL_KMS, BaseEndpoint) is AWS KMS, then check again."
)

// remedyFor is the remedy of an unknown finding whose call failed with err,
// or answered without what the finding needs.
func remedyFor(err error) string {
	var mf *MissingFieldError
	if errors.As(err, &mf) {
		return answerRemedy
	}
	return networkRemedy
}

func (b *builder) keyFindings(descErr error) {
	md := b.report.Metadata
	region := b.target.region()
	if md == nil {
		switch agentcore.KindOf(descErr) {
		case agentcore.KindKeyNotFound:
			b.fail(IDKeyExists, fmt.Sprintf("KMS says key %s does not exist: %s", b.report.KeyID, apiMessage(descErr)),
				"Verify the key id, ARN or alias, and that the key exists in the Region the KMS client uses (the target Region is "+region+").",
				descErr, ErrKeyNotFound, ErrAccessDenied)
		case agentcore.KindAccessDenied:
			b.unknown(IDKeyExists, "The identity running the preflight may not describe key "+b.report.KeyID+": "+apiMessage(descErr), describeRemedy, descErr)
		default:
			b.unknown(IDKeyExists, "DescribeKey failed: "+descErr.Error(), remedyFor(descErr), descErr)
		}
		why := describeFailure(descErr)
		for _, id := range []string{IDKeyReference, IDKeySpec, IDKeyUsage, IDKeyState, IDKeyManager, IDKeyRegion, IDKeyAccount, IDKeyMaterialExpiry, IDKeyCustomKeyStore} {
			b.unknown(id, why+".", "", descErr)
		}
		return
	}
	keyARN := aws.ToString(md.Arn)
	b.pass(IDKeyExists, "Key "+keyARN+" exists.")

	switch {
	case b.ref.IsAlias():
		b.warn(IDKeyReference, fmt.Sprintf("Alias %s resolves to key %s; AgentCore takes a key ARN, and an alias can later point elsewhere.", b.report.KeyID, keyARN),
			"Pass the key ARN "+keyARN+" to AgentCore.")
	case b.ref.Form != agentcore.FormKeyARN:
		b.warn(IDKeyReference, fmt.Sprintf("Key id %s is not an ARN; AgentCore takes a key ARN.", b.report.KeyID),
			"Pass the key ARN "+keyARN+" to AgentCore.")
	default:
		b.pass(IDKeyReference, "The key is named by its ARN, as AgentCore requires.")
	}

	notUsable := []error{ErrKeyNotUsable}
	switch {
	case md.KeySpec == "":
		b.missing(IDKeySpec, "KeySpec")
	case md.KeySpec == types.KeySpecSymmetricDefault:
		b.pass(IDKeySpec, "The key spec is SYMMETRIC_DEFAULT.")
	default:
		b.fail(IDKeySpec, fmt.Sprintf("The key spec is %s; AgentCore supports only symmetric encryption keys (SYMMETRIC_DEFAULT).", md.KeySpec),
			"Create a symmetric encryption key (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT) and use it instead; a key's spec cannot be changed.",
			nil, notUsable...)
	}
	switch {
	case md.KeyUsage == "":
		b.missing(IDKeyUsage, "KeyUsage")
	case md.KeyUsage == types.KeyUsageTypeEncryptDecrypt:
		b.pass(IDKeyUsage, "The key usage is ENCRYPT_DECRYPT.")
	default:
		b.fail(IDKeyUsage, fmt.Sprintf("The key usage is %s; AgentCore requires ENCRYPT_DECRYPT.", md.KeyUsage),
			"Create a key with KeyUsage ENCRYPT_DECRYPT and use it instead; a key's usage cannot be changed.",
			nil, notUsable...)
	}
	b.stateFinding(md)

	switch md.KeyManager {
	case "":
		b.missing(IDKeyManager, "KeyManager")
	case types.KeyManagerTypeAws:
		b.fail(IDKeyManager, "The key is AWS managed; its key policy cannot be changed to grant AgentCore the permissions it needs.",
			"Create a customer managed key with the key policy AgentCore documents and use it instead.",
			nil, ErrAccessDenied)
	case types.KeyManagerTypeCustomer:
		b.pass(IDKeyManager, "The key is customer managed.")
	default:
		b.unknown(IDKeyManager, fmt.Sprintf("KMS names key manager %q, which this version does not know.", md.KeyManager), "Check the key's manager by hand.", nil)
	}

	a, err := arn.Parse(keyARN)
	switch {
	case err != nil:
		b.unknown(IDKeyRegion, "The key ARN "+keyARN+" does not parse.", "", err)
		b.unknown(IDKeyAccount, "The key ARN "+keyARN+" does not parse.", "", err)
	default:
		if a.Region == region {
			b.pass(IDKeyRegion, "The key is in "+region+", the target Region.")
		} else if fail, msg, remedy := b.target.regionMismatch(a.Region, region); fail {
			b.fail(IDKeyRegion, msg, remedy, nil, notUsable...)
		} else {
			b.warn(IDKeyRegion, msg, remedy)
		}
		switch acct := b.target.account(); {
		case aws.ToString(md.AWSAccountId) == "":
			b.missing(IDKeyAccount, "AWSAccountId")
		case aws.ToString(md.AWSAccountId) != a.AccountID:
			b.unknown(IDKeyAccount, fmt.Sprintf("DescribeKey names account %s but the key ARN account %s; the answer contradicts itself.", aws.ToString(md.AWSAccountId), a.AccountID), answerRemedy, nil)
		case a.AccountID == acct:
			b.pass(IDKeyAccount, "The key is in account "+acct+", the target account.")
		default:
			b.warn(IDKeyAccount, fmt.Sprintf("The key belongs to account %s, not the target account %s; its key policy must allow the target's principal, and that principal's IAM policies must allow the key.", a.AccountID, acct),
				"Generate the key policy for the key's account and principal, or use a key in account "+acct+".")
		}
	}

	now := b.opts.Now()
	expires := md.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires
	switch {
	case md.Origin == "":
		b.missing(IDKeyMaterialExpiry, "Origin")
	case md.Origin == types.OriginTypeExternal && md.ExpirationModel == "":
		b.missing(IDKeyMaterialExpiry, "ExpirationModel")
	case expires && md.ValidTo == nil:
		b.missing(IDKeyMaterialExpiry, "ValidTo")
	case md.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires && md.ValidTo != nil && !md.ValidTo.After(now):
		b.fail(IDKeyMaterialExpiry, "The imported key material expired on "+md.ValidTo.UTC().Format("2006-01-02 15:04 MST")+".",
			"Reimport the same key material (aws kms import-key-material); data encrypted under the key cannot be decrypted until then.",
			nil, notUsable...)
	case md.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires && md.ValidTo != nil && md.ValidTo.Sub(now) < b.opts.ExpiryWarning:
		b.warn(IDKeyMaterialExpiry, "The imported key material expires on "+md.ValidTo.UTC().Format("2006-01-02 15:04 MST")+"; then the key becomes unusable and AgentCore denies every decision.",
			"Reimport the key material with a later ValidTo, or with KEY_MATERIAL_DOES_NOT_EXPIRE, before it expires.")
	case md.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires && md.ValidTo != nil:
		b.pass(IDKeyMaterialExpiry, "The imported key material is valid until "+md.ValidTo.UTC().Format("2006-01-02")+".")
	case md.Origin == types.OriginTypeExternal && md.ExpirationModel == types.ExpirationModelTypeKeyMaterialDoesNotExpire:
		b.pass(IDKeyMaterialExpiry, "The imported key material does not expire.")
	case md.Origin == types.OriginTypeExternal:
		b.unknown(IDKeyMaterialExpiry, fmt.Sprintf("KMS names expiration model %q, which this version does not know.", md.ExpirationModel), "Check the key material's expiry by hand.", nil)
	default:
		b.pass(IDKeyMaterialExpiry, "The key material is not imported, so it does not expire.")
	}

	inStore := md.Origin == types.OriginTypeAwsCloudhsm || md.Origin == types.OriginTypeExternalKeyStore
	switch id := aws.ToString(md.CustomKeyStoreId); {
	case md.Origin == "":
		b.missing(IDKeyCustomKeyStore, "Origin")
	case inStore && id == "":
		b.missing(IDKeyCustomKeyStore, "CustomKeyStoreId")
	case id != "":
		b.warn(IDKeyCustomKeyStore, "The key is in custom key store "+id+"; it is usable only while the store (a CloudHSM cluster or an external key manager) is connected and available.",
			"Monitor the custom key store; if it disconnects the key becomes Unavailable and AgentCore denies every decision.")
	default:
		b.pass(IDKeyCustomKeyStore, "The key is in the AWS KMS key store.")
	}
}

func (b *builder) stateFinding(md *types.KeyMetadata) {
	keyARN := aws.ToString(md.Arn)
	notUsable := ErrKeyNotUsable
	switch md.KeyState {
	case "":
		b.missing(IDKeyState, "KeyState")
	case types.KeyStateEnabled:
		b.pass(IDKeyState, "The key is Enabled.")
	case types.KeyStateDisabled:
		b.fail(IDKeyState, "The key is Disabled.", "Enable it: aws kms enable-key --key-id "+keyARN, nil, notUsable)
	case types.KeyStatePendingDeletion:
		when := "a date KMS did not give"
		if md.DeletionDate != nil {
			when = md.DeletionDate.UTC().Format("2006-01-02 15:04 MST")
		}
		b.fail(IDKeyState, "The key is pending deletion; KMS deletes it on "+when+", after which nothing it encrypted can be decrypted.",
			"Before "+when+": aws kms cancel-key-deletion --key-id "+keyARN+", then aws kms enable-key --key-id "+keyARN+".", nil, notUsable)
	case types.KeyStatePendingImport:
		b.fail(IDKeyState, "The key is pending import: it has no key material.",
			"Import key material: aws kms get-parameters-for-import, then aws kms import-key-material --key-id "+keyARN+".", nil, notUsable)
	case types.KeyStateUnavailable:
		b.fail(IDKeyState, "The key is Unavailable: its custom key store is disconnected.",
			"Reconnect the custom key store (aws kms connect-custom-key-store) and wait until the key is Enabled.", nil, notUsable)
	default:
		b.fail(IDKeyState, fmt.Sprintf("The key is %s, not Enabled.", md.KeyState),
			"Wait until the key is Enabled, or use an enabled key.", nil, notUsable)
	}
}

func (b *builder) policyFindings(reqs []keypolicy.Requirement, md *types.KeyMetadata, descErr error, out *kms.GetKeyPolicyOutput, err error, called bool) {
	var why, remedy string
	var cause error
	switch {
	case !called:
		why, cause = describeFailure(descErr)+" (an alias must be resolved first)", descErr
	case err != nil && agentcore.KindOf(err) == agentcore.KindAccessDenied:
		why = "The identity running the preflight may not read the key policy (kms:GetKeyPolicy): " + apiMessage(err)
		remedy = policyRemedy
		cause = err
	case err != nil && agentcore.KindOf(err) == agentcore.KindKeyNotFound:
		why, cause = "not checked: the key does not exist", err
	case err != nil:
		why, cause = "GetKeyPolicy failed: "+err.Error(), err
		remedy = networkRemedy
	case out == nil || aws.ToString(out.Policy) == "":
		cause = errNoAnswer("GetKeyPolicy", "Policy")
		why, remedy = "GetKeyPolicy answered without a policy.", answerRemedy
	}
	var doc *keypolicy.Document
	if why == "" {
		var perr error
		doc, perr = keypolicy.Parse([]byte(aws.ToString(out.Policy)))
		if perr != nil {
			why, cause = "The key policy does not parse: "+perr.Error(), perr
		}
	}
	if doc == nil {
		b.unknown(IDPolicyRead, why, remedy, cause)
		for _, r := range reqs {
			b.unknown(IDPolicyPrefix+r.ID, "not checked: the key policy could not be read.", "", cause)
		}
		return
	}
	b.report.Policy = doc
	b.pass(IDPolicyRead, fmt.Sprintf("Read the key policy (%d statements).", len(doc.Statement)))
	// The key ARN from DescribeKey or, when that failed, the one Check was
	// given: statements may name the key by its ARN.
	if keyARN := b.report.KeyARN; keyARN != "" {
		for i := range reqs {
			reqs[i].Request.Resource = keyARN
		}
	}
	an := keypolicy.Analyze(doc, reqs)
	b.report.Analysis = &an
	for _, res := range an.Results {
		r := res.Requirement
		id := IDPolicyPrefix + r.ID
		who := r.Request.Principal
		if r.Caller == keypolicy.CallerService {
			who = r.Request.Service
		}
		what := fmt.Sprintf("%s by %s (%s)", r.Action, who, r.Description)
		// keypolicy takes a statement with a condition operator it does not
		// know as not matching. For an Allow that can only hide an allow;
		// for a Deny it can hide the denial, so an allow is not known.
		if res.OK() {
			if denies := unsupportedDenies(doc, res.Decision.Unsupported); denies != "" {
				b.unknown(id, what+": allowed unless "+denies+" denies it, which cannot be evaluated.",
					"Check the condition by hand, or rewrite it with a supported IAM condition operator, then check again.", nil)
				continue
			}
		}
		switch res.Decision.Verdict {
		case keypolicy.Allow:
			b.pass(id, what+": allowed by "+refs(res.Deciding)+".")
		case keypolicy.AllowIfIAMAllows:
			b.warn(id, what+": allowed only if IAM allows it: "+res.Reason+".", iamAdvice(r))
		default:
			// When the documented statement is missing altogether, adding it
			// is the fix; widening another statement would drop its
			// conditions.
			fix := res.Fix
			if add := statementFix(r); add != "" && (fix == "" || !hasSid(doc, r.Statement)) {
				fix = add
			}
			reason := res.Reason
			if r.Statement != "" && !hasSid(doc, r.Statement) && res.Decision.Verdict == keypolicy.ImplicitDeny {
				reason = fmt.Sprintf("the documented statement %q is missing and no other statement allows it", r.Statement)
			}
			b.fail(id, what+": denied: "+reason+".", upperFirst(fix)+".", nil, ErrAccessDenied)
		}
	}
}

// unsupportedDenies names the Deny statements among us, with their
// operators, or returns "".
func unsupportedDenies(doc *keypolicy.Document, us []keypolicy.UnsupportedOperator) string {
	var parts []string
	for _, u := range us {
		if doc.Statement[u.Statement].Effect == keypolicy.EffectDeny {
			parts = append(parts, fmt.Sprintf("Deny statement %s with condition operator %q", keypolicy.StatementRef{Index: u.Statement, Sid: u.Sid}, u.Operator))
		}
	}
	return strings.Join(parts, " or ")
}

func refs(rs []keypolicy.StatementRef) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = "statement " + r.String()
	}
	return strings.Join(parts, ", ")
}

func upperFirst(s string) string {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// dryRunFinding judges the GenerateDataKey dry run. A KMS dry run never
// succeeds: DryRunOperationException is its only answer that shows the
// request would work. A success (an HTTP 200, whatever its body) means the
// endpoint is not KMS or ignored DryRun, so the finding is unknown.
func (b *builder) dryRunFinding(err error, called bool, descErr error) {
	const id = IDDryRunGenerateDataKey
	what, denied := b.target.dryRunText()
	switch kind := agentcore.KindOf(err); {
	case !called:
		b.unknown(id, describeFailure(descErr)+" (an alias must be resolved first).", "", descErr)
	case err == nil:
		b.unknown(id, what+": KMS answered with success instead of DryRunOperationException, so the endpoint is not KMS or ignored DryRun; the dry run shows nothing.",
			"Check that the client's endpoint (AWS_ENDPOINT_URL_KMS, BaseEndpoint) is AWS KMS, then check again.", errNoAnswer("GenerateDataKey", "DryRunOperationException"))
	case kind == agentcore.KindDryRunSucceeded:
		b.pass(id, what+": allowed for the identity running the preflight.")
	case kind == agentcore.KindAccessDenied:
		b.fail(id, what+": denied for the identity running the preflight: "+apiMessage(err),
			denied+" The dry run runs as the KMS client's identity: if that is not the caller role, run the preflight with the caller's credentials, or skip the dry run (Options.SkipDryRun) and rely on the key-policy findings.",
			err, ErrAccessDenied)
	case kind == agentcore.KindKeyNotUsable || kind == agentcore.KindKeyNotFound:
		b.unknown(id, what+": not probed, the key cannot be used now: "+apiMessage(err), "Fix the key findings, then check again.", err)
	default:
		b.unknown(id, what+" failed: "+err.Error(), networkRemedy, err)
	}
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorMessage() != "" {
		return ae.ErrorMessage()
	}
	return err.Error()
}

func hasSid(doc *keypolicy.Document, sid string) bool {
	for _, s := range doc.Statement {
		if s.Sid == sid {
			return true
		}
	}
	return false
}
