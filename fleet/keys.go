package fleet

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// keyEntry is what the audit reads of one key: each of DescribeKey,
// GetKeyPolicy and ListGrants once, the first time a resource needs it.
type keyEntry struct {
	arn             string
	account, region string // of the key's ARN, for its quotas
	refErr          error  // the ARN is not a key ARN

	// Each read's results are written once, by the goroutine that sends
	// it, before its fetch is marked done under mu.
	md      *kmstypes.KeyMetadata
	missing bool
	descErr error
	doc     *keypolicy.Document
	polErr  error
	grants  []kmstypes.GrantListEntry
	grErr   error

	mu               sync.Mutex // guards the fetches and resources
	desc, pol, grant fetch
	resources        []string
}

// fetch is the state of one read of a key.
type fetch struct {
	started, done bool
	waiters       []*waiter
}

// waiter is a resource waiting for need more reads of its key.
type waiter struct {
	need int
	then func()
}

// key returns the one entry of keyARN.
func (a *auditor) key(keyARN string) *keyEntry {
	a.keyMu.Lock()
	defer a.keyMu.Unlock()
	k, ok := a.keys[keyARN]
	if !ok {
		k = &keyEntry{arn: keyARN}
		ref, err := agentcore.ParseKeyRef(keyARN, agentcore.KeyRefRules{Field: "key ARN", KeyARNOnly: true})
		if err != nil {
			k.refErr = err
		} else {
			k.account, k.region = ref.Account, ref.Region
		}
		a.keys[keyARN] = k
	}
	return k
}

func (k *keyEntry) addResource(arn string) {
	k.mu.Lock()
	k.resources = append(k.resources, arn)
	k.mu.Unlock()
}

// whenRead calls then once the reads a resource needs of k are done:
// DescribeKey and GetKeyPolicy, and ListGrants when grants is set. Each
// read is sent once for the whole audit, by a goroutine of its own started
// by the first resource that needs it, so that listing never waits for the
// quotas; then runs at once if every read is done already, else on the
// goroutine of the last read it waits for.
func (a *auditor) whenRead(ctx context.Context, api KMS, k *keyEntry, grants bool, then func()) {
	type read struct {
		f      *fetch
		run    func()
		failed *error
	}
	reads := []read{
		{&k.desc, func() { k.describe(ctx, a, api) }, &k.descErr},
		{&k.pol, func() { k.policy(ctx, a, api) }, &k.polErr},
	}
	if grants {
		reads = append(reads, read{&k.grant, func() { k.listGrants(ctx, a, api) }, &k.grErr})
	}
	w := &waiter{then: then}
	var start []read
	k.mu.Lock()
	for _, rd := range reads {
		if rd.f.done {
			continue
		}
		w.need++
		rd.f.waiters = append(rd.f.waiters, w)
		if !rd.f.started {
			rd.f.started = true
			start = append(start, rd)
		}
	}
	ready := w.need == 0
	k.mu.Unlock()
	for _, rd := range start {
		a.reads.Add(1)
		go func() {
			defer a.reads.Done()
			func() {
				defer func() {
					if p := recover(); p != nil {
						*rd.failed = fmt.Errorf("the KMS client panicked reading key %s: %v", k.arn, p)
					}
				}()
				rd.run()
			}()
			k.mu.Lock()
			rd.f.done = true
			var run []*waiter
			for _, w := range rd.f.waiters {
				if w.need--; w.need == 0 {
					run = append(run, w)
				}
			}
			rd.f.waiters = nil
			k.mu.Unlock()
			for _, w := range run {
				w.then()
			}
		}()
	}
	if ready {
		then()
	}
}

func (k *keyEntry) describe(ctx context.Context, a *auditor, api KMS) {
	var out *kms.DescribeKeyOutput
	err := a.callKMS(ctx, k.account, k.region, "DescribeKey", func(ctx context.Context, pace func(*kms.Options)) (err error) {
		out, err = api.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.arn)}, pace)
		return err
	})
	switch {
	case agentcore.KindOf(err) == agentcore.KindKeyNotFound:
		k.missing = true
	case err != nil:
		k.descErr = fmt.Errorf("describing key %s: %w", k.arn, err)
	case out == nil || out.KeyMetadata == nil:
		k.descErr = &agentcore.IncompleteAnswerError{Op: "DescribeKey", Field: "KeyMetadata", Resource: k.arn}
	case out.KeyMetadata.KeyState == "":
		k.descErr = &agentcore.IncompleteAnswerError{Op: "DescribeKey", Field: "KeyMetadata.KeyState", Resource: k.arn}
	default:
		k.md = out.KeyMetadata
	}
}

func (k *keyEntry) policy(ctx context.Context, a *auditor, api KMS) {
	var out *kms.GetKeyPolicyOutput
	err := a.callKMS(ctx, k.account, k.region, "GetKeyPolicy", func(ctx context.Context, pace func(*kms.Options)) (err error) {
		out, err = api.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default")}, pace)
		return err
	})
	switch {
	case err != nil:
		k.polErr = fmt.Errorf("reading the key policy of %s: %w", k.arn, err)
	case out == nil || aws.ToString(out.Policy) == "":
		k.polErr = &agentcore.IncompleteAnswerError{Op: "GetKeyPolicy", Field: "Policy", Resource: k.arn}
	default:
		doc, err := keypolicy.Parse([]byte(*out.Policy))
		if err != nil {
			k.polErr = fmt.Errorf("parsing the key policy of %s: %w", k.arn, err)
			return
		}
		k.doc = doc
	}
}

// listGrants lists every grant of the key with the SDK's paginator, one
// page per request. A truncated page without a marker is an
// [agentcore.IncompleteAnswerError]: the rest would go unread.
func (k *keyEntry) listGrants(ctx context.Context, a *auditor, api KMS) {
	var all []kmstypes.GrantListEntry
	p := kms.NewListGrantsPaginator(api, &kms.ListGrantsInput{KeyId: aws.String(k.arn), Limit: aws.Int32(agentcore.MaxGrantsListLimit)})
	for p.HasMorePages() {
		var page *kms.ListGrantsOutput
		err := a.callKMS(ctx, k.account, k.region, "ListGrants", func(ctx context.Context, pace func(*kms.Options)) (err error) {
			page, err = p.NextPage(ctx, pace)
			return err
		})
		if err != nil {
			k.grErr = fmt.Errorf("listing the grants of %s: %w", k.arn, err)
			return
		}
		if page.Truncated && aws.ToString(page.NextMarker) == "" {
			k.grErr = &agentcore.IncompleteAnswerError{Op: "ListGrants", Field: "NextMarker", Resource: k.arn}
			return
		}
		all = append(all, page.Grants...)
	}
	if all == nil {
		all = []kmstypes.GrantListEntry{}
	}
	k.grants = all
}

// report is the key's entry in the report.
func (k *keyEntry) report() Key {
	out := Key{ARN: k.arn, Account: k.account, Region: k.region, Missing: k.missing, PolicyRead: k.doc != nil}
	if k.md != nil {
		out.State = string(k.md.KeyState)
		if k.md.DeletionDate != nil {
			out.DeletionDate = timePtr(*k.md.DeletionDate)
		}
	}
	for _, err := range []error{k.refErr, k.descErr, k.polErr, k.grErr} {
		if err != nil {
			out.Error = err.Error()
			break
		}
	}
	k.mu.Lock()
	out.Resources = slices.Clone(k.resources)
	k.mu.Unlock()
	slices.Sort(out.Resources)
	return out
}
