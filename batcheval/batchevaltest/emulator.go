package batchevaltest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/internal/emu"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// Messages the emulator returns, as AWS documents them.
const (
	// MessageKeyNotUsable is the ValidationException message for a key that
	// is disabled, pending deletion or otherwise not usable.
	//
	// Deprecated: the one copy is in the module's internal/agentcore
	// package, re-exported by batcheval; this alias is kept for existing
	// callers.
	MessageKeyNotUsable = agentcore.MessageKeyNotUsable
	// MessageAccessDenied is the AccessDeniedException message for a key
	// policy that does not grant the caller or the service principal the
	// permissions they need.
	//
	// Deprecated: as for MessageKeyNotUsable.
	MessageAccessDenied = agentcore.MessageAccessDenied
	// MessageWrongRegion is the ValidationException message for a key in
	// another Region than the batch evaluation.
	MessageWrongRegion = "The KMS key must be in the same AWS Region as the batch evaluation."
	// MessageNotAKeyARN is the ValidationException message for a kmsKeyArn
	// that is not the ARN of a KMS key (an alias ARN, a key id, ...).
	//
	// Deprecated: such a kmsKeyArn is now refused with the API model's
	// pattern message ("... failed to satisfy constraint: Member must
	// satisfy regular expression pattern: ..."), as the service refuses it.
	MessageNotAKeyARN = "kmsKeyArn must be the ARN of a KMS key, such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."
	// ResultsUnavailablePrefix starts the errorDetails entry that
	// GetBatchEvaluation adds when the results cannot be decrypted.
	ResultsUnavailablePrefix = "Evaluation results cannot be read because the KMS key is unavailable"
	// RestoreAccessAdvice is the remedy AWS documents for an unavailable key.
	//
	// Deprecated: as for MessageKeyNotUsable.
	RestoreAccessAdvice = agentcore.RestoreAccessAdvice
)

// Defaults of [Options].
const (
	DefaultRegion     = "us-east-1"
	DefaultPendingFor = 100 * time.Millisecond
	DefaultRunFor     = 300 * time.Millisecond
	DefaultSessions   = 5
	// DefaultMaxResults is the page size of ListBatchEvaluations when the
	// request sets no maxResults.
	DefaultMaxResults = 20
	// MaxEvaluators and MaxInsights are the documented limits per batch
	// evaluation.
	MaxEvaluators = agentcore.MaxEvaluators
	MaxInsights   = 10
)

// Operation names, as [Emulator.InjectFault] takes them and
// [Request.Operation] records them.
const (
	OpStart  = "StartBatchEvaluation"
	OpGet    = "GetBatchEvaluation"
	OpList   = "ListBatchEvaluations"
	OpStop   = "StopBatchEvaluation"
	OpDelete = "DeleteBatchEvaluation"
)

// Options configures an [Emulator]. Region, Account, Now, Latency and
// MaxRequests are named as in every emulator of this module
// (kmstest.Options, policyenginetest.Options).
type Options struct {
	// Region is the Region the emulated endpoint serves. If empty, the
	// KMS's Region.
	Region string
	// Account is the account of principals whose ARN names none. If empty,
	// the KMS's account.
	Account string
	// Now is the emulator's clock. If nil, the KMS's clock. Status changes
	// are computed from it whenever an evaluation is read, so a test can
	// drive them with a fake clock.
	Now func() time.Time
	// PendingFor is how long an evaluation stays PENDING. If zero,
	// DefaultPendingFor is used; a negative value means no wait.
	PendingFor time.Duration
	// RunFor is how long an evaluation stays IN_PROGRESS. If zero,
	// DefaultRunFor is used; a negative value means no wait.
	RunFor time.Duration
	// Sessions is the number of agent sessions each evaluation finds. If
	// zero, DefaultSessions is used.
	Sessions int
	// FailedSessions is how many of those sessions fail evaluation. If it
	// is positive, evaluations end COMPLETED_WITH_ERRORS instead of
	// COMPLETED.
	FailedSessions int
	// Latency is added before every response. If zero, none.
	// [Emulator.SetLatency] changes it later.
	Latency time.Duration
	// MaxRequests is how many of the most recent requests
	// [Emulator.Requests] keeps (and how many KMS calls
	// [Emulator.KMSCalls] keeps). If zero, 10,000; if negative, none.
	MaxRequests int
	// Inject, if set, is called with the operation name (OpStart, ...)
	// before the operation runs; a non-nil Fault is returned instead.
	//
	// Deprecated: use [Emulator.InjectFault], the queue every emulator of
	// this module has. Inject is consulted after that queue.
	Inject func(op string) *Fault
}

// Fault is an error response the emulator returns instead of running an
// operation: an HTTP status (500 if zero), an error code
// ("InternalServerException" if empty) and a message.
type Fault = emu.Fault

// ThrottlingFault returns the ThrottlingException fault (HTTP 429), which
// the SDK retries.
func ThrottlingFault() Fault { return emu.ThrottlingFault() }

// InternalFault returns the InternalServerException fault (HTTP 500), which
// the SDK retries.
func InternalFault() Fault { return emu.InternalFault() }

// Throttling returns a pointer to [ThrottlingFault], for Options.Inject.
//
// Deprecated: use ThrottlingFault with [Emulator.InjectFault].
func Throttling() *Fault { f := ThrottlingFault(); return &f }

// InternalError returns a pointer to [InternalFault], for Options.Inject.
//
// Deprecated: use InternalFault with [Emulator.InjectFault].
func InternalError() *Fault { f := InternalFault(); return &f }

// Request records one request the emulator served: its operation (such as
// "StartBatchEvaluation", or "" for a request that matched no operation),
// access key, principal, HTTP status, error code and time on the
// emulator's clock. It is the type every HTTP emulator of the module
// records.
type Request = emu.Request

// KMSCall records one KMS call the emulated service made.
type KMSCall struct {
	// Operation is the KMS operation, such as "GenerateDataKey".
	Operation string
	// Principal is the IAM caller of a forward access session, or empty.
	Principal string
	// ViaService is the kms:ViaService value of a forward access session.
	ViaService string
	// Service is the service principal calling with its own credentials,
	// or empty.
	Service string
	// SourceAccount and SourceArn are the aws:SourceAccount and
	// aws:SourceArn the service principal sent.
	SourceAccount, SourceArn string
	// KeyID is the key the call named.
	KeyID string
	// EncryptionContext is the call's encryption context.
	EncryptionContext map[string]string
	// DryRun reports whether the call was a dry run.
	DryRun bool
	// ErrorCode is the KMS error code, or empty on success (a dry run that
	// would have succeeded records "DryRunOperationException").
	ErrorCode string
}

// caller is who the emulated service calls KMS as.
type caller struct {
	principal  string // IAM caller, forward access session
	viaService string
	service    string // service principal with its own credentials
	context    map[string][]string
}

// Emulator is the emulated batch-evaluation API. It is safe for concurrent
// use.
type Emulator struct {
	opts         Options
	partition    awspartition.Partition
	as           func(caller) keyAPI
	principalFor func(accessKeyID string) (string, bool)
	mux          *http.ServeMux

	front *emu.Front // faults, latency, requests and their counts
	calls *emu.Recorder[KMSCall]

	mu     sync.Mutex
	evals  map[string]*evaluation
	seq    int
	tokens map[string]string // account + "/" + clientToken -> id
	names  map[string]string // account + "/" + name -> id

	// getFails reports whether GetBatchEvaluation fails when the results
	// cannot be decrypted, rather than answering the metadata: what the
	// consumer model says (see getFailsWhenUnavailable).
	getFails bool
}

// getFailsWhenUnavailable reports whether GetBatchEvaluation fails while
// the key is unavailable, as the consumer model says
// (keypolicy.Consumer.FailsWhenUnavailable), so that the fact lives once;
// an operation the model does not know fails, the emulator's conservative
// side. The other operations need no such switch: StartBatchEvaluation
// validates the key with KMS, and listing, stopping and deleting make no
// KMS call (TestKeyUnavailableAfterCompletion checks that the model agrees).
func getFailsWhenUnavailable() bool {
	m, _ := keypolicy.ConsumerByName(keypolicy.ConsumerBatchEvaluation)
	fails, known := m.FailsWhenUnavailable(OpGet)
	return fails || !known
}

// sealed is an artifact: the KMS ciphertext of its data key and the data
// sealed under it with emu.Seal.
type sealed struct {
	blob, data []byte
}

type evaluation struct {
	seq                        int
	id, arn, name, account     string
	description, keyARN, token string
	fingerprint                string // of the request's parameters, for client-token retries
	evaluators                 []evaluatorJSON
	insights                   []insightJSON
	dataSource, output, meta   json.RawMessage
	tags                       map[string]string
	status                     string
	created, updated           time.Time
	errorDetail                string            // the one errorDetails entry, or ""
	objects                    map[string]sealed // encrypted artifacts, by name
	plain                      map[string][]byte // artifacts without a key
}

// Status values of the service model.
const (
	statusPending    = "PENDING"
	statusInProgress = "IN_PROGRESS"
	statusCompleted  = "COMPLETED"
	statusPartial    = "COMPLETED_WITH_ERRORS"
	statusFailed     = "FAILED"
	statusStopping   = "STOPPING"
	statusStopped    = "STOPPED"
	statusDeleting   = "DELETING"
)

// newEmulator builds an emulator on the two hooks the KMS emulator provides.
func newEmulator(as func(caller) keyAPI, principalFor func(string) (string, bool), defaults Options, optFns ...func(*Options)) *Emulator {
	o := defaults
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PendingFor == 0 {
		o.PendingFor = DefaultPendingFor
	} else if o.PendingFor < 0 {
		o.PendingFor = 0
	}
	if o.RunFor == 0 {
		o.RunFor = DefaultRunFor
	} else if o.RunFor < 0 {
		o.RunFor = 0
	}
	if o.Sessions <= 0 {
		o.Sessions = DefaultSessions
	}
	part, ok := awspartition.ForRegion(o.Region)
	if !ok {
		part, _ = awspartition.ForRegion(DefaultRegion)
		o.Region = DefaultRegion
	}
	e := &Emulator{
		opts: o, partition: part, as: as, principalFor: principalFor,
		front: emu.NewFront(o.MaxRequests, o.Latency), calls: emu.NewRecorder[KMSCall](o.MaxRequests),
		evals: map[string]*evaluation{}, tokens: map[string]string{}, names: map[string]string{},
		getFails: getFailsWhenUnavailable(),
	}
	const base = "/evaluations/batch-evaluate"
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+base, e.handle(OpStart, e.start))
	mux.HandleFunc("GET "+base, e.handle(OpList, e.list))
	mux.HandleFunc("GET "+base+"/{id}", e.handle(OpGet, e.get))
	mux.HandleFunc("DELETE "+base+"/{id}", e.handle(OpDelete, e.delete))
	mux.HandleFunc("POST "+base+"/{id}/stop", e.handle(OpStop, e.stop))
	mux.HandleFunc("/", e.handle("", func(context.Context, string, *http.Request) (int, any, *apiError) {
		return 0, nil, &apiError{status: http.StatusNotFound, Code: "UnknownOperationException",
			Message: "No batch-evaluation operation there"}
	}))
	e.mux = mux
	return e
}

// Region reports the Region the emulator serves.
func (e *Emulator) Region() string {
	if e == nil {
		return ""
	}
	return e.opts.Region
}

// ServeHTTP serves the REST-JSON protocol. A panic in a handler is answered
// with 500 InternalFailure, never a dropped connection.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e == nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, Code: "InternalFailure", Message: "nil *batchevaltest.Emulator"})
		return
	}
	e.mux.ServeHTTP(w, r)
}

// NewServer starts a loopback HTTP server for the emulator. Close it when
// done.
func (e *Emulator) NewServer() *httptest.Server { return httptest.NewServer(e) }

// InjectFault makes the next n requests for operation op (OpStart, ...; ""
// or "*" for any operation) fail with f before they run, after the faults
// already injected: faults append, they never replace.
func (e *Emulator) InjectFault(op string, f Fault, n int) {
	if e == nil {
		return
	}
	e.front.Faults.InjectFault(op, f, n)
}

// SetLatency changes the latency added before every response; d <= 0 means
// none.
func (e *Emulator) SetLatency(d time.Duration) {
	if e == nil {
		return
	}
	e.front.Latency.SetLatency(d)
}

// Requests returns the most recent requests served (at most
// Options.MaxRequests), oldest first, including failed ones.
func (e *Emulator) Requests() []Request {
	if e == nil {
		return nil
	}
	return e.front.Requests()
}

// RequestCount reports how many requests for operation op the emulator has
// received, including failed ones and those no longer kept by
// [Emulator.Requests].
func (e *Emulator) RequestCount(op string) int {
	if e == nil {
		return 0
	}
	return e.front.RequestCount(op)
}

// KMSCalls returns the most recent KMS calls the emulated service has made
// (at most Options.MaxRequests), in order.
func (e *Emulator) KMSCalls() []KMSCall {
	if e == nil {
		return nil
	}
	return e.calls.Requests()
}

// ARN returns the ARN the emulator gives the batch evaluation id in account.
func (e *Emulator) ARN(account, id string) string {
	if e == nil {
		return ""
	}
	return "arn:" + e.partition.ID + ":" + keypolicy.ServiceName + ":" + e.opts.Region + ":" + account + ":batch-evaluate/" + id
}

type handlerFunc func(ctx context.Context, principal string, r *http.Request) (int, any, *apiError)

func (e *Emulator) handle(op string, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x := e.front.Start(w, op, kmstest.AccessKeyID(r), "X-Amzn-ErrorType")
		defer x.Finish(func(w http.ResponseWriter, v any) {
			writeError(w, &apiError{status: http.StatusInternalServerError, Code: "InternalFailure",
				Message: fmt.Sprintf("The server failed to handle the request: %v", v)})
		})
		sw, rec := x.W, &x.Rec
		rec.Time = e.opts.Now()
		if !x.Wait(r.Context()) {
			return
		}
		if op == "" { // no such operation: nothing to authenticate
			_, _, aerr := h(r.Context(), "", r)
			writeError(sw, aerr)
			return
		}
		{
			f, ok := e.front.Faults.Next(op)
			if !ok && e.opts.Inject != nil {
				if p := e.opts.Inject(op); p != nil {
					f, ok = p.Normalized(), true
				}
			}
			if ok {
				writeError(sw, &apiError{status: f.StatusCode, Code: f.Code, Message: f.Message})
				return
			}
		}
		principal, ok := e.principalFor(rec.AccessKeyID)
		if !ok {
			writeError(sw, &apiError{status: http.StatusForbidden, Code: agentcore.CodeUnrecognizedClient,
				Message: "The security token included in the request is invalid."})
			return
		}
		rec.Principal = principal
		r.Body = http.MaxBytesReader(sw, r.Body, maxBody)
		status, body, aerr := h(context.WithoutCancel(r.Context()), principal, r)
		if aerr != nil {
			writeError(sw, aerr)
			return
		}
		writeJSON(sw, status, body)
	}
}

// maxBody is the largest request body the emulator reads.
const maxBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", requestID())
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("X-Amzn-Errortype", e.Code)
	writeJSON(w, e.status, e)
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:])
}

// Patterns of the service model (AgentCore API reference).
var (
	nameRE        = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`)
	evaluatorIDRE = regexp.MustCompile(`^(Builtin\.[a-zA-Z0-9_-]+|[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10})$`)
	tokenRE       = regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$`)
)

// accountOf returns the account of an IAM principal ARN, or
// Options.Account for a principal that names none.
func (e *Emulator) accountOf(principal string) string {
	if a, err := arn.Parse(principal); err == nil && a.AccountID != "" {
		return a.AccountID
	}
	return e.opts.Account
}

func (e *Emulator) start(ctx context.Context, principal string, r *http.Request) (int, any, *apiError) {
	var in startRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&in); err != nil {
		return 0, nil, &apiError{status: http.StatusBadRequest, Code: "ValidationException",
			Message: "Could not parse request body: " + err.Error(), Reason: "CannotParse"}
	}
	if aerr := validateStart(&in); aerr != nil {
		return 0, nil, aerr
	}
	account := e.accountOf(principal)
	now := e.opts.Now()

	e.mu.Lock()
	if in.ClientToken != nil && *in.ClientToken != "" {
		if id, ok := e.tokens[account+"/"+*in.ClientToken]; ok {
			if ev, ok := e.evals[id]; ok {
				defer e.mu.Unlock()
				if ev.fingerprint != fingerprint(&in) {
					return 0, nil, &apiError{status: http.StatusBadRequest, Code: "ValidationException",
						Message: "The client token was already used with different parameters.", Reason: "IdempotentParameterMismatchException"}
				}
				return http.StatusAccepted, startOutput(ev), nil
			}
		}
	}
	if _, taken := e.names[account+"/"+*in.BatchEvaluationName]; taken {
		e.mu.Unlock()
		return 0, nil, conflict("A batch evaluation named " + *in.BatchEvaluationName + " already exists.")
	}
	e.seq++
	seq := e.seq
	e.mu.Unlock()

	id := *in.BatchEvaluationName + "-" + newID()
	ev := &evaluation{
		seq: seq, id: id, arn: e.ARN(account, id), name: *in.BatchEvaluationName, account: account,
		description: deref(in.Description), keyARN: deref(in.KmsKeyArn), token: deref(in.ClientToken),
		evaluators: in.Evaluators, insights: in.Insights,
		dataSource: in.DataSourceConfig, output: in.OutputConfig, meta: in.EvaluationMetadata,
		tags: in.Tags, status: statusPending, created: now, updated: now, fingerprint: fingerprint(&in),
		objects: map[string]sealed{}, plain: map[string][]byte{},
	}
	if ev.keyARN != "" {
		if aerr := e.validateKey(ctx, principal, ev); aerr != nil {
			return 0, nil, aerr
		}
	}
	// The first artifact: the data-source configuration, written as the
	// service principal. With a key this is the documented check that the
	// service can call GenerateDataKey with its own credentials.
	if err := e.write(ctx, ev, "data-source-config", ev.dataSource); err != nil {
		return 0, nil, kmsError(err)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if _, taken := e.names[account+"/"+ev.name]; taken {
		return 0, nil, conflict("A batch evaluation named " + ev.name + " already exists.")
	}
	e.evals[id] = ev
	e.names[account+"/"+ev.name] = id
	if ev.token != "" {
		e.tokens[account+"/"+ev.token] = id
	}
	return http.StatusAccepted, startOutput(ev), nil
}

// fingerprint identifies the parameters of a start request other than its
// client token: a retry with the same token must send the same ones.
func fingerprint(in *startRequest) string {
	cp := *in
	cp.ClientToken = nil
	b, err := json.Marshal(cp) // map keys sorted, raw unions compacted
	if err != nil {
		return ""
	}
	return string(b)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func validateStart(in *startRequest) *apiError {
	var problems []string
	switch {
	case in.BatchEvaluationName == nil:
		problems = append(problems, "Value null at 'batchEvaluationName' failed to satisfy constraint: Member must not be null")
	case !nameRE.MatchString(*in.BatchEvaluationName):
		problems = append(problems, fmt.Sprintf("Value %q at 'batchEvaluationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}", *in.BatchEvaluationName))
	}
	if len(in.Evaluators) > MaxEvaluators {
		problems = append(problems, fmt.Sprintf("Value at 'evaluators' failed to satisfy constraint: Member must have length less than or equal to %d", MaxEvaluators))
	}
	for i, ev := range in.Evaluators {
		switch {
		case ev.EvaluatorID == nil || *ev.EvaluatorID == "":
			problems = append(problems, fmt.Sprintf("Value null at 'evaluators.%d.member.evaluatorId' failed to satisfy constraint: Member must not be null", i+1))
		case !evaluatorIDRE.MatchString(*ev.EvaluatorID):
			problems = append(problems, fmt.Sprintf("Value %q at 'evaluators.%d.member.evaluatorId' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", *ev.EvaluatorID, i+1, evaluatorIDRE.String()))
		}
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > 200 {
		problems = append(problems, "Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 200")
	}
	if t := in.ClientToken; t != nil && (len(*t) < 33 || len(*t) > 256 || !tokenRE.MatchString(*t)) {
		problems = append(problems, "Value at 'clientToken' failed to satisfy constraint: Member must have length between 33 and 256 and satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}")
	}
	if len(in.Insights) > MaxInsights {
		problems = append(problems, fmt.Sprintf("Value at 'insights' failed to satisfy constraint: Member must have length less than or equal to %d", MaxInsights))
	}
	for i, in := range in.Insights {
		if in.InsightID == nil || *in.InsightID == "" {
			problems = append(problems, fmt.Sprintf("Value null at 'insights.%d.member.insightId' failed to satisfy constraint: Member must not be null", i+1))
		}
	}
	if err := agentcore.CheckTags(in.Tags); err != nil {
		problems = append(problems, "Value at 'tags' failed to satisfy constraint: "+err.Error())
	}
	if in.KmsKeyArn != nil {
		// The documented pattern is checked before any KMS call, so a
		// malformed ARN is a ValidationException, never an access denial.
		if err := agentcore.CheckKeyARN("kmsKeyArn", *in.KmsKeyArn); err != nil {
			problems = append(problems, fmt.Sprintf("Value %q at 'kmsKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", *in.KmsKeyArn, agentcore.KeyARNPattern))
		}
	}
	if !isUnion(in.DataSourceConfig) {
		problems = append(problems, "Value at 'dataSourceConfig' failed to satisfy constraint: Member must be an object with exactly one member set")
	}
	if len(problems) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d validation error", len(problems))
	if len(problems) > 1 {
		msg += "s"
	}
	return validation(msg + " detected: " + strings.Join(problems, "; "))
}

// isUnion reports whether raw is a JSON object with exactly one non-null
// member, the wire form of a union.
func isUnion(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return false
	}
	n := 0
	for _, v := range m {
		if string(v) != "null" {
			n++
		}
	}
	return n == 1
}

func startOutput(ev *evaluation) startResponse {
	return startResponse{
		BatchEvaluationID: ev.id, BatchEvaluationArn: ev.arn, BatchEvaluationName: ev.name,
		Evaluators: ev.evaluators, Insights: ev.insights, Status: statusPending,
		CreatedAt: timestamp(ev.created), OutputConfig: ev.output, Tags: ev.tags,
		KmsKeyArn: ev.keyARN, Description: ev.description,
	}
}

// lookup returns the evaluation id of account after advancing its status.
// The caller holds e.mu.
func (e *Emulator) lookup(ctx context.Context, account, id string) (*evaluation, *apiError) {
	ev, ok := e.evals[id]
	if !ok || ev.account != account {
		return nil, notFound(id)
	}
	e.advance(ctx, ev)
	return ev, nil
}

// advance moves ev along PENDING, IN_PROGRESS, COMPLETED by the clock,
// writing the artifacts of each step. The caller holds e.mu.
func (e *Emulator) advance(ctx context.Context, ev *evaluation) {
	now := e.opts.Now()
	started := ev.created.Add(e.opts.PendingFor)
	done := started.Add(e.opts.RunFor)
	if ev.status == statusPending && !now.Before(started) {
		ev.status, ev.updated = statusInProgress, started
		meta, _ := json.Marshal(map[string]any{"sessions": e.opts.Sessions, "evaluationMetadata": ev.meta})
		if err := e.write(ctx, ev, "session-metadata", meta); err != nil {
			e.fail(ev, started, "Failed to write encrypted session metadata", err)
			return
		}
	}
	if ev.status == statusInProgress && !now.Before(done) {
		res, _ := json.Marshal(e.results(ev))
		if err := e.write(ctx, ev, "results", res); err != nil {
			e.fail(ev, done, "Failed to write encrypted evaluation results", err)
			return
		}
		ev.status, ev.updated = statusCompleted, done
		if e.opts.FailedSessions > 0 {
			ev.status = statusPartial
			ev.addErrorDetail(fmt.Sprintf("%d of %d sessions could not be evaluated.", e.failed(), e.opts.Sessions))
		}
	}
	if ev.status == statusStopping {
		ev.status, ev.updated = statusStopped, now
	}
}

func (e *Emulator) fail(ev *evaluation, at time.Time, what string, err error) {
	ev.status, ev.updated = statusFailed, at
	ev.addErrorDetail(what + ": " + kmsReason(err) + ". " + agentcore.RestoreAccessAdvice)
}

// addErrorDetail adds msg to the evaluation's one errorDetails entry: the
// API's errorDetails holds at most one string, so a second detail is
// appended to the first rather than sent as a second entry.
func (ev *evaluation) addErrorDetail(msg string) { ev.errorDetail = joinDetail(ev.errorDetail, msg) }

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// details renders one errorDetails entry as the wire list.
func details(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// failed is the number of sessions that fail evaluation.
func (e *Emulator) failed() int { return min(max(e.opts.FailedSessions, 0), e.opts.Sessions) }

// results makes up deterministic results for ev.
func (e *Emulator) results(ev *evaluation) storedResults {
	n, failed := int32(e.opts.Sessions), int32(e.failed())
	r := storedResults{EvaluationResults: resultsJSON{
		EvaluatorSummaries:        []evaluatorSummaryJSON{},
		NumberOfSessionsCompleted: n - failed, NumberOfSessionsFailed: failed, TotalNumberOfSessions: n,
	}, WithInsights: len(ev.insights) > 0}
	for i, x := range ev.evaluators {
		score := 0.9 - 0.05*float64(i%10)
		r.EvaluationResults.EvaluatorSummaries = append(r.EvaluationResults.EvaluatorSummaries, evaluatorSummaryJSON{
			EvaluatorID: *x.EvaluatorID, Statistics: &statisticsJSON{AverageScore: &score},
			TotalEvaluated: n - failed, TotalFailed: failed,
		})
	}
	if r.WithInsights {
		r.InsightResults = []json.RawMessage{}
	}
	return r
}

func (e *Emulator) get(ctx context.Context, principal string, r *http.Request) (int, any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev, aerr := e.lookup(ctx, e.accountOf(principal), r.PathValue("id"))
	if aerr != nil {
		return 0, nil, aerr
	}
	out := getResponse{
		BatchEvaluationID: ev.id, BatchEvaluationArn: ev.arn, BatchEvaluationName: ev.name,
		Status: ev.status, CreatedAt: timestamp(ev.created), Evaluators: ev.evaluators, Insights: ev.insights,
		DataSourceConfig: ev.dataSource, OutputConfig: ev.output, Description: ev.description,
		UpdatedAt: timestamp(ev.updated), KmsKeyArn: ev.keyARN,
	}
	detail := ev.errorDetail
	if ev.status == statusCompleted || ev.status == statusPartial {
		raw, err := e.readLocked(ctx, ev, "results")
		var res storedResults
		switch {
		case err != nil && e.getFails:
			return 0, nil, kmsError(err)
		case err != nil:
			detail = joinDetail(detail, ResultsUnavailablePrefix+": "+kmsReason(err)+". "+agentcore.RestoreAccessAdvice)
		case json.Unmarshal(raw, &res) != nil:
			return 0, nil, internal("stored results are corrupt")
		default:
			out.EvaluationResults = &res.EvaluationResults
			if res.WithInsights {
				// An empty list means no failures were found; it must be
				// sent, not omitted, so it goes through a non-nil slice.
				list := append([]json.RawMessage{}, res.InsightResults...)
				out.InsightResults = &list
			}
		}
	}
	out.ErrorDetails = details(detail)
	return http.StatusOK, out, nil
}

func (e *Emulator) list(ctx context.Context, principal string, r *http.Request) (int, any, *apiError) {
	q := r.URL.Query()
	max := DefaultMaxResults
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return 0, nil, validation(fmt.Sprintf("Value %q at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", s))
		}
		max = n
	}
	from := 0
	if tok := q.Get("nextToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, cerr := strconv.Atoi(strings.TrimPrefix(string(b), "seq:"))
		if err != nil || cerr != nil || !strings.HasPrefix(string(b), "seq:") {
			return 0, nil, validation("The nextToken is not valid.")
		}
		from = n
	}
	account := e.accountOf(principal)
	e.mu.Lock()
	defer e.mu.Unlock()
	var evs []*evaluation
	for _, ev := range e.evals {
		if ev.account == account && ev.seq >= from {
			evs = append(evs, ev)
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].seq < evs[j].seq })
	out := listResponse{BatchEvaluations: []summaryJSON{}}
	for i, ev := range evs {
		if i == max {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.Itoa(ev.seq)))
			break
		}
		// The status moves on as the service's workers would have moved
		// it; their KMS calls may fail, the listing itself needs none.
		e.advance(ctx, ev)
		sum := summaryJSON{
			BatchEvaluationID: ev.id, BatchEvaluationArn: ev.arn, BatchEvaluationName: ev.name,
			Status: ev.status, CreatedAt: timestamp(ev.created), Description: ev.description,
			Evaluators: ev.evaluators, Insights: ev.insights, ErrorDetails: details(ev.errorDetail),
			KmsKeyArn: ev.keyARN, UpdatedAt: timestamp(ev.updated),
		}
		// A summary carries the aggregate results of a completed evaluation
		// only when they are stored in the clear: listing makes no KMS call.
		var res storedResults
		if raw := ev.plain["results"]; raw != nil && json.Unmarshal(raw, &res) == nil {
			sum.EvaluationResults = &res.EvaluationResults
		}
		out.BatchEvaluations = append(out.BatchEvaluations, sum)
	}
	return http.StatusOK, out, nil
}

func (e *Emulator) stop(ctx context.Context, principal string, r *http.Request) (int, any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev, aerr := e.lookup(ctx, e.accountOf(principal), r.PathValue("id"))
	if aerr != nil {
		return 0, nil, aerr
	}
	switch ev.status {
	case statusPending, statusInProgress:
		ev.status, ev.updated = statusStopping, e.opts.Now()
	case statusStopping, statusStopped:
	default:
		return 0, nil, conflict("Batch evaluation " + ev.id + " has already ended with status " + ev.status + ".")
	}
	return http.StatusAccepted, stateResponse{BatchEvaluationID: ev.id, BatchEvaluationArn: ev.arn,
		Status: ev.status, Description: ev.description}, nil
}

func (e *Emulator) delete(ctx context.Context, principal string, r *http.Request) (int, any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev, ok := e.evals[r.PathValue("id")]
	if !ok || ev.account != e.accountOf(principal) {
		return 0, nil, notFound(r.PathValue("id"))
	}
	// Deleting S3 objects needs no KMS call, so this works with any key.
	delete(e.evals, ev.id)
	delete(e.names, ev.account+"/"+ev.name)
	if ev.token != "" {
		delete(e.tokens, ev.account+"/"+ev.token)
	}
	return http.StatusAccepted, stateResponse{BatchEvaluationID: ev.id, BatchEvaluationArn: ev.arn, Status: statusDeleting}, nil
}
