package policyenginetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/internal/emu"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// The error messages AgentCore documents for encrypted policy engines.
const (
	// MessageAccessDenied is the message of the AccessDeniedException the
	// service returns when a KMS call on the caller's behalf is denied or the
	// key does not exist.
	//
	// Deprecated: use the value from package agentcorekms's root or
	// policyengine; this alias is kept for existing callers.
	MessageAccessDenied = agentcore.MessageAccessDenied
	// MessageKeyNotUsable is the message of the ValidationException the
	// service returns when the key is not a symmetric ENCRYPT_DECRYPT key in
	// the Enabled state.
	//
	// Deprecated: as for MessageAccessDenied.
	MessageKeyNotUsable = agentcore.MessageKeyNotUsable
	// MessageKeyImmutable is the ValidationException message of an update
	// that tries to change or remove an engine's encryption key: the
	// documentation says a customer managed key "CANNOT" be changed or
	// removed once it encrypts an engine, nor added to an unencrypted one.
	MessageKeyImmutable = "The encryption key of a policy engine cannot be added, changed or removed after creation."
)

// Names of the two grants the emulator creates for an encrypted engine. The
// engine id follows the prefix.
const (
	ManagementGrantPrefix = "bedrock-agentcore-policy-management-"
	EvaluationGrantPrefix = "bedrock-agentcore-policy-evaluation-"
)

// ManagementGrantOperations and EvaluationGrantOperations list the operations
// of the two grants, as the documentation describes them.
func ManagementGrantOperations() []kmstypes.GrantOperation {
	return []kmstypes.GrantOperation{
		kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt,
		kmstypes.GrantOperationGenerateDataKey, kmstypes.GrantOperationGenerateDataKeyWithoutPlaintext,
	}
}

// EvaluationGrantOperations lists the operations of the policy evaluation
// grant: decrypt and re-encrypt, for runtime evaluation.
func EvaluationGrantOperations() []kmstypes.GrantOperation {
	return []kmstypes.GrantOperation{
		kmstypes.GrantOperationDecrypt, kmstypes.GrantOperationReEncryptFrom, kmstypes.GrantOperationReEncryptTo,
	}
}

// Operation names, as used by [ControlPlane.InjectFault] and recorded in
// [Request.Operation].
const (
	OpCreatePolicyEngine        = "CreatePolicyEngine"
	OpGetPolicyEngine           = "GetPolicyEngine"
	OpUpdatePolicyEngine        = "UpdatePolicyEngine"
	OpDeletePolicyEngine        = "DeletePolicyEngine"
	OpListPolicyEngines         = "ListPolicyEngines"
	OpListPolicyEngineSummaries = "ListPolicyEngineSummaries"
	OpGetPolicyEngineSummary    = "GetPolicyEngineSummary"
	OpTagResource               = "TagResource"
	OpUntagResource             = "UntagResource"
	OpListTagsForResource       = "ListTagsForResource"
)

// Options configures a [ControlPlane]. The field names are those of every
// emulator in this module (kmstest.Options, batchevaltest.Options).
type Options struct {
	// Region is the Region the control plane serves. If empty, the KMS's
	// Region.
	Region string
	// Account is the account of principals whose ARN names none. If empty,
	// the KMS's account. Engines belong to their creator's account.
	Account string
	// Now returns the current time. If nil, the KMS's clock.
	Now func() time.Time
	// ActivationDelay is how long an engine stays CREATING (and UPDATING
	// after an update). If zero, an engine is ACTIVE from the first request
	// after the one that created it.
	ActivationDelay time.Duration
	// DeletionDelay is how long an engine stays DELETING, visible to Get and
	// List, before the service retires its grants and removes it. If zero,
	// the first request after the DeletePolicyEngine does that.
	DeletionDelay time.Duration
	// Latency is added to every request before it is handled. If zero, none.
	// [ControlPlane.SetLatency] changes it later.
	Latency time.Duration
	// MaxRequests is how many of the most recent requests
	// [ControlPlane.Requests] keeps. If zero, 10,000; if negative, none
	// ([ControlPlane.RequestCount] still counts).
	MaxRequests int
}

// Fault is an error response injected with [ControlPlane.InjectFault].
type Fault = emu.Fault

// ThrottlingFault returns the ThrottlingException fault (HTTP 429), which the
// SDK retries.
func ThrottlingFault() Fault { return emu.ThrottlingFault() }

// InternalFault returns the InternalServerException fault (HTTP 500), which
// the SDK retries.
func InternalFault() Fault { return emu.InternalFault() }

// Request records one request the control plane served: its operation
// (such as "CreatePolicyEngine", or "" for a request that matched no
// operation), access key, principal, HTTP status, error code and time on
// the control plane's clock. It is the type every HTTP emulator of the
// module records.
type Request = emu.Request

// ControlPlane is an in-memory AgentCore control plane for policy engines. It
// is safe for concurrent use.
type ControlPlane struct {
	opts      Options
	keys      keyService
	partition awspartition.Partition

	front *emu.Front // faults, latency, requests and their counts

	mu      sync.Mutex
	engines map[string]*engine // by id
	names   map[string]string  // account + name -> id, including creations in flight
	tokens  map[string]*tokenEntry

	needsKey map[string]bool // read operations: see readsNeedKey
}

type tokenEntry struct {
	fingerprint string
	id          string
}

// engine is one policy engine. Its mutable fields are guarded by mu.
type engine struct {
	id, name, arn, keyARN string
	principal             string // the creator
	account               string
	createdAt             time.Time

	mu          sync.Mutex
	status      types.PolicyEngineStatus
	reasons     []string
	updatedAt   time.Time
	description string // plaintext when keyARN == ""
	sealed      []byte // emu.Seal(data key, description) when keyARN != ""
	dataKey     []byte // the KMS ciphertext of the data key
	grantIDs    [2]string
	readyAt     time.Time // when CREATING or UPDATING ends
	deleteAt    time.Time // when DELETING ends
	gone        bool      // removed; lookups that raced with the removal answer 404
	tags        map[string]string
}

// kmsAPI is the part of KMS the control plane calls, with the signatures of
// *kms.Client.
type kmsAPI interface {
	DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	CreateGrant(context.Context, *kms.CreateGrantInput, ...func(*kms.Options)) (*kms.CreateGrantOutput, error)
	RetireGrant(context.Context, *kms.RetireGrantInput, ...func(*kms.Options)) (*kms.RetireGrantOutput, error)
	GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error)
	ReEncrypt(context.Context, *kms.ReEncryptInput, ...func(*kms.Options)) (*kms.ReEncryptOutput, error)
}

// caller is who a KMS request is made as.
type caller struct {
	principal  string // IAM principal, for calls on the caller's behalf
	service    string // service principal, for calls through grants
	viaService string
	context    map[string][]string
}

// keyService is the KMS the control plane uses.
type keyService interface {
	as(caller) kmsAPI
	principalFor(accessKeyID string) (string, bool)
}

// New returns a control plane that keeps its policy engines' data under keys
// of k and identifies HTTP callers by the access keys mapped in k
// ([kmstest.KMS.MapAccessKey]); a request signed with an access key k does
// not know is refused with UnrecognizedClientException, as AWS refuses it,
// unless k opted in to a default caller (kmstest.Options.DefaultCaller). A
// nil k is refused with a panic, as a nil dependency is a programming error.
func New(k *kmstest.KMS, optFns ...func(*Options)) *ControlPlane {
	if k == nil {
		panic("policyenginetest: New needs a *kmstest.KMS")
	}
	ko := k.Options()
	return newControlPlane(kmstestKeys{k}, ko.Region, ko.Account, ko.Now, optFns...)
}

func newControlPlane(keys keyService, region, account string, now func() time.Time, optFns ...func(*Options)) *ControlPlane {
	o := Options{Region: region, Account: account, Now: now}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	part, ok := awspartition.ForRegion(o.Region)
	if !ok {
		part, _ = awspartition.ByID("aws")
	}
	c := &ControlPlane{
		opts: o, keys: keys, partition: part,
		front:   emu.NewFront(o.MaxRequests, o.Latency),
		engines: map[string]*engine{}, names: map[string]string{},
		tokens:   map[string]*tokenEntry{},
		needsKey: readsNeedKey(),
	}
	return c
}

// readsNeedKey returns, for each read operation the control plane serves,
// whether it decrypts the engine's data as the caller, and so fails while
// the key is unavailable: what the consumer model says
// (keypolicy.Consumer.FailsWhenUnavailable), so that the fact lives once.
// An operation the model does not know decrypts: the emulator refuses
// rather than answers what AWS may refuse. Update and delete always
// decrypt: they need the engine's data.
func readsNeedKey() map[string]bool {
	m, _ := keypolicy.ConsumerByName(keypolicy.ConsumerPolicyEngine)
	out := map[string]bool{}
	for _, op := range []string{OpGetPolicyEngine, OpListPolicyEngines, OpGetPolicyEngineSummary, OpListPolicyEngineSummaries} {
		fails, known := m.FailsWhenUnavailable(op)
		out[op] = fails || !known
	}
	return out
}

// NewServer starts an HTTP server on loopback serving the control plane. The
// caller closes it.
func (c *ControlPlane) NewServer() *httptest.Server {
	return httptest.NewServer(c)
}

// SetLatency changes the latency added to every request; d <= 0 means none.
func (c *ControlPlane) SetLatency(d time.Duration) {
	if c == nil {
		return
	}
	c.front.Latency.SetLatency(d)
}

// InjectFault makes the next n requests for operation op (one of the Op
// constants; "" or "*" for any operation) fail with f before they are
// handled, after the faults already injected: faults append, they never
// replace.
func (c *ControlPlane) InjectFault(op string, f Fault, n int) {
	if c == nil {
		return
	}
	c.front.Faults.InjectFault(op, f, n)
}

// Requests returns the most recent requests served (at most
// Options.MaxRequests), oldest first, including failed ones.
func (c *ControlPlane) Requests() []Request {
	if c == nil {
		return nil
	}
	return c.front.Requests()
}

// RequestCount reports how many requests for operation op the control plane
// has received, including failed ones and those no longer kept by
// [ControlPlane.Requests].
func (c *ControlPlane) RequestCount(op string) int {
	if c == nil {
		return 0
	}
	return c.front.RequestCount(op)
}

// Region returns the Region the control plane serves.
func (c *ControlPlane) Region() string {
	if c == nil {
		return ""
	}
	return c.opts.Region
}

// ViaService returns the kms:ViaService value of the control plane's
// requests on a caller's behalf, such as
// "bedrock-agentcore.us-east-1.amazonaws.com".
func (c *ControlPlane) ViaService() string {
	if c == nil {
		return ""
	}
	return c.partition.ServiceHost(keypolicy.ServiceName, c.opts.Region)
}

// apiError is an error response of the control plane.
type apiError struct {
	status  int
	code    string
	message string
	reason  types.ValidationExceptionReason
	fields  []types.ValidationExceptionField
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func validationError(reason types.ValidationExceptionReason, msg string, fields ...types.ValidationExceptionField) *apiError {
	return &apiError{status: http.StatusBadRequest, code: agentcore.CodeValidation, message: msg, reason: reason, fields: fields}
}

func fieldError(name, msg string) *apiError {
	return validationError(types.ValidationExceptionReasonFieldValidationFailed, msg,
		types.ValidationExceptionField{Name: aws.String(name), Message: aws.String(msg)})
}

// inputError renders an *agentcore.InputError as the service's
// ValidationException for the member it names.
func inputError(err error) *apiError {
	return fieldError(fieldOf(err), err.Error())
}

func fieldOf(err error) string {
	if ie, ok := err.(*agentcore.InputError); ok && ie != nil {
		return ie.Field
	}
	return ""
}

func notFound(id string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException", message: fmt.Sprintf("Policy engine %s not found", id)}
}

func conflict(msg string) *apiError {
	return &apiError{status: http.StatusConflict, code: "ConflictException", message: msg}
}

func internalError(msg string) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "InternalServerException", message: msg}
}

func keyAccessDenied() *apiError {
	return &apiError{status: http.StatusForbidden, code: agentcore.CodeAccessDenied, message: agentcore.MessageAccessDenied}
}

func keyNotUsable() *apiError {
	return validationError(types.ValidationExceptionReasonFieldValidationFailed, agentcore.MessageKeyNotUsable,
		types.ValidationExceptionField{Name: aws.String("encryptionKeyArn"), Message: aws.String(agentcore.MessageKeyNotUsable)})
}

// kmsError translates an error from KMS into the service's documented answer
// with the one classification of internal/agentcore: an unusable key gives
// ValidationException, a denial or a missing key AccessDeniedException, a
// throttled or failed KMS a retryable error, and anything else access
// denied (the service does not say more about a key it cannot use).
func kmsError(err error) *apiError {
	switch agentcore.KindOf(err) {
	case agentcore.KindKeyNotUsable:
		return keyNotUsable()
	case agentcore.KindThrottled:
		return &apiError{status: http.StatusTooManyRequests, code: agentcore.CodeThrottling, message: "Rate exceeded"}
	case agentcore.KindServiceError:
		return internalError("AWS KMS failed; try again")
	}
	return keyAccessDenied()
}

// Patterns of the service model (AgentCore control-plane API reference).
var (
	nameRE        = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}$`)
	engineIDRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*-[a-z0-9_]{10}$`)
	clientTokenRE = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$`)
	// taggableARNRE is TaggableResourcesArn.
	taggableARNRE = regexp.MustCompile(`^arn:(?:[^:]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:([a-z-]+/[^/]+)(?:/[a-z-]+/[^/]+)*$`)
)

// checkEngineID validates a policyEngineId label: 12 to 59 characters of
// [A-Za-z][A-Za-z0-9_]*-[a-z0-9_]{10}.
func checkEngineID(id string) *apiError {
	if len(id) < 12 || len(id) > 59 || !engineIDRE.MatchString(id) {
		return fieldError("policyEngineId", fmt.Sprintf("1 validation error detected: Value %q at 'policyEngineId' failed to satisfy constraint: Member must have length between 12 and 59 and satisfy regular expression pattern: [A-Za-z][A-Za-z0-9_]*-[a-z0-9_]{10}", id))
	}
	return nil
}

// createRequest is the body of CreatePolicyEngine.
type createRequest struct {
	Name             *string           `json:"name"`
	Description      *string           `json:"description"`
	ClientToken      *string           `json:"clientToken"`
	EncryptionKeyArn *string           `json:"encryptionKeyArn"`
	Tags             map[string]string `json:"tags"`
}

func (r *createRequest) fingerprint() string {
	var b strings.Builder
	for _, s := range []*string{r.Name, r.Description, r.EncryptionKeyArn} {
		b.WriteString(aws.ToString(s))
		b.WriteByte(0)
	}
	keys := make([]string, 0, len(r.Tags))
	for k := range r.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k + "=" + r.Tags[k])
		b.WriteByte(0)
	}
	return b.String()
}

func checkDescription(d *string) *apiError {
	if d != nil && (*d == "" || utf8.RuneCountInString(*d) > 4096) {
		return fieldError("description", "description must be 1-4096 characters")
	}
	return nil
}

func (c *ControlPlane) validateCreate(r *createRequest) *apiError {
	name := aws.ToString(r.Name)
	switch {
	case r.Name == nil:
		return fieldError("name", "name is required")
	case !nameRE.MatchString(name):
		return fieldError("name", "name must match ^[A-Za-z][A-Za-z0-9_]*$ and be 1-48 characters")
	case checkDescription(r.Description) != nil:
		return checkDescription(r.Description)
	case r.ClientToken != nil && (len(*r.ClientToken) < 33 || len(*r.ClientToken) > 256 || !clientTokenRE.MatchString(*r.ClientToken)):
		return fieldError("clientToken", "clientToken must be 33-256 characters of letters, digits and hyphens")
	}
	if err := agentcore.CheckTags(r.Tags); err != nil {
		return inputError(err)
	}
	if r.EncryptionKeyArn != nil {
		// The documented pattern is checked before any KMS call, so a
		// malformed ARN is a ValidationException, never an access denial.
		if err := agentcore.CheckKeyARN("encryptionKeyArn", *r.EncryptionKeyArn); err != nil {
			return inputError(err)
		}
	}
	return nil
}

// create handles CreatePolicyEngine for principal.
func (c *ControlPlane) create(ctx context.Context, principal string, r *createRequest) (*engine, *apiError) {
	if e := c.validateCreate(r); e != nil {
		return nil, e
	}
	account := c.accountOf(principal)
	name := *r.Name
	fp := r.fingerprint()

	c.mu.Lock()
	if r.ClientToken != nil {
		if t, ok := c.tokens[account+"\x00"+*r.ClientToken]; ok {
			c.mu.Unlock()
			if t.fingerprint != fp {
				return nil, validationError(types.ValidationExceptionReasonIdempotentParameterMismatchException,
					"The client token was already used with different parameters")
			}
			return c.lookupForToken(t.id)
		}
	}
	if _, taken := c.names[account+"\x00"+name]; taken {
		c.mu.Unlock()
		return nil, conflict(fmt.Sprintf("A policy engine named %s already exists", name))
	}
	id := name + "-" + randomSuffix()
	c.names[account+"\x00"+name] = id
	if r.ClientToken != nil {
		// Reserve the token so that a concurrent retry waits for this result.
		c.tokens[account+"\x00"+*r.ClientToken] = &tokenEntry{fingerprint: fp, id: id}
	}
	c.mu.Unlock()

	now := c.opts.Now().UTC()
	e := &engine{
		id: id, name: name, keyARN: aws.ToString(r.EncryptionKeyArn),
		arn:       "arn:" + c.partition.ID + ":" + keypolicy.ServiceName + ":" + c.opts.Region + ":" + account + ":policy-engine/" + id,
		principal: principal, account: account, createdAt: now,
		status: types.PolicyEngineStatusCreating, reasons: []string{}, updatedAt: now,
		description: aws.ToString(r.Description),
		readyAt:     now.Add(c.opts.ActivationDelay),
		tags:        copyTags(r.Tags),
	}
	if e.keyARN != "" {
		if err := c.encrypt(ctx, e); err != nil {
			c.mu.Lock()
			delete(c.names, account+"\x00"+name)
			if r.ClientToken != nil {
				delete(c.tokens, account+"\x00"+*r.ClientToken)
			}
			c.mu.Unlock()
			return nil, err
		}
	}
	c.mu.Lock()
	c.engines[id] = e
	c.mu.Unlock()
	return e, nil
}

func copyTags(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (c *ControlPlane) lookupForToken(id string) (*engine, *apiError) {
	c.mu.Lock()
	e, ok := c.engines[id]
	c.mu.Unlock()
	if !ok {
		return nil, conflict("A request with this client token is in progress or its policy engine was deleted")
	}
	return e, nil
}

// encrypt does what the service does for a new encrypted engine: validate
// the key and create both grants as the caller through the service, then
// seal the engine's data under a data key generated through the management
// grant.
func (c *ControlPlane) encrypt(ctx context.Context, e *engine) *apiError {
	asCaller := c.keys.as(c.onBehalfOf(e.principal))
	out, err := asCaller.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(e.keyARN)})
	if err != nil {
		return kmsError(err)
	}
	md := out.KeyMetadata
	if md == nil || md.KeySpec != kmstypes.KeySpecSymmetricDefault ||
		md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt || md.KeyState != kmstypes.KeyStateEnabled {
		return keyNotUsable()
	}
	ec := map[string]string{agentcore.PolicyEngineContextKey: e.arn}
	grants := []struct {
		name string
		ops  []kmstypes.GrantOperation
	}{
		{ManagementGrantPrefix + e.id, ManagementGrantOperations()},
		{EvaluationGrantPrefix + e.id, EvaluationGrantOperations()},
	}
	for i, g := range grants {
		out, err := asCaller.CreateGrant(ctx, &kms.CreateGrantInput{
			KeyId:             aws.String(e.keyARN),
			GranteePrincipal:  aws.String(agentcore.ServicePrincipal),
			RetiringPrincipal: aws.String(agentcore.ServicePrincipal),
			Operations:        g.ops,
			Constraints:       &kmstypes.GrantConstraints{EncryptionContextSubset: ec},
			Name:              aws.String(g.name),
		})
		if err != nil {
			c.retireGrants(ctx, e)
			return kmsError(err)
		}
		e.grantIDs[i] = aws.ToString(out.GrantId)
	}
	dk, err := c.keys.as(c.cryptoOnBehalfOf(e.principal, e)).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(e.keyARN), KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: ec,
	})
	if err != nil {
		c.retireGrants(ctx, e)
		return kmsError(err)
	}
	sealed, err := emu.Seal(dk.Plaintext, []byte(e.description))
	if err != nil {
		c.retireGrants(ctx, e)
		return internalError(err.Error())
	}
	e.dataKey, e.sealed, e.description = dk.CiphertextBlob, sealed, ""
	return nil
}

// onBehalfOf is a request made with the caller's identity through the
// service (a forward access session).
func (c *ControlPlane) onBehalfOf(principal string) caller {
	return caller{principal: principal, viaService: c.ViaService()}
}

// cryptoOnBehalfOf is a cryptographic request for the engine's data made
// with the caller's identity through the service: the documented "KMS
// operations" statement allows it, and it carries the source context that
// the statement's documented variant checks.
func (c *ControlPlane) cryptoOnBehalfOf(principal string, e *engine) caller {
	cl := c.onBehalfOf(principal)
	cl.context = map[string][]string{"aws:SourceAccount": {e.account}, "aws:SourceArn": {e.arn}}
	return cl
}

// asService is a request the service makes with its own identity through
// the grants, with the documented source context.
func (c *ControlPlane) asService(e *engine) caller {
	return caller{service: agentcore.ServicePrincipal, context: map[string][]string{
		"aws:SourceAccount": {e.account},
		"aws:SourceArn":     {e.arn},
	}}
}

// retireGrants retires the engine's grants as the service. It returns the
// first error other than a grant that is already gone, or nil once every
// grant is retired.
func (c *ControlPlane) retireGrants(ctx context.Context, e *engine) error {
	var first error
	for i, id := range e.grantIDs {
		if id == "" {
			continue
		}
		_, err := c.keys.as(c.asService(e)).RetireGrant(ctx, &kms.RetireGrantInput{
			KeyId: aws.String(e.keyARN), GrantId: aws.String(id),
		})
		if err != nil && agentcore.KindOf(err) != agentcore.KindKeyNotFound {
			// A grant revoked or retired by someone else is gone too
			// (NotFoundException); anything else leaves it in place.
			if first == nil {
				first = err
			}
			continue
		}
		e.grantIDs[i] = ""
	}
	return first
}

// advance moves an engine forward once its time has come: CREATING and
// UPDATING end once the evaluation grant can re-encrypt the engine's data
// key (CREATE_FAILED or UPDATE_FAILED with the documented reason if it
// cannot); DELETING ends with the engine removed. e.mu is held.
func (c *ControlPlane) advance(ctx context.Context, e *engine) {
	now := c.opts.Now()
	switch e.status {
	case types.PolicyEngineStatusCreating, types.PolicyEngineStatusUpdating:
		if now.Before(e.readyAt) {
			return
		}
		failed := types.PolicyEngineStatusCreateFailed
		if e.status == types.PolicyEngineStatusUpdating {
			failed = types.PolicyEngineStatusUpdateFailed
		}
		if e.keyARN != "" {
			// Re-encrypting the data key is what only the evaluation grant
			// allows (ReEncryptFrom and ReEncryptTo).
			ec := map[string]string{agentcore.PolicyEngineContextKey: e.arn}
			out, err := c.keys.as(c.asService(e)).ReEncrypt(ctx, &kms.ReEncryptInput{
				CiphertextBlob: e.dataKey, SourceKeyId: aws.String(e.keyARN), DestinationKeyId: aws.String(e.keyARN),
				SourceEncryptionContext: ec, DestinationEncryptionContext: ec,
			})
			if err != nil {
				e.status, e.reasons, e.updatedAt = failed, []string{kmsError(err).message}, now.UTC()
				return
			}
			e.dataKey = out.CiphertextBlob
		}
		e.status, e.reasons, e.updatedAt = types.PolicyEngineStatusActive, []string{}, now.UTC()
	case types.PolicyEngineStatusDeleting:
		if now.Before(e.deleteAt) {
			return
		}
		e.gone = true
		c.mu.Lock()
		delete(c.engines, e.id)
		delete(c.names, e.account+"\x00"+e.name)
		for k, t := range c.tokens {
			if t.id == e.id {
				delete(c.tokens, k)
			}
		}
		c.mu.Unlock()
	}
}

// open decrypts the engine's data as the caller through the service and
// returns the data key and the description.
func (c *ControlPlane) open(ctx context.Context, principal string, e *engine) ([]byte, string, *apiError) {
	if e.keyARN == "" {
		return nil, e.description, nil
	}
	out, err := c.keys.as(c.cryptoOnBehalfOf(principal, e)).Decrypt(ctx, &kms.DecryptInput{
		KeyId: aws.String(e.keyARN), CiphertextBlob: e.dataKey,
		EncryptionContext: map[string]string{agentcore.PolicyEngineContextKey: e.arn},
	})
	if err != nil {
		return nil, "", kmsError(err)
	}
	plain, err := emu.Open(out.Plaintext, e.sealed)
	if err != nil {
		return nil, "", internalError(err.Error())
	}
	return out.Plaintext, string(plain), nil
}

// lookup returns the engine id in principal's account. The caller locks
// e.mu and checks e.gone.
func (c *ControlPlane) lookup(principal, id string) (*engine, *apiError) {
	if err := checkEngineID(id); err != nil {
		return nil, err
	}
	c.mu.Lock()
	e, ok := c.engines[id]
	c.mu.Unlock()
	if !ok || e.account != c.accountOf(principal) {
		return nil, notFound(id)
	}
	return e, nil
}

// locked looks the engine up, locks it and moves it forward. The caller
// unlocks e.mu.
func (c *ControlPlane) locked(ctx context.Context, principal, id string) (*engine, *apiError) {
	e, err := c.lookup(principal, id)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	c.advance(ctx, e)
	if e.gone {
		e.mu.Unlock()
		return nil, notFound(id)
	}
	return e, nil
}

// view is an engine's fields as the API returns them.
type view struct {
	ID, Name, ARN, KeyARN string
	Description           *string
	Status                types.PolicyEngineStatus
	Reasons               []string
	CreatedAt, UpdatedAt  time.Time
}

func (e *engine) view(desc *string) view {
	return view{
		ID: e.id, Name: e.name, ARN: e.arn, KeyARN: e.keyARN, Description: desc,
		Status: e.status, Reasons: append([]string{}, e.reasons...),
		CreatedAt: e.createdAt, UpdatedAt: e.updatedAt,
	}
}

func (c *ControlPlane) get(ctx context.Context, principal, id string) (view, *apiError) {
	return c.read(ctx, principal, id, OpGetPolicyEngine)
}

func (c *ControlPlane) summary(ctx context.Context, principal, id string) (view, *apiError) {
	return c.read(ctx, principal, id, OpGetPolicyEngineSummary)
}

// read returns the engine id as read operation op sees it: with its
// description when op decrypts the engine's data (c.needsKey), metadata
// only otherwise.
func (c *ControlPlane) read(ctx context.Context, principal, id, op string) (view, *apiError) {
	e, err := c.locked(ctx, principal, id)
	if err != nil {
		return view{}, err
	}
	defer e.mu.Unlock()
	if !c.needsKey[op] {
		return e.view(nil), nil
	}
	_, desc, err := c.open(ctx, principal, e)
	if err != nil {
		return view{}, err
	}
	return e.view(optional(desc)), nil
}

// updateRequest is the body of UpdatePolicyEngine. EncryptionKeyArn is not
// a member of the request; it is read to refuse a raw request that tries to
// change or remove the key.
type updateRequest struct {
	Description *struct {
		OptionalValue *string `json:"optionalValue"`
	} `json:"description"`
	EncryptionKeyArn jsonPresence `json:"encryptionKeyArn"`
}

// jsonPresence records whether a member was present, even as null.
type jsonPresence bool

// UnmarshalJSON records presence.
func (p *jsonPresence) UnmarshalJSON([]byte) error { *p = true; return nil }

// update handles UpdatePolicyEngine: the description changes (an absent
// optionalValue clears it), the key never does. For an encrypted engine the
// caller must be able to decrypt its data and the new data is sealed under
// the same data key; the engine is UPDATING until Options.ActivationDelay
// has passed and the service can use the key.
func (c *ControlPlane) update(ctx context.Context, principal, id string, r *updateRequest) (view, *apiError) {
	if r.EncryptionKeyArn {
		return view{}, fieldError("encryptionKeyArn", MessageKeyImmutable)
	}
	var desc *string
	if r.Description != nil {
		desc = r.Description.OptionalValue
		if err := checkDescription(desc); err != nil {
			return view{}, err
		}
	}
	e, err := c.locked(ctx, principal, id)
	if err != nil {
		return view{}, err
	}
	defer e.mu.Unlock()
	switch e.status {
	case types.PolicyEngineStatusActive, types.PolicyEngineStatusUpdateFailed:
	default:
		return view{}, conflict(fmt.Sprintf("Policy engine %s is %s and cannot be updated", e.id, e.status))
	}
	dataKey, current, err := c.open(ctx, principal, e)
	if err != nil {
		return view{}, err
	}
	next := current
	if r.Description != nil {
		next = aws.ToString(desc)
	}
	if e.keyARN != "" {
		sealed, serr := emu.Seal(dataKey, []byte(next))
		if serr != nil {
			return view{}, internalError(serr.Error())
		}
		e.sealed = sealed
	} else {
		e.description = next
	}
	now := c.opts.Now()
	e.status, e.reasons, e.updatedAt, e.readyAt = types.PolicyEngineStatusUpdating, []string{}, now.UTC(), now.Add(c.opts.ActivationDelay)
	return e.view(optional(next)), nil
}

// delete handles DeletePolicyEngine: the caller must be able to decrypt the
// engine's data (the documentation: without access to the key you cannot
// delete resources it encrypts). The service then retires both grants
// ("automatically", the documentation says, without saying when; the
// emulator does it as it accepts the request, the earliest moment) and the
// engine is DELETING until Options.DeletionDelay has passed, when it is
// removed. If a grant cannot be retired, the response still says DELETING,
// as the request was accepted, and the engine is DELETE_FAILED from then on,
// with the reason in statusReasons; deleting it again retries.
func (c *ControlPlane) delete(ctx context.Context, principal, id string) (view, *apiError) {
	e, err := c.locked(ctx, principal, id)
	if err != nil {
		return view{}, err
	}
	defer e.mu.Unlock()
	if e.status == types.PolicyEngineStatusDeleting {
		return view{}, conflict(fmt.Sprintf("Policy engine %s is already being deleted", e.id))
	}
	_, desc, err := c.open(ctx, principal, e)
	if err != nil {
		return view{}, err
	}
	now := c.opts.Now()
	e.status, e.reasons, e.updatedAt, e.deleteAt = types.PolicyEngineStatusDeleting, []string{}, now.UTC(), now.Add(c.opts.DeletionDelay)
	v := e.view(optional(desc))
	if rerr := c.retireGrants(ctx, e); rerr != nil {
		e.status = types.PolicyEngineStatusDeleteFailed
		e.reasons = []string{"The KMS grants of the policy engine could not be retired (" + agentcore.ErrorCode(rerr) + "); delete it again to retry."}
	}
	return v, nil
}

// engineForARN returns the engine a taggable resource ARN names, in the
// caller's account.
func (c *ControlPlane) engineForARN(ctx context.Context, principal, resourceARN string) (*engine, *apiError) {
	if len(resourceARN) < 20 || len(resourceARN) > 1011 || !taggableARNRE.MatchString(resourceARN) {
		return nil, fieldError("resourceArn", fmt.Sprintf("1 validation error detected: Value %q at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(?:[^:]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:([a-z-]+/[^/]+)(?:/[a-z-]+/[^/]+)*", resourceARN))
	}
	id, isEngine := strings.CutPrefix(resourceARN[strings.LastIndex(resourceARN, ":")+1:], "policy-engine/")
	notThere := &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException", message: "Resource " + resourceARN + " not found"}
	if !isEngine || checkEngineID(id) != nil {
		return nil, notThere
	}
	e, err := c.locked(ctx, principal, id)
	if err != nil {
		return nil, notThere
	}
	if e.arn != resourceARN {
		e.mu.Unlock()
		return nil, notThere
	}
	return e, nil
}

// tag, untag and listTags serve the tag operations. Tags are metadata the
// service keeps in the clear: they need no KMS call.
func (c *ControlPlane) tag(ctx context.Context, principal, resourceARN string, tags map[string]string) *apiError {
	if tags == nil {
		return fieldError("tags", "tags is required")
	}
	if err := agentcore.CheckTags(tags); err != nil {
		return inputError(err)
	}
	e, err := c.engineForARN(ctx, principal, resourceARN)
	if err != nil {
		return err
	}
	defer e.mu.Unlock()
	merged := copyTags(e.tags)
	for k, v := range tags {
		merged[k] = v
	}
	if len(merged) > agentcore.MaxTags {
		return &apiError{status: http.StatusPaymentRequired, code: "ServiceQuotaExceededException",
			message: fmt.Sprintf("A resource can have at most %d tags", agentcore.MaxTags)}
	}
	e.tags = merged
	return nil
}

func (c *ControlPlane) untag(ctx context.Context, principal, resourceARN string, keys []string) *apiError {
	if len(keys) == 0 {
		return fieldError("tagKeys", "tagKeys is required")
	}
	if err := agentcore.CheckTagKeys(keys); err != nil {
		return inputError(err)
	}
	e, err := c.engineForARN(ctx, principal, resourceARN)
	if err != nil {
		return err
	}
	defer e.mu.Unlock()
	for _, k := range keys {
		delete(e.tags, k)
	}
	return nil
}

func (c *ControlPlane) listTags(ctx context.Context, principal, resourceARN string) (map[string]string, *apiError) {
	e, err := c.engineForARN(ctx, principal, resourceARN)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	return copyTags(e.tags), nil
}

// list returns one page of principal's engines, in id order, after the
// token, as listing operation op sees them (see read).
func (c *ControlPlane) list(ctx context.Context, principal string, max int, after, op string) ([]view, string, *apiError) {
	account := c.accountOf(principal)
	c.mu.Lock()
	var ids []string
	for id, e := range c.engines {
		if e.account == account && id > after {
			ids = append(ids, id)
		}
	}
	c.mu.Unlock()
	sort.Strings(ids)
	next := ""
	if len(ids) > max {
		ids, next = ids[:max], ids[max-1]
	}
	views := make([]view, 0, len(ids))
	for _, id := range ids {
		v, err := c.read(ctx, principal, id, op)
		if err != nil {
			if err.code == "ResourceNotFoundException" { // deleted meanwhile
				continue
			}
			return nil, "", err
		}
		views = append(views, v)
	}
	return views, next, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// accountOf returns the account of an IAM principal ARN, or
// Options.Account for a principal that names none.
func (c *ControlPlane) accountOf(principal string) string {
	if a, err := arn.Parse(principal); err == nil && a.AccountID != "" {
		return a.AccountID
	}
	return c.opts.Account
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomSuffix() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return string(b[:])
}

// kmstestKeys adapts a kmstest KMS to keyService.
type kmstestKeys struct{ k *kmstest.KMS }

func (t kmstestKeys) as(c caller) kmsAPI {
	return t.k.As(kmstest.Caller{Principal: c.principal, Service: c.service, ViaService: c.viaService, Context: c.context})
}

// principalFor returns the principal k maps accessKeyID to, or that of
// kmstest.Options.DefaultCaller, the explicit opt-in for unmapped keys.
func (t kmstestKeys) principalFor(accessKeyID string) (string, bool) {
	p, _ := t.k.PrincipalForAccessKey(accessKeyID)
	return p, p != ""
}
