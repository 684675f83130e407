package iamtest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/loopback"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Defaults of [Options].
const (
	DefaultAccount   = "111122223333"
	DefaultPartition = "aws"
	// MaxRequests is how many requests [IAM.Requests] keeps: the latest.
	MaxRequests = 1000
)

// Options configures an [IAM].
type Options struct {
	// Account is the 12-digit account the roles and users belong to. If
	// empty, DefaultAccount.
	Account string
	// Partition is the ARN partition. If empty, DefaultPartition.
	Partition string
	// Latency delays every operation, as a network round trip would.
	Latency time.Duration
}

// IAM is an in-memory IAM account. It is safe for concurrent use.
type IAM struct {
	opts Options

	mu       sync.Mutex
	latency  time.Duration
	roles    map[string]*entity // by name
	users    map[string]*entity // by name
	policies map[string]*managed
	scp      *policy // service control policy, or nil
	faults   map[string][]Fault
	requests []Request
}

// entity is a role or a user.
type entity struct {
	kind     string // "role" or "user"
	name     string
	path     string
	arn      string
	id       string
	created  time.Time
	trust    string
	inline   []namedPolicy // in the order put
	attached []string      // managed policy ARNs, in the order attached
	boundary string        // managed policy ARN, or ""
}

type namedPolicy struct {
	name string
	pol  *policy
}

// managed is a customer managed policy.
type managed struct {
	name, path, arn, id string
	created             time.Time
	pol                 *policy
}

// policy is a stored policy document: its text and its parsed form.
type policy struct {
	text  string
	doc   *keypolicy.Document
	spans []span // where each statement is in text
}

// New returns an empty IAM account.
func New(optFns ...func(*Options)) *IAM {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.Partition == "" {
		o.Partition = DefaultPartition
	}
	return &IAM{
		opts: o, latency: o.Latency,
		roles: map[string]*entity{}, users: map[string]*entity{}, policies: map[string]*managed{},
		faults: map[string][]Fault{},
	}
}

// ErrNilIAM is the error of every operation on a nil *IAM.
var ErrNilIAM = errors.New("iamtest: nil *IAM")

// Account returns the account id, or "" for a nil *IAM.
func (m *IAM) Account() string {
	if m == nil {
		return ""
	}
	return m.opts.Account
}

// RoleARN returns the ARN a role named name (with path "/") has, or "" for
// a nil *IAM.
func (m *IAM) RoleARN(name string) string {
	if m == nil {
		return ""
	}
	return "arn:" + m.opts.Partition + ":iam::" + m.opts.Account + ":role/" + name
}

// UserARN returns the ARN a user named name (with path "/") has, or "" for
// a nil *IAM.
func (m *IAM) UserARN(name string) string {
	if m == nil {
		return ""
	}
	return "arn:" + m.opts.Partition + ":iam::" + m.opts.Account + ":user/" + name
}

// SetLatency changes the delay of every later operation. It does nothing
// on a nil *IAM.
func (m *IAM) SetLatency(d time.Duration) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.latency = d
	m.mu.Unlock()
}

// SetServiceControlPolicy makes doc the service control policy of the
// account's organization: every simulation then needs it to allow the
// request, and reports OrganizationsDecisionDetail. An empty doc removes
// it. The error is a *types.MalformedPolicyDocumentException, or
// [ErrNilIAM].
func (m *IAM) SetServiceControlPolicy(doc string) error {
	if m == nil {
		return ErrNilIAM
	}
	if doc == "" {
		m.mu.Lock()
		m.scp = nil
		m.mu.Unlock()
		return nil
	}
	p, err := parsePolicy(doc, maxManagedPolicyChars)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.scp = p
	m.mu.Unlock()
	return nil
}

// Fault is an error the emulator answers instead of serving a request.
type Fault struct {
	// StatusCode is the HTTP status; if zero, 400 for a client fault code
	// and 500 for ServiceFailure.
	StatusCode int
	// Code is the IAM error code, such as "Throttling".
	Code string
	// Message is the error message.
	Message string
}

// ThrottlingFault returns the fault IAM answers when its request rate is
// exceeded; the SDK's standard retryer retries it.
func ThrottlingFault() Fault {
	return Fault{StatusCode: http.StatusBadRequest, Code: "Throttling", Message: "Rate exceeded"}
}

// InternalFault returns the 500 ServiceFailure IAM answers for an internal
// error; the SDK's standard retryer retries it.
func InternalFault() Fault {
	return Fault{StatusCode: http.StatusInternalServerError, Code: (&types.ServiceFailureException{}).ErrorCode(), Message: "An internal error occurred (injected)."}
}

// Error returns the code and message.
func (f Fault) Error() string { return f.Code + ": " + f.Message }

// ErrorCode returns Code; with ErrorMessage and ErrorFault it makes a
// Fault a smithy.APIError.
func (f Fault) ErrorCode() string { return f.Code }

// ErrorMessage returns Message.
func (f Fault) ErrorMessage() string { return f.Message }

// ErrorFault returns smithy.FaultServer for a 5xx StatusCode or
// ServiceFailure, else smithy.FaultClient.
func (f Fault) ErrorFault() smithy.ErrorFault {
	if f.StatusCode >= 500 || (f.StatusCode == 0 && f.Code == (&types.ServiceFailureException{}).ErrorCode()) {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

var _ smithy.APIError = Fault{}

// InjectFault makes the next n requests of operation op (such as
// "SimulatePrincipalPolicy"; "" for any operation) fail with f, after the
// faults already queued for op. It does nothing on a nil *IAM.
func (m *IAM) InjectFault(op string, f Fault, n int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		m.faults[op] = append(m.faults[op], f)
	}
}

// Request is one request the emulator received.
type Request struct {
	// Operation is the IAM operation, such as "SimulatePrincipalPolicy".
	Operation string
	// Input is a copy of the operation's input, such as
	// *iam.SimulatePrincipalPolicyInput.
	Input any
	// Err is the error answered, or nil.
	Err error
}

// Requests returns the latest requests (at most MaxRequests), oldest
// first; nil for a nil *IAM.
func (m *IAM) Requests() []Request {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.requests)
}

// begin waits the latency and takes the next injected fault for op.
func (m *IAM) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	d := m.latency
	m.mu.Unlock()
	if !loopback.Wait(ctx, d) {
		return ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, key := range []string{op, ""} {
		if q := m.faults[key]; len(q) > 0 {
			m.faults[key] = q[1:]
			return q[0]
		}
	}
	return nil
}

func (m *IAM) record(op string, in any, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.requests) >= MaxRequests {
		m.requests = slices.Delete(m.requests, 0, len(m.requests)-MaxRequests+1)
	}
	m.requests = append(m.requests, Request{Operation: op, Input: in, Err: err})
}

// serve runs one operation: latency and faults, fn, and the record.
func serve[I, O any](ctx context.Context, m *IAM, op string, in *I, fn func(*I) (*O, error)) (*O, error) {
	if m == nil {
		return nil, ErrNilIAM
	}
	if in == nil {
		in = new(I)
	}
	cp := *in
	err := m.begin(ctx, op)
	var out *O
	if err == nil {
		out, err = fn(in)
	}
	m.record(op, &cp, err)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NewSDKClient returns a real *iam.Client for an iamtest server at url,
// with dummy credentials, in us-east-1 (IAM is global; the Region only
// signs), and a retryer that keeps the SDK's three attempts but backs off
// at most 10 ms.
func NewSDKClient(url string, optFns ...func(*iam.Options)) *iam.Client {
	opts := iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  loopback.Credentials("AKIDIAMTEST", "iamtest-secret"),
		Retryer:      loopback.FastRetryer(),
	}
	return iam.New(opts, optFns...)
}
