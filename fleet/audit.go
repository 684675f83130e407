package fleet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/middleware"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/loopback"
)

// Account is one AWS account to audit.
type Account struct {
	// RoleARN is the IAM role the audit assumes in the account, such as
	// arn:aws:iam::111122223333:role/AgentCoreAudit. It needs
	// kms:DescribeKey, kms:GetKeyPolicy and kms:ListGrants on the keys and
	// bedrock-agentcore:ListPolicyEngineSummaries and
	// bedrock-agentcore:ListBatchEvaluations.
	RoleARN string
	// ID is the 12-digit account id. If empty, it is the account of
	// RoleARN.
	ID string
	// Principal is the IAM role or user that creates and uses the
	// account's AgentCore resources: key policies are judged for its
	// requests. If empty, only the service principal's documented requests
	// are judged, and each resource gets an unknown key-policy finding for
	// its caller's requests; never a pass.
	Principal string
}

// Target is what to audit: every Region of every account.
type Target struct {
	Accounts []Account
	Regions  []string
}

// Progress is passed to [Options.Progress] after each resource is audited.
type Progress struct {
	// Audited is how many resources have been audited, Listed how many
	// have been listed so far, Keys how many keys have been read.
	Audited, Listed, Keys int
	// Scopes is how many listings (consumer, account and Region) have
	// finished, of Total.
	Scopes, Total int
}

// Defaults of [Options].
const (
	// DefaultConcurrency is how many resources are audited at once in
	// each account and Region.
	DefaultConcurrency = 64
	// DefaultQuotaShare is the share of each KMS request quota the audit
	// uses, leaving the rest to the account's other callers.
	DefaultQuotaShare = 0.95
	// DefaultThrottleRetries is how many more times the audit sends a
	// request the SDK's retryer gave up on with a throttling error.
	DefaultThrottleRetries = 8
	// DefaultThrottleBackoff is the first wait before such a retry; it
	// doubles each time, up to 32 times.
	DefaultThrottleBackoff = 200 * time.Millisecond
)

// Options configure [Audit].
type Options struct {
	// Concurrency is how many listed resources are judged at once in each
	// account and Region. Key reads do not take from it: each key is read
	// by a goroutine of its own, paced by the quotas. If zero,
	// DefaultConcurrency.
	Concurrency int
	// Quotas are the KMS request quotas per account and Region, in
	// requests per second, by operation. If nil, the documented defaults
	// (DescribeKey 2,000, GetKeyPolicy 1,000, ListGrants 100; see
	// internal/agentcore). Set them to the account's own quotas if they
	// were raised.
	Quotas map[string]float64
	// QuotaShare is the share of each quota the audit uses, in (0, 1]. If
	// zero, DefaultQuotaShare.
	QuotaShare float64
	// TimeScale speeds the client-side limiter up, for emulators whose
	// quotas run on scaled time (kmstest.NewQuotas). If zero, 1.
	TimeScale float64
	// ThrottleRetries is how many more times a request is sent after the
	// SDK's retryer gave up on a throttling error; after that the finding
	// is unknown. If zero, DefaultThrottleRetries; if negative, none.
	ThrottleRetries int
	// ThrottleBackoff is the first wait before such a retry. If zero,
	// DefaultThrottleBackoff.
	ThrottleBackoff time.Duration
	// Progress, if set, is called after each resource, from one goroutine
	// at a time.
	Progress func(Progress)
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Quotas == nil {
		o.Quotas = agentcore.KMSRequestQuotas()
	}
	if o.QuotaShare <= 0 || o.QuotaShare > 1 {
		o.QuotaShare = DefaultQuotaShare
	}
	if o.TimeScale <= 0 {
		o.TimeScale = 1
	}
	if o.ThrottleRetries == 0 {
		o.ThrottleRetries = DefaultThrottleRetries
	}
	if o.ThrottleBackoff <= 0 {
		o.ThrottleBackoff = DefaultThrottleBackoff
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// validate checks the target and fills in account ids from role ARNs.
func (t *Target) validate() error {
	if len(t.Accounts) == 0 {
		return &InputError{Field: "Target.Accounts", Reason: "is empty"}
	}
	if len(t.Regions) == 0 {
		return &InputError{Field: "Target.Regions", Reason: "is empty"}
	}
	seen := map[string]bool{}
	for i := range t.Accounts {
		a := &t.Accounts[i]
		field := fmt.Sprintf("Target.Accounts[%d]", i)
		if a.RoleARN != "" {
			r, err := arn.Parse(a.RoleARN)
			if err != nil || r.Service != "iam" || !strings.HasPrefix(r.Resource, "role/") {
				return &InputError{Field: field + ".RoleARN", Value: a.RoleARN, Reason: "is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"}
			}
			if a.ID == "" {
				a.ID = r.AccountID
			} else if a.ID != r.AccountID {
				return &InputError{Field: field + ".ID", Value: a.ID, Reason: "is not the account of RoleARN " + a.RoleARN}
			}
		}
		if !accountRE.MatchString(a.ID) {
			return &InputError{Field: field + ".ID", Value: a.ID, Reason: "is not a 12-digit account id (set it, or RoleARN)"}
		}
		if seen[a.ID] {
			return &InputError{Field: field + ".ID", Value: a.ID, Reason: "is given twice"}
		}
		seen[a.ID] = true
	}
	rs := map[string]bool{}
	for i, r := range t.Regions {
		if !regionRE.MatchString(r) {
			return &InputError{Field: fmt.Sprintf("Target.Regions[%d]", i), Value: r, Reason: "is not an AWS Region name"}
		}
		if rs[r] {
			return &InputError{Field: fmt.Sprintf("Target.Regions[%d]", i), Value: r, Reason: "is given twice"}
		}
		rs[r] = true
	}
	return nil
}

// auditor is the state of one Audit call.
type auditor struct {
	o  Options
	at time.Time

	limMu    sync.Mutex
	limiters map[[3]string]*rate.Limiter

	keyMu sync.Mutex
	keys  map[string]*keyEntry
	reads sync.WaitGroup // key reads and the resources waiting for them

	mu       sync.Mutex // guards rep, progress, panicked
	rep      *Report
	progress Progress
	panicked error // a panic of Options.Progress

	consumers []*consumer // auditedConsumers, once per audit
}

// Audit lists every encrypted resource of every consumer with a listing
// API (policy engines, batch evaluations) in every account and Region of t,
// with the clients that clients returns, and checks each one's key: its
// state and deletion date (DescribeKey), its key policy against the
// consumer's documented requests (GetKeyPolicy, keypolicy.Analyze), and for
// policy engines the two grants (ListGrants). Each key is read once,
// however many resources share it, with each KMS operation kept under
// [Options.QuotaShare] of its request quota for the key's account and
// Region by a client-side token bucket; a request that is throttled all the
// same is retried, after the SDK's retryer, up to
// [Options.ThrottleRetries] times.
//
// Problems are findings, never errors: a resource whose key could not be
// read, or a listing cut short, makes the report incomplete, never clean.
// Audit returns an error only for bad input (an [*InputError], before any
// call), when ctx ends (errors.Is(err, context.Canceled)), with what was
// audited so far, or when [Options.Progress] panicked (an [*InputError],
// with the whole report).
func Audit(ctx context.Context, t Target, clients ClientsFunc, optFns ...func(*Options)) (*Report, error) {
	if clients == nil {
		return nil, &InputError{Field: "clients", Reason: "is nil"}
	}
	t.Accounts = append([]Account(nil), t.Accounts...)
	if err := t.validate(); err != nil {
		return nil, err
	}
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.defaults()
	a := &auditor{o: o, at: o.Now().UTC(), limiters: map[[3]string]*rate.Limiter{}, keys: map[string]*keyEntry{},
		rep: &Report{Stats: Stats{Requests: map[string]int{}}}, consumers: auditedConsumers()}
	a.rep.At = a.at
	a.progress.Total = len(t.Accounts) * len(t.Regions) * len(a.consumers)

	var wg sync.WaitGroup
	for _, acct := range t.Accounts {
		for _, region := range t.Regions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.scope(ctx, acct, region, clients)
			}()
		}
	}
	wg.Wait()
	a.reads.Wait()

	rep := a.rep
	for _, k := range a.keys {
		rep.Keys = append(rep.Keys, k.report())
	}
	rep.sortReport()
	rep.computeOutcome()
	if err := ctx.Err(); err != nil {
		return rep, errors.Join(fmt.Errorf("fleet: audit: %w", err), a.panicked)
	}
	return rep, a.panicked
}

// scope audits one account and Region: every consumer's listing, and each
// listed resource.
func (a *auditor) scope(ctx context.Context, acct Account, region string, clients ClientsFunc) {
	cs, err := protect(func() (*Clients, error) { return clients(ctx, acct, region) })
	if err == nil && (cs == nil || cs.KMS == nil) {
		err = &InputError{Field: "clients", Reason: "returned no KMS client for " + acct.ID + " " + region}
	}
	if err != nil {
		for _, c := range a.consumers {
			a.addScope(Scope{Account: acct.ID, Region: region, Consumer: c.name, Err: err,
				Error: fmt.Sprintf("no clients for account %s in %s: %v", acct.ID, region, err)})
		}
		return
	}
	jobs := make(chan job)
	var workers sync.WaitGroup
	for range a.o.Concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for j := range jobs {
				a.audit(ctx, cs, acct, j)
			}
		}()
	}
	var listers sync.WaitGroup
	for _, c := range a.consumers {
		listers.Add(1)
		go func() {
			defer listers.Done()
			s := Scope{Account: acct.ID, Region: region, Consumer: c.name}
			err := c.list(ctx, a, cs, acct, region, func(r Resource) bool {
				s.Listed++
				a.mu.Lock()
				a.progress.Listed++
				a.mu.Unlock()
				select {
				case jobs <- job{c: c, r: r}:
					return true
				case <-ctx.Done():
					return false
				}
			})
			if err == nil {
				err = ctx.Err()
			}
			s.Complete = err == nil
			if err != nil {
				s.Err, s.Error = err, err.Error()
			}
			a.addScope(s)
		}()
	}
	listers.Wait()
	close(jobs)
	workers.Wait()
}

func (a *auditor) addScope(s Scope) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rep.Scopes = append(a.rep.Scopes, s)
	a.progress.Scopes++
}

// job is one listed resource to audit.
type job struct {
	c *consumer
	r Resource
}

func (a *auditor) audit(ctx context.Context, cs *Clients, acct Account, j job) {
	r := j.r
	if r.KeyARN == "" {
		a.record(r)
		return
	}
	k := a.key(r.KeyARN)
	k.addResource(r.ARN)
	if k.refErr != nil {
		r.Findings = append(r.Findings, Finding{Code: CodeKeyUnreadable, Status: unknown, Err: k.refErr,
			Message: fmt.Sprintf("the listing names key %q, which is not a key ARN: %v", r.KeyARN, k.refErr)})
		a.record(r)
		return
	}
	// The resource is judged once its key has been read; until then the
	// listing and the other resources go on.
	a.whenRead(ctx, cs.KMS, k, j.c.grants, func() {
		if err := ctx.Err(); err != nil {
			r.Findings = append(r.Findings, Finding{Code: CodeKeyUnreadable, Status: unknown, Err: err,
				Message: fmt.Sprintf("the audit stopped before key %s was read: %v", k.arn, err)})
		} else {
			j.c.judge(a, acct, k, &r)
		}
		a.record(r)
	})
}

// record adds the audited resource to the report.
func (a *auditor) record(r Resource) {
	for i := range r.Findings {
		f := &r.Findings[i]
		f.ID = r.ARN + "#" + string(f.Code)
		if req := f.Requirement; req != "" {
			f.ID += "/" + req[strings.LastIndexByte(req, '/')+1:]
		}
	}
	r.finish()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rep.Resources = append(a.rep.Resources, r)
	a.progress.Audited++
	if a.o.Progress != nil && a.panicked == nil {
		a.keyMu.Lock()
		a.progress.Keys = len(a.keys)
		a.keyMu.Unlock()
		func() {
			// A panic in Progress must not kill the process from one of
			// Audit's goroutines; Audit returns it, and calls Progress no
			// more.
			defer func() {
				if p := recover(); p != nil {
					a.panicked = &InputError{Field: "Options.Progress", Reason: fmt.Sprintf("panicked: %v", p)}
				}
			}()
			a.o.Progress(a.progress)
		}()
	}
}

// limiter returns the client-side token bucket of op in the key's (or
// listing's) account and Region: QuotaShare of the quota, with a bucket of
// one second's worth, as KMS counts it. An operation without a quota is
// not limited.
func (a *auditor) limiter(account, region, op string) *rate.Limiter {
	a.limMu.Lock()
	defer a.limMu.Unlock()
	k := [3]string{account, region, op}
	l, ok := a.limiters[k]
	if !ok {
		q, limited := a.o.Quotas[op]
		if !limited || q <= 0 {
			l = rate.NewLimiter(rate.Inf, 1)
		} else {
			share := q * a.o.QuotaShare
			l = rate.NewLimiter(rate.Limit(share*a.o.TimeScale), max(1, int(math.Floor(share))))
		}
		a.limiters[k] = l
	}
	return l
}

// call sends one request of op, counted against account and Region's
// quota, waiting for the client-side limiter first, and sends it again
// when the SDK's retryer gave up on throttling.
func (a *auditor) call(ctx context.Context, account, region, op string, fn func(context.Context) error) error {
	lim := a.limiter(account, region, op)
	wait := a.o.ThrottleBackoff
	for attempt := 0; ; attempt++ {
		if err := lim.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		a.mu.Lock()
		a.rep.Stats.Requests[op]++
		a.mu.Unlock()
		err := fn(ctx)
		if agentcore.KindOf(err) != agentcore.KindThrottled || attempt >= a.o.ThrottleRetries || a.o.ThrottleRetries < 0 {
			return err
		}
		a.mu.Lock()
		a.rep.Stats.ThrottleRetries++
		a.mu.Unlock()
		if !loopback.Wait(ctx, wait) {
			return ctx.Err()
		}
		wait = min(2*wait, 32*a.o.ThrottleBackoff)
	}
}

// callKMS is [auditor.call] for a KMS operation: fn passes pace to the
// SDK call, so that every retry attempt the SDK's retryer makes waits for
// the same limiter as the first attempt did. Without it a throttled
// request's retries would come on top of the limiter's rate, and throttle
// more.
func (a *auditor) callKMS(ctx context.Context, account, region, op string, fn func(context.Context, func(*kms.Options)) error) error {
	lim := a.limiter(account, region, op)
	return a.call(ctx, account, region, op, func(ctx context.Context) error {
		attempts := 0 // the attempts of one call are sequential
		pace := func(o *kms.Options) {
			o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
				return s.Finalize.Insert(middleware.FinalizeMiddlewareFunc("fleet.Quota",
					func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
						if attempts++; attempts > 1 {
							if err := lim.Wait(ctx); err != nil {
								return middleware.FinalizeOutput{}, middleware.Metadata{}, err
							}
						}
						return next.HandleFinalize(ctx, in)
					}), "Retry", middleware.After)
			})
		}
		return fn(ctx, pace)
	})
}

// protect calls fn and turns a panic into an [*InputError].
func protect[T any](fn func() (T, error)) (out T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &InputError{Field: "clients", Reason: fmt.Sprintf("panicked: %v", p)}
		}
	}()
	return fn()
}
