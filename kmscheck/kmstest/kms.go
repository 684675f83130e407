package kmstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/internal/emu"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

// Options configures a [KMS]. [New] fills in the defaults documented on each
// field before applying the caller's option functions.
type Options struct {
	// Region is the Region of every key. Default "us-east-1". It also sets
	// the partition of ARNs; a name outside the known partitions is taken
	// to be in "aws".
	Region string
	// Account is the 12-digit account that owns every key. Default
	// "111122223333".
	Account string
	// DefaultPrincipal is the caller of [KMS.Client]. Default
	// arn:PARTITION:iam::ACCOUNT:role/kmstest.
	DefaultPrincipal string
	// DefaultCaller, if set, is the caller of HTTP requests signed with an
	// access key id that [KMS.MapAccessKey] did not map. If nil (the
	// default), such a request fails with UnrecognizedClientException, as
	// AWS answers an access key it does not know; so does a request that
	// is not signed at all.
	DefaultCaller *Caller
	// PredefinedAliases are the AWS managed aliases ("alias/aws/...") that
	// AWS creates in every account before any key is associated with them:
	// ListAliases lists them with no TargetKeyId, and DescribeKey on one
	// fails with NotFoundException. [KMS.SetAlias] points one at a key. If
	// nil, [DefaultPredefinedAliases]; set an empty non-nil slice for none.
	PredefinedAliases []string
	// RootDelegation reports whether a key-policy statement that names the
	// account root (keypolicy.AllowIfIAMAllows) allows the request, as if the
	// caller's IAM policies allowed it. Default true.
	RootDelegation bool
	// EnforceKeyPolicy reports whether key policies and grants are enforced.
	// If false, every caller may do everything. Default true.
	EnforceKeyPolicy bool
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Latency is added to every operation, in both the Go and the HTTP form.
	// Zero means none. [KMS.SetLatency] changes it later.
	Latency time.Duration
	// MaxRequests is how many of the most recent calls [KMS.Requests]
	// keeps, so that memory stays bounded however many calls are made. If
	// zero, emu.DefaultCapacity (10,000); if negative, no call is kept
	// ([KMS.CallCount] still counts).
	MaxRequests int
}

// ErrNilKMS is returned by the methods of a nil *KMS, and of a [Client] of
// none.
var ErrNilKMS = errors.New("kmstest: nil *KMS")

// Fault is an error response injected with [KMS.InjectFault]: an HTTP
// status, an error code and a message.
type Fault = emu.Fault

// ThrottlingFault returns the ThrottlingException fault (HTTP 429), which
// the SDK retries.
func ThrottlingFault() Fault { return emu.ThrottlingFault() }

// InternalFault returns KMS's internal error, KMSInternalException (HTTP
// 500), which the SDK retries and decodes as *types.KMSInternalException.
func InternalFault() Fault {
	f := emu.InternalFault()
	f.Code = (&types.KMSInternalException{}).ErrorCode()
	return f
}

// KMS is an in-memory AWS KMS: keys, aliases, key policies, grants and
// symmetric cryptography, in one Region of one account. Use it directly
// through [KMS.Client] and [KMS.As], or over HTTP through [KMS.NewServer].
// It is safe for concurrent use.
type KMS struct {
	opts      Options
	partition awspartition.Partition

	mu         sync.Mutex
	keys       map[string]*key // by key id
	order      []string        // key ids in creation order
	aliases    map[string]*alias
	tokens     map[string]*grant // grant token -> grant, for RetireGrant
	accessKeys map[string]Caller
	counts     map[string]int // calls served, by operation

	faults   emu.Faults
	latency  emu.Latency
	quotas   atomic.Pointer[emu.Quotas] // nil: no request quotas
	recorder *emu.Recorder[Call]
}

type key struct {
	meta     types.KeyMetadata
	policy   string
	doc      *keypolicy.Document
	material []byte
	grants   grantList
	tags     map[string]string
	rotation *rotation // nil when automatic rotation is off
}

type rotation struct {
	periodDays int32
	next       time.Time
}

type alias struct {
	name    string
	target  string // key id; "" for a predefined AWS alias with no key yet
	created time.Time
	updated time.Time
}

// DefaultPredefinedAliases returns the predefined AWS managed aliases a
// [KMS] lists when Options.PredefinedAliases is nil. AWS documents that
// ListAliases "might also include aliases that have no TargetKeyId field",
// predefined for AWS services, but not which ones; these are the services
// AWS names in its examples and whose managed keys are most common.
func DefaultPredefinedAliases() []string {
	return []string{
		"alias/aws/dynamodb", "alias/aws/ebs", "alias/aws/elasticfilesystem", "alias/aws/lambda",
		"alias/aws/rds", "alias/aws/s3", "alias/aws/secretsmanager", "alias/aws/ssm",
	}
}

// Call records one operation a [KMS] served.
type Call struct {
	// Operation is the KMS operation name, such as "Decrypt".
	Operation string
	// Caller made the call.
	Caller Caller
	// KeyID is the KeyId (or SourceKeyId/DestinationKeyId) the call named, as
	// given.
	KeyID string
	// Err is the error the call returned, or nil.
	Err error
}

// New returns an empty in-memory KMS: no keys, aliases or access-key
// mappings, in Region us-east-1 of account 111122223333, with key policies
// enforced and root delegation on (the defaults listed on [Options]). The
// optFns change those defaults; an empty DefaultPrincipal or a nil Now
// after them gets its default again.
func New(optFns ...func(*Options)) *KMS {
	o := Options{
		Region:           "us-east-1",
		Account:          "111122223333",
		RootDelegation:   true,
		EnforceKeyPolicy: true,
		Now:              time.Now,
	}
	for _, fn := range optFns {
		fn(&o)
	}
	part, ok := awspartition.ForRegion(o.Region)
	if !ok {
		part, _ = awspartition.ByID("aws")
	}
	if o.DefaultPrincipal == "" {
		o.DefaultPrincipal = "arn:" + part.ID + ":iam::" + o.Account + ":role/kmstest"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PredefinedAliases == nil {
		o.PredefinedAliases = DefaultPredefinedAliases()
	}
	o.PredefinedAliases = slices.Clone(o.PredefinedAliases)
	if o.DefaultCaller != nil {
		c := *o.DefaultCaller
		o.DefaultCaller = &c
	}
	k := &KMS{
		opts:       o,
		partition:  part,
		keys:       map[string]*key{},
		aliases:    map[string]*alias{},
		tokens:     map[string]*grant{},
		accessKeys: map[string]Caller{},
		counts:     map[string]int{},
		recorder:   emu.NewRecorder[Call](o.MaxRequests),
	}
	now := o.Now()
	for _, name := range o.PredefinedAliases {
		k.aliases[name] = &alias{name: name, created: now, updated: now}
	}
	k.latency.SetLatency(o.Latency)
	return k
}

// Options returns a copy of the options k was created with.
func (k *KMS) Options() Options {
	if k == nil {
		return Options{}
	}
	o := k.opts
	o.PredefinedAliases = slices.Clone(o.PredefinedAliases)
	return o
}

// Client returns a client whose calls are made by Options.DefaultPrincipal.
func (k *KMS) Client() *Client {
	if k == nil {
		return &Client{}
	}
	return k.As(Caller{Principal: k.opts.DefaultPrincipal})
}

// As returns a client whose calls are made by c.
func (k *KMS) As(c Caller) *Client {
	return &Client{kms: k, caller: c}
}

// InjectFault makes the next n calls of operation op (such as "Decrypt"; ""
// or "*" for any operation) fail with f before they run, after the faults
// already injected for op: faults append, they never replace. In the Go form
// the call returns a smithy.APIError with f's code; over HTTP the response
// has f's status, so the SDK decodes and retries it as it would from KMS.
func (k *KMS) InjectFault(op string, f Fault, n int) {
	if k == nil {
		return
	}
	k.faults.InjectFault(op, f, n)
}

// SetLatency changes the delay added to every operation; d <= 0 means none.
func (k *KMS) SetLatency(d time.Duration) {
	if k == nil {
		return
	}
	k.latency.SetLatency(d)
}

// ThrottleNext makes the next n operations fail with ThrottlingException,
// which the SDK's retryer retries, replacing every fault injected before.
//
// Deprecated: use InjectFault("", ThrottlingFault(), n), which appends.
func (k *KMS) ThrottleNext(n int) {
	if k == nil {
		return
	}
	k.faults.Reset()
	k.faults.InjectFault(emu.AnyOp, ThrottlingFault(), n)
}

// FailNext makes the next n operations fail with KMSInternalException (HTTP
// 500), replacing every fault injected before.
//
// Deprecated: use InjectFault("", InternalFault(), n), which appends.
func (k *KMS) FailNext(n int) {
	if k == nil {
		return
	}
	k.faults.Reset()
	k.faults.InjectFault(emu.AnyOp, InternalFault(), n)
}

// Requests returns the most recent calls served (at most
// Options.MaxRequests), oldest first, including those that failed, until
// [KMS.ResetCalls].
func (k *KMS) Requests() []Call {
	if k == nil {
		return nil
	}
	return k.recorder.Requests()
}

// Calls returns what [KMS.Requests] returns.
//
// Deprecated: use Requests, the name every emulator of this module uses.
func (k *KMS) Calls() []Call { return k.Requests() }

// ResetCalls forgets the calls recorded and counted so far.
func (k *KMS) ResetCalls() {
	if k == nil {
		return
	}
	k.mu.Lock()
	clear(k.counts)
	k.mu.Unlock()
	k.recorder.Reset()
}

// CallCount returns how many times operation op (such as "DescribeKey") was
// served since [New] or [KMS.ResetCalls], including calls no longer kept by
// [KMS.Requests].
func (k *KMS) CallCount(op string) int {
	if k == nil {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.counts[op]
}

// KeyARN returns the ARN of the key with id keyID in k's Region and account.
func (k *KMS) KeyARN(keyID string) string {
	if k == nil {
		return ""
	}
	return "arn:" + k.partition.ID + ":kms:" + k.opts.Region + ":" + k.opts.Account + ":key/" + keyID
}

// AliasARN returns the ARN of alias name ("alias/...").
func (k *KMS) AliasARN(name string) string {
	if k == nil {
		return ""
	}
	return "arn:" + k.partition.ID + ":kms:" + k.opts.Region + ":" + k.opts.Account + ":" + name
}

// DefaultKeyPolicy returns the key policy AWS gives a key created without
// one: the account root may do everything ("Enable IAM User Permissions").
func (k *KMS) DefaultKeyPolicy() string {
	if k == nil {
		return ""
	}
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:` + k.partition.ID + `:iam::` + k.opts.Account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// TB is the part of testing.TB that [KMS.CreateTestKey] uses, so that this
// package need not import testing; *testing.T and *testing.B satisfy it.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// CreateTestKey creates a key as the account's administrator (no
// authorization) and returns its metadata; it calls tb.Fatal if in is
// invalid. in may be nil for a symmetric encryption key with the default key
// policy. [KMS.CreateAdminKey] does the same and returns the error instead.
func (k *KMS) CreateTestKey(tb TB, in *kms.CreateKeyInput) *types.KeyMetadata {
	tb.Helper()
	md, err := k.CreateAdminKey(context.Background(), in)
	if err != nil {
		tb.Fatalf("kmstest: creating key: %v", err)
	}
	return md
}

// CreateAdminKey creates a key as the account's administrator: no key
// policy authorization, no fault injection and no lockout safety check (the
// administrator sets the policy it is told to), but every other check
// CreateKey makes (key spec and usage, sizes, tags). in may be nil for a
// symmetric encryption key with the default key policy. It returns
// [ErrNilKMS] on a nil *KMS.
func (k *KMS) CreateAdminKey(ctx context.Context, in *kms.CreateKeyInput) (*types.KeyMetadata, error) {
	if k == nil {
		return nil, ErrNilKMS
	}
	if in == nil {
		in = &kms.CreateKeyInput{}
	}
	out, err := k.admin().CreateKey(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.KeyMetadata, nil
}

// admin is a client that bypasses key policies and fault injection.
func (k *KMS) admin() *Client { return &Client{kms: k, admin: true} }

// SetKeyPolicy replaces the key policy of keyID (a key id, key ARN, alias
// name or alias ARN) without authorization and without the lockout safety
// check, as an administrator setting up a test would with
// BypassPolicyLockoutSafetyCheck. It returns a
// *types.MalformedPolicyDocumentException if policy does not parse, a
// *types.LimitExceededException if it is over agentcore.MaxKeyPolicyBytes,
// and a *types.NotFoundException if the key does not exist.
func (k *KMS) SetKeyPolicy(keyID, policy string) error {
	var id string
	if err := k.withKey(keyID, func(kk *key) error { id = *kk.meta.KeyId; return nil }); err != nil {
		return err
	}
	_, err := k.admin().PutKeyPolicy(context.Background(), &kms.PutKeyPolicyInput{KeyId: &id, Policy: &policy, BypassPolicyLockoutSafetyCheck: true})
	return err
}

// SetAlias points alias name ("alias/...") at keyID without authorization
// or reserved-name checks, creating or moving it; use it to model AWS
// managed aliases such as "alias/aws/s3".
func (k *KMS) SetAlias(name, keyID string) error {
	return k.withKey(keyID, func(kk *key) error {
		now := k.opts.Now()
		if a, ok := k.aliases[name]; ok {
			a.target, a.updated = *kk.meta.KeyId, now
			return nil
		}
		k.aliases[name] = &alias{name: name, target: *kk.meta.KeyId, created: now, updated: now}
		return nil
	})
}

// UpdateKey changes the metadata of keyID under k's lock, for tests: set
// KeyState (for example types.KeyStateUnavailable), KeyManager
// (types.KeyManagerTypeAws for an AWS managed key), ValidTo and
// ExpirationModel, CustomKeyStoreId, and so on. Changes to KeyId, Arn and
// AWSAccountId are ignored. Enabled follows KeyState.
func (k *KMS) UpdateKey(keyID string, fn func(*types.KeyMetadata)) error {
	return k.withKey(keyID, func(kk *key) error {
		id, arn, acct := kk.meta.KeyId, kk.meta.Arn, kk.meta.AWSAccountId
		fn(&kk.meta)
		kk.meta.KeyId, kk.meta.Arn, kk.meta.AWSAccountId = id, arn, acct
		kk.meta.Enabled = kk.meta.KeyState == types.KeyStateEnabled
		if kk.meta.KeyState != types.KeyStatePendingDeletion {
			kk.meta.DeletionDate, kk.meta.PendingDeletionWindowInDays = nil, nil
		}
		return nil
	})
}

// SetKeyState sets the state of keyID, for tests. PendingDeletion gets a
// deletion date 30 days from now.
func (k *KMS) SetKeyState(keyID string, state types.KeyState) error {
	if k == nil {
		return ErrNilKMS
	}
	now := k.opts.Now()
	return k.UpdateKey(keyID, func(m *types.KeyMetadata) {
		m.KeyState = state
		if state == types.KeyStatePendingDeletion {
			m.DeletionDate = aws.Time(now.AddDate(0, 0, 30))
			m.PendingDeletionWindowInDays = aws.Int32(30)
		}
	})
}

// KeyPolicy returns the key policy of keyID (a key id, key ARN, alias name
// or alias ARN) without authorization, as it was last set.
func (k *KMS) KeyPolicy(keyID string) (string, error) {
	var policy string
	err := k.withKey(keyID, func(kk *key) error {
		policy = kk.policy
		return nil
	})
	return policy, err
}

// Grants returns the grants on keyID, oldest first.
func (k *KMS) Grants(keyID string) ([]types.GrantListEntry, error) {
	var out []types.GrantListEntry
	err := k.withKey(keyID, func(kk *key) error {
		out = make([]types.GrantListEntry, len(kk.grants.list))
		for i, g := range kk.grants.list {
			out[i] = g.copyEntry()
		}
		return nil
	})
	return out, err
}

// withKey runs fn, for a test's direct change or read without
// authorization, with k's lock held on the key keyID names (a key id, key
// ARN, alias name or alias ARN). It returns [ErrNilKMS] on a nil *KMS.
func (k *KMS) withKey(keyID string, fn func(kk *key) error) error {
	if k == nil {
		return ErrNilKMS
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	kk, err := k.lookupLocked(keyID, refAny)
	if err != nil {
		return err
	}
	return fn(kk)
}

// KeyIDs returns the ids of every key, in creation order.
func (k *KMS) KeyIDs() []string {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.order...)
}

// MapAccessKey makes HTTP requests signed with accessKeyID come from the
// IAM principal principalARN.
func (k *KMS) MapAccessKey(accessKeyID, principalARN string) {
	k.MapAccessKeyCaller(accessKeyID, Caller{Principal: principalARN})
}

// MapAccessKeyCaller makes HTTP requests signed with accessKeyID come from c.
func (k *KMS) MapAccessKeyCaller(accessKeyID string, c Caller) {
	if k == nil {
		return
	}
	k.mu.Lock()
	k.accessKeys[accessKeyID] = c
	k.mu.Unlock()
}

// PrincipalForAccessKey returns the principal mapped to accessKeyID and
// true; if it is not mapped, that of Options.DefaultCaller (or "" when
// there is none) and false.
func (k *KMS) PrincipalForAccessKey(accessKeyID string) (string, bool) {
	if k == nil {
		return "", false
	}
	c, ok := k.callerForAccessKey(accessKeyID)
	if c.Principal == "" {
		return c.Service, ok
	}
	return c.Principal, ok
}

func (k *KMS) callerForAccessKey(id string) (Caller, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.accessKeys[id]; ok {
		return c, true
	}
	if k.opts.DefaultCaller != nil {
		return *k.opts.DefaultCaller, false
	}
	return Caller{}, false
}

// refMode says which forms of key reference an operation's KeyId takes.
type refMode int

const (
	// refAny: key id, key ARN, alias name or alias ARN (DescribeKey and
	// the cryptographic operations).
	refAny refMode = iota
	// refKey: key id or key ARN only, as most operations document ("Specify
	// the key ID or key ARN of the KMS key"); an alias is not found.
	refKey
)

// lookupLocked finds the key ref names in one of the forms mode allows.
// A form it does not allow fails with NotFoundException, as KMS answers.
func (k *KMS) lookupLocked(ref string, mode refMode) (*key, error) {
	if ref == "" {
		return nil, validationError("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	id := ref
	prefix := "arn:" + k.partition.ID + ":kms:" + k.opts.Region + ":" + k.opts.Account + ":"
	if strings.HasPrefix(ref, "arn:") {
		rest, ok := strings.CutPrefix(ref, prefix)
		if !ok {
			if strings.Count(ref, ":") < 5 {
				return nil, &types.NotFoundException{Message: aws.String("Invalid arn " + ref)}
			}
			return nil, notFound(ref)
		}
		id = rest
		if kid, ok := strings.CutPrefix(rest, "key/"); ok {
			id = kid
		} else if !strings.HasPrefix(rest, "alias/") {
			return nil, notFound(ref)
		}
	}
	if strings.HasPrefix(id, "alias/") {
		if mode == refKey {
			return nil, &types.NotFoundException{Message: aws.String("Invalid keyId " + ref)}
		}
		a, ok := k.aliases[id]
		if !ok || a.target == "" {
			return nil, &types.NotFoundException{Message: aws.String("Alias " + k.AliasARN(id) + " is not found.")}
		}
		id = a.target
	}
	kk, ok := k.keys[id]
	if !ok {
		return nil, notFound(k.KeyARN(id))
	}
	// Imported key material that has expired is deleted: the key waits
	// for new material, as in KMS.
	m := &kk.meta
	if m.ExpirationModel == types.ExpirationModelTypeKeyMaterialExpires && m.ValidTo != nil && !m.ValidTo.After(k.opts.Now()) &&
		(m.KeyState == types.KeyStateEnabled || m.KeyState == types.KeyStateDisabled) {
		m.KeyState, m.Enabled = types.KeyStatePendingImport, false
	}
	return kk, nil
}

func notFound(arn string) error {
	return &types.NotFoundException{Message: aws.String("Key '" + arn + "' does not exist")}
}

func (k *KMS) aliasesForKeyLocked(keyID string) []*alias {
	var out []*alias
	for _, a := range k.aliases {
		if keyID == "" || (a.target == keyID && a.target != "") {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
