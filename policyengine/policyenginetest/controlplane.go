package policyenginetest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
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
	"github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// The error messages AgentCore documents for encrypted policy engines.
const (
	// MessageAccessDenied is the message of the AccessDeniedException the
	// service returns when a KMS call on the caller's behalf is denied or the
	// key does not exist.
	MessageAccessDenied = "Access denied for the specified KMS key. Verify the key policy grants the required permissions."
	// MessageKeyNotUsable is the message of the ValidationException the
	// service returns when the key is not a symmetric ENCRYPT_DECRYPT key in
	// the Enabled state.
	MessageKeyNotUsable = "The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion."
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

// Operation names, as used by [ControlPlane.InjectFault].
const (
	OpCreatePolicyEngine        = "CreatePolicyEngine"
	OpGetPolicyEngine           = "GetPolicyEngine"
	OpDeletePolicyEngine        = "DeletePolicyEngine"
	OpListPolicyEngines         = "ListPolicyEngines"
	OpListPolicyEngineSummaries = "ListPolicyEngineSummaries"
	OpGetPolicyEngineSummary    = "GetPolicyEngineSummary"
)

// Options configures a [ControlPlane].
type Options struct {
	// Region is the Region the control plane serves. If empty, "us-east-1".
	Region string
	// ActivationDelay is how long an engine stays CREATING. If zero, an
	// engine is ACTIVE from the first request after the one that created it.
	ActivationDelay time.Duration
	// Latency is added to every request before it is handled. If zero, none.
	Latency time.Duration
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
}

// Fault is an error response injected with [ControlPlane.InjectFault].
type Fault struct {
	// StatusCode is the HTTP status, such as 429 or 500.
	StatusCode int
	// Code is the error type sent in X-Amzn-ErrorType, such as
	// "ThrottlingException".
	Code string
	// Message is the error message.
	Message string
}

// ThrottlingFault returns the ThrottlingException fault (HTTP 429), which the
// SDK retries.
func ThrottlingFault() Fault {
	return Fault{StatusCode: http.StatusTooManyRequests, Code: "ThrottlingException", Message: "Rate exceeded"}
}

// InternalFault returns the InternalServerException fault (HTTP 500), which
// the SDK retries.
func InternalFault() Fault {
	return Fault{StatusCode: http.StatusInternalServerError, Code: "InternalServerException", Message: "An internal error occurred. Try again."}
}

// ControlPlane is an in-memory AgentCore control plane for policy engines. It
// is safe for concurrent use.
type ControlPlane struct {
	opts      Options
	keys      keyService
	partition awspartition.Partition

	mu       sync.Mutex
	engines  map[string]*engine // by id
	names    map[string]string  // name -> id, including creations in flight
	tokens   map[string]*tokenEntry
	faults   map[string][]Fault
	latency  time.Duration
	requests map[string]int
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
	sealed      []byte // nonce || AES-GCM(description) when keyARN != ""
	dataKey     []byte // the KMS ciphertext of the data key
	grantIDs    [2]string
	activateAt  time.Time
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
	principalFor(r *http.Request) (string, bool)
}

func newControlPlane(keys keyService, optFns ...func(*Options)) *ControlPlane {
	var o Options
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
	return &ControlPlane{
		opts: o, keys: keys, partition: part,
		engines: map[string]*engine{}, names: map[string]string{},
		tokens: map[string]*tokenEntry{}, faults: map[string][]Fault{},
		latency: o.Latency, requests: map[string]int{},
	}
}

// NewServer starts an HTTP server on loopback serving the control plane. The
// caller closes it.
func (c *ControlPlane) NewServer() *httptest.Server {
	return httptest.NewServer(c)
}

// SetLatency changes the latency added to every request.
func (c *ControlPlane) SetLatency(d time.Duration) {
	c.mu.Lock()
	c.latency = d
	c.mu.Unlock()
}

// InjectFault makes the next times requests for operation op (one of the Op
// constants) fail with f before they are handled.
func (c *ControlPlane) InjectFault(op string, f Fault, times int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range times {
		c.faults[op] = append(c.faults[op], f)
	}
}

// Requests reports how many requests for operation op the control plane has
// received, including failed ones.
func (c *ControlPlane) Requests(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests[op]
}

// Region returns the Region the control plane serves.
func (c *ControlPlane) Region() string { return c.opts.Region }

// ViaService returns the kms:ViaService value of the control plane's
// requests on a caller's behalf, such as
// "bedrock-agentcore.us-east-1.amazonaws.com".
func (c *ControlPlane) ViaService() string {
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
	return &apiError{status: http.StatusBadRequest, code: "ValidationException", message: msg, reason: reason, fields: fields}
}

func fieldError(name, msg string) *apiError {
	return validationError(types.ValidationExceptionReasonFieldValidationFailed, msg,
		types.ValidationExceptionField{Name: aws.String(name), Message: aws.String(msg)})
}

func notFound(id string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "ResourceNotFoundException", message: fmt.Sprintf("Policy engine %s not found", id)}
}

func keyAccessDenied() *apiError {
	return &apiError{status: http.StatusForbidden, code: "AccessDeniedException", message: MessageAccessDenied}
}

func keyNotUsable() *apiError {
	return validationError(types.ValidationExceptionReasonFieldValidationFailed, MessageKeyNotUsable,
		types.ValidationExceptionField{Name: aws.String("encryptionKeyArn"), Message: aws.String(MessageKeyNotUsable)})
}

// kmsError translates an error from KMS into the service's documented
// answer: unusable keys give ValidationException, everything else that KMS
// refuses gives AccessDeniedException.
func kmsError(err error) *apiError {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case (&kmstypes.DisabledException{}).ErrorCode(),
			(&kmstypes.KMSInvalidStateException{}).ErrorCode(),
			(&kmstypes.KeyUnavailableException{}).ErrorCode(),
			(&kmstypes.IncorrectKeyException{}).ErrorCode(),
			(&kmstypes.InvalidKeyUsageException{}).ErrorCode(),
			(&kmstypes.UnsupportedOperationException{}).ErrorCode():
			return keyNotUsable()
		}
	}
	return keyAccessDenied()
}

var (
	nameRE        = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}$`)
	clientTokenRE = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$`)
)

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

func (c *ControlPlane) validateCreate(r *createRequest) *apiError {
	name := aws.ToString(r.Name)
	switch {
	case r.Name == nil:
		return fieldError("name", "name is required")
	case !nameRE.MatchString(name):
		return fieldError("name", "name must match ^[A-Za-z][A-Za-z0-9_]*$ and be 1-48 characters")
	case r.Description != nil && (*r.Description == "" || utf8.RuneCountInString(*r.Description) > 4096):
		return fieldError("description", "description must be 1-4096 characters")
	case r.ClientToken != nil && (len(*r.ClientToken) < 33 || len(*r.ClientToken) > 256 || !clientTokenRE.MatchString(*r.ClientToken)):
		return fieldError("clientToken", "clientToken must be 33-256 characters of letters, digits and hyphens")
	case len(r.Tags) > 50:
		return fieldError("tags", "at most 50 tags are allowed")
	}
	for k, v := range r.Tags {
		// Smithy's length trait counts characters, not bytes.
		if k == "" || utf8.RuneCountInString(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") || utf8.RuneCountInString(v) > 256 {
			return fieldError("tags", fmt.Sprintf("tag %q is invalid: keys are 1-128 characters and do not start with aws:, values at most 256", k))
		}
	}
	if r.EncryptionKeyArn != nil {
		a, err := arn.Parse(*r.EncryptionKeyArn)
		if err != nil || a.Service != "kms" || !strings.HasPrefix(a.Resource, "key/") {
			return fieldError("encryptionKeyArn", "encryptionKeyArn must be the ARN of a KMS key")
		}
	}
	return nil
}

// create handles CreatePolicyEngine for principal.
func (c *ControlPlane) create(ctx context.Context, principal string, r *createRequest) (*engine, *apiError) {
	if e := c.validateCreate(r); e != nil {
		return nil, e
	}
	account := accountOf(principal)
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
		return nil, &apiError{status: http.StatusConflict, code: "ConflictException",
			message: fmt.Sprintf("A policy engine named %s already exists", name)}
	}
	id := name + "-" + randomSuffix()
	c.names[account+"\x00"+name] = id
	var tok *tokenEntry
	if r.ClientToken != nil {
		// Reserve the token so that a concurrent retry waits for this result.
		tok = &tokenEntry{fingerprint: fp, id: id}
		c.tokens[account+"\x00"+*r.ClientToken] = tok
	}
	c.mu.Unlock()

	now := c.opts.Now().UTC()
	e := &engine{
		id: id, name: name, keyARN: aws.ToString(r.EncryptionKeyArn),
		arn:       "arn:" + c.partition.ID + ":" + keypolicy.ServiceName + ":" + c.opts.Region + ":" + account + ":policy-engine/" + id,
		principal: principal, account: account, createdAt: now,
		status: types.PolicyEngineStatusCreating, reasons: []string{}, updatedAt: now,
		description: aws.ToString(r.Description),
		activateAt:  now.Add(c.opts.ActivationDelay),
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

func (c *ControlPlane) lookupForToken(id string) (*engine, *apiError) {
	c.mu.Lock()
	e, ok := c.engines[id]
	c.mu.Unlock()
	if !ok {
		return nil, &apiError{status: http.StatusConflict, code: "ConflictException",
			message: "A request with this client token is in progress or its policy engine was deleted"}
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
	ec := map[string]string{keypolicy.PolicyEngineContextKey: e.arn}
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
			GranteePrincipal:  aws.String(keypolicy.ServicePrincipalName),
			RetiringPrincipal: aws.String(keypolicy.ServicePrincipalName),
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
	sealed, err := seal(dk.Plaintext, []byte(e.description))
	if err != nil {
		c.retireGrants(ctx, e)
		return &apiError{status: http.StatusInternalServerError, code: "InternalServerException", message: err.Error()}
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
	return caller{service: keypolicy.ServicePrincipalName, context: map[string][]string{
		"aws:SourceAccount": {e.account},
		"aws:SourceArn":     {e.arn},
	}}
}

// retireGrants retires the engine's grants as the service and reports
// whether every one is gone.
func (c *ControlPlane) retireGrants(ctx context.Context, e *engine) bool {
	ok := true
	for i, id := range e.grantIDs {
		if id == "" {
			continue
		}
		_, err := c.keys.as(c.asService(e)).RetireGrant(ctx, &kms.RetireGrantInput{
			KeyId: aws.String(e.keyARN), GrantId: aws.String(id),
		})
		if err != nil {
			ok = false
			continue
		}
		e.grantIDs[i] = ""
	}
	return ok
}

// advance moves a CREATING engine forward once its activation time has come.
// The service checks that the evaluation grant can re-encrypt the engine's
// data key;
// if it cannot, the engine fails with the documented reason. e.mu is held.
func (c *ControlPlane) advance(ctx context.Context, e *engine) {
	if e.status != types.PolicyEngineStatusCreating || c.opts.Now().Before(e.activateAt) {
		return
	}
	now := c.opts.Now().UTC()
	if e.keyARN != "" {
		// Re-encrypting the data key is what only the evaluation grant
		// allows (ReEncryptFrom and ReEncryptTo).
		ec := map[string]string{keypolicy.PolicyEngineContextKey: e.arn}
		out, err := c.keys.as(c.asService(e)).ReEncrypt(ctx, &kms.ReEncryptInput{
			CiphertextBlob: e.dataKey, SourceKeyId: aws.String(e.keyARN), DestinationKeyId: aws.String(e.keyARN),
			SourceEncryptionContext: ec, DestinationEncryptionContext: ec,
		})
		if err != nil {
			e.status, e.reasons, e.updatedAt = types.PolicyEngineStatusCreateFailed, []string{kmsError(err).message}, now
			return
		}
		e.dataKey = out.CiphertextBlob
	}
	e.status, e.updatedAt = types.PolicyEngineStatusActive, now
}

// open decrypts the engine's data as the caller through the service and
// returns the description.
func (c *ControlPlane) open(ctx context.Context, principal string, e *engine) (string, *apiError) {
	if e.keyARN == "" {
		return e.description, nil
	}
	out, err := c.keys.as(c.cryptoOnBehalfOf(principal, e)).Decrypt(ctx, &kms.DecryptInput{
		KeyId: aws.String(e.keyARN), CiphertextBlob: e.dataKey,
		EncryptionContext: map[string]string{keypolicy.PolicyEngineContextKey: e.arn},
	})
	if err != nil {
		return "", kmsError(err)
	}
	plain, err := unseal(out.Plaintext, e.sealed)
	if err != nil {
		return "", &apiError{status: http.StatusInternalServerError, code: "InternalServerException", message: err.Error()}
	}
	return string(plain), nil
}

// lookup returns the engine id in principal's account.
func (c *ControlPlane) lookup(principal, id string) (*engine, *apiError) {
	c.mu.Lock()
	e, ok := c.engines[id]
	c.mu.Unlock()
	if !ok || e.account != accountOf(principal) {
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
	e, err := c.lookup(principal, id)
	if err != nil {
		return view{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c.advance(ctx, e)
	desc, err := c.open(ctx, principal, e)
	if err != nil {
		return view{}, err
	}
	return e.view(optional(desc)), nil
}

func (c *ControlPlane) summary(ctx context.Context, principal, id string) (view, *apiError) {
	e, err := c.lookup(principal, id)
	if err != nil {
		return view{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c.advance(ctx, e)
	return e.view(nil), nil
}

func (c *ControlPlane) delete(ctx context.Context, principal, id string) (view, *apiError) {
	e, err := c.lookup(principal, id)
	if err != nil {
		return view{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c.advance(ctx, e)
	if e.status == types.PolicyEngineStatusDeleting {
		return view{}, notFound(id)
	}
	desc, err := c.open(ctx, principal, e)
	if err != nil {
		return view{}, err
	}
	e.status, e.updatedAt = types.PolicyEngineStatusDeleting, c.opts.Now().UTC()
	v := e.view(optional(desc))
	c.retireGrants(ctx, e)
	c.mu.Lock()
	delete(c.engines, e.id)
	delete(c.names, e.account+"\x00"+e.name)
	c.mu.Unlock()
	return v, nil
}

// list returns one page of principal's engines, in id order, after the
// token.
func (c *ControlPlane) list(ctx context.Context, principal string, max int, after string, decrypt bool) ([]view, string, *apiError) {
	account := accountOf(principal)
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
		var v view
		var err *apiError
		if decrypt {
			v, err = c.get(ctx, principal, id)
		} else {
			v, err = c.summary(ctx, principal, id)
		}
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

// accountOf returns the account of an IAM principal ARN.
func accountOf(principal string) string {
	if a, err := arn.Parse(principal); err == nil {
		return a.AccountID
	}
	return ""
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

func seal(key, plaintext []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plaintext, nil), nil
}

func unseal(key, sealed []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("sealed data too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return cipher.NewGCM(block)
}

// New returns a control plane that keeps its policy engines' data under keys
// of k and identifies HTTP callers by the access keys mapped in k.
func New(k *kmstest.KMS, optFns ...func(*Options)) *ControlPlane {
	return newControlPlane(kmstestKeys{k}, optFns...)
}

// kmstestKeys adapts a kmstest KMS to keyService.
type kmstestKeys struct{ k *kmstest.KMS }

func (t kmstestKeys) as(c caller) kmsAPI {
	return t.k.As(kmstest.Caller{Principal: c.principal, Service: c.service, ViaService: c.viaService, Context: c.context})
}

func (t kmstestKeys) principalFor(r *http.Request) (string, bool) {
	// Unmapped access keys are kmstest's default principal, as in kmstest's
	// own server.
	p, _ := t.k.PrincipalForAccessKey(kmstest.AccessKeyID(r))
	return p, p != ""
}
