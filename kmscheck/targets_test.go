package kmscheck_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const secondRole = "arn:aws:iam::111122223333:role/SecondRole"

// consumerParams are parameters every key-policy consumer accepts, for the
// caller of the test client.
func consumerParams(name string) keypolicy.Params {
	p := keypolicy.Params{Account: account, Region: region, Principal: caller}
	switch name {
	case keypolicy.ConsumerGateway:
		p.ServiceRole = secondRole
		p.ResourceARN = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1"
	case keypolicy.ConsumerPaymentManager:
		p.ExecutionRole = secondRole
	}
	return p
}

// consumerPolicy is the default key policy with the consumer's documented
// statements added, less drop.
func consumerPolicy(t *testing.T, e *env, name string, drop ...string) string {
	t.Helper()
	base, err := keypolicy.Parse([]byte(e.k.DefaultKeyPolicy()))
	if err != nil {
		t.Fatal(err)
	}
	add, err := keypolicy.For(name, consumerParams(name))
	if err != nil {
		t.Fatal(err)
	}
	add.Statement = slices.DeleteFunc(add.Statement, func(s keypolicy.Statement) bool { return slices.Contains(drop, s.Sid) })
	doc, err := keypolicy.Merge(base, add)
	if err != nil {
		t.Fatal(err)
	}
	b, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkedConsumers are the consumers whose documented key policy Check can
// verify: memory documents none; policy engines and batch evaluations have
// their own tests.
func checkedConsumers() []string {
	var out []string
	for _, c := range keypolicy.Consumers() {
		if c.Kind == keypolicy.KeyPolicy &&
			c.Name != keypolicy.ConsumerPolicyEngine && c.Name != keypolicy.ConsumerBatchEvaluation {
			out = append(out, c.Name)
		}
	}
	return out
}

// TestConsumerTargetsPass: a good key with the consumer's documented
// statements passes every finding of its target, over the wire, and the
// dry run is made exactly where the caller's GenerateDataKey does not go
// through AgentCore.
func TestConsumerTargetsPass(t *testing.T) {
	t.Parallel()
	wantDryRun := map[string]bool{keypolicy.ConsumerDataset: true, keypolicy.ConsumerConfigurationBundle: true, keypolicy.ConsumerRecommendation: true}
	for _, name := range checkedConsumers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(consumerPolicy(t, e, name))})
			r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(name, consumerParams(name)))
			if err != nil {
				t.Fatal(err)
			}
			reqs, err := keypolicy.RequirementsFor(name, consumerParams(name))
			if err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(keyIDs[:len(keyIDs)-1]), kmscheck.IDKeyMultiRegion, kmscheck.IDPolicyRead)
			for _, q := range reqs {
				want = append(want, kmscheck.IDPolicyPrefix+q.ID)
			}
			if wantDryRun[name] {
				want = append(want, kmscheck.IDDryRunGenerateDataKey)
			}
			if diff := cmp.Diff(want, ids(r)); diff != "" {
				t.Errorf("finding ids (-want +got):\n%s", diff)
			}
			for _, f := range r.Findings {
				if f.Status != kmscheck.StatusPass {
					t.Errorf("finding %v, want a pass", f)
				}
			}
			if !r.OK() || !r.Complete() || r.Err() != nil || r.Feature != name {
				t.Errorf("report OK %v Complete %v Err %v Feature %s", r.OK(), r.Complete(), r.Err(), r.Feature)
			}
		})
	}
}

// TestConsumerTargetMissingStatement: without one documented statement,
// the requests it allows fail with the fix of adding it.
func TestConsumerTargetMissingStatement(t *testing.T) {
	t.Parallel()
	for _, name := range checkedConsumers() {
		doc, err := keypolicy.For(name, consumerParams(name))
		if err != nil {
			t.Fatal(err)
		}
		reqs, err := keypolicy.RequirementsFor(name, consumerParams(name))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Statement {
			t.Run(name+"/"+s.Sid, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(consumerPolicy(t, e, name, s.Sid))})
				r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(name, consumerParams(name)), func(o *kmscheck.Options) { o.SkipDryRun = true })
				if err != nil {
					t.Fatal(err)
				}
				failed := 0
				for _, q := range reqs {
					f := finding(t, r, kmscheck.IDPolicyPrefix+q.ID)
					switch {
					case q.Statement != s.Sid && q.Caller != keypolicy.CallerService && f.Status == kmscheck.StatusWarn:
						// The default policy's root statement still lets IAM allow it.
					case q.Statement != s.Sid:
						if f.Status != kmscheck.StatusPass {
							t.Errorf("%s: %v, want pass", q.ID, f)
						}
					case f.Status == kmscheck.StatusFail:
						failed++
						if !strings.Contains(f.Remedy, `keypolicy.For("`+name+`", ...)`) || !strings.Contains(f.Remedy, s.Sid) || !errors.Is(f.Err, kmscheck.ErrAccessDenied) {
							t.Errorf("%s: remedy %q err %v", q.ID, f.Remedy, f.Err)
						}
					case f.Status == kmscheck.StatusWarn && q.Caller != keypolicy.CallerService:
						// The caller or role falls back to the default
						// policy's account statement: allowed only if IAM allows it.
						failed++
						if !strings.Contains(f.Remedy, s.Sid) {
							t.Errorf("%s: remedy %q does not name %s", q.ID, f.Remedy, s.Sid)
						}
					default:
						t.Errorf("%s without %s: %v", q.ID, s.Sid, f)
					}
				}
				if failed == 0 && s.Sid != keypolicy.SidGatewayLogging {
					t.Errorf("removing %s changed no finding", s.Sid)
				}
			})
		}
	}
}

// TestConsumerKeyRestrictions: each consumer's target enforces the key
// restrictions of its sheet.
func TestConsumerKeyRestrictions(t *testing.T) {
	t.Parallel()
	type want struct {
		id     string
		status kmscheck.Status
	}
	tests := []struct {
		name     string
		consumer string
		region   string // of the KMS emulator; default the target's
		key      *kms.CreateKeyInput
		want     []want
	}{
		{name: "evaluator: other Region fails", consumer: keypolicy.ConsumerEvaluator, region: "us-west-2", want: []want{{kmscheck.IDKeyRegion, kmscheck.StatusFail}}},
		{name: "dataset: other Region fails", consumer: keypolicy.ConsumerDataset, region: "eu-west-1", want: []want{{kmscheck.IDKeyRegion, kmscheck.StatusFail}}},
		{name: "configuration bundle: other Region fails", consumer: keypolicy.ConsumerConfigurationBundle, region: "us-west-2", want: []want{{kmscheck.IDKeyRegion, kmscheck.StatusFail}}},
		{name: "recommendation: other Region fails", consumer: keypolicy.ConsumerRecommendation, region: "us-west-2", want: []want{{kmscheck.IDKeyRegion, kmscheck.StatusFail}}},
		{name: "payment manager: other Region is open", consumer: keypolicy.ConsumerPaymentManager, region: "us-west-2", want: []want{{kmscheck.IDKeyRegion, kmscheck.StatusWarn}}},
		{name: "gateway: other Region is open", consumer: keypolicy.ConsumerGateway, region: "us-west-2", want: []want{{kmscheck.IDKeyRegion, kmscheck.StatusWarn}}},
		{name: "payment manager: multi-Region refused", consumer: keypolicy.ConsumerPaymentManager, key: &kms.CreateKeyInput{MultiRegion: aws.Bool(true)},
			want: []want{{kmscheck.IDKeyMultiRegion, kmscheck.StatusFail}}},
		{name: "evaluator: multi-Region is open", consumer: keypolicy.ConsumerEvaluator, key: &kms.CreateKeyInput{MultiRegion: aws.Bool(true)},
			want: []want{{kmscheck.IDKeyMultiRegion, kmscheck.StatusWarn}}},
		{name: "gateway: multi-Region is open", consumer: keypolicy.ConsumerGateway, key: &kms.CreateKeyInput{MultiRegion: aws.Bool(true)},
			want: []want{{kmscheck.IDKeyMultiRegion, kmscheck.StatusWarn}}},
		{name: "dataset: asymmetric fails", consumer: keypolicy.ConsumerDataset, key: &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt},
			want: []want{{kmscheck.IDKeySpec, kmscheck.StatusFail}, {kmscheck.IDKeyMultiRegion, kmscheck.StatusPass}}},
		{name: "gateway: HMAC fails", consumer: keypolicy.ConsumerGateway, key: &kms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac},
			want: []want{{kmscheck.IDKeySpec, kmscheck.StatusFail}, {kmscheck.IDKeyUsage, kmscheck.StatusFail}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(o *kmstest.Options) {
				if tt.region != "" {
					o.Region = tt.region
				}
			})
			in := tt.key
			if in == nil {
				in = &kms.CreateKeyInput{}
			}
			in.Policy = aws.String(consumerPolicy(t, e, tt.consumer))
			md := e.key(t, in)
			r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(tt.consumer, consumerParams(tt.consumer)), func(o *kmscheck.Options) { o.SkipDryRun = true })
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if f := finding(t, r, w.id); f.Status != w.status {
					t.Errorf("%s: %v, want %v", w.id, f, w.status)
				}
			}
			if r.OK() && slices.ContainsFunc(tt.want, func(w want) bool { return w.status == kmscheck.StatusFail }) {
				t.Error("report does not fail")
			}
		})
	}
}

// TestConsumerTargetBadInput: a key reference the consumer's key field
// refuses, an unknown consumer, missing parameters and two fields set are
// *InputErrors, never a report.
func TestConsumerTargetBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name   string
		key    string
		target kmscheck.Target
		field  string
		cause  error // also wrapped, or nil
	}{
		{"alias name for a key-ARN-only field", "alias/agentcore", kmscheck.ForConsumer(keypolicy.ConsumerGateway, consumerParams(keypolicy.ConsumerGateway)), "keyID", agentcore.ErrInvalidInput},
		{"alias ARN for a key-ARN-only field", "arn:aws:kms:us-east-1:111122223333:alias/agentcore", kmscheck.ForConsumer(keypolicy.ConsumerDataset, consumerParams(keypolicy.ConsumerDataset)), "keyID", agentcore.ErrInvalidInput},
		{"bare key id for a key-ARN-only field", "1234abcd-12ab-34cd-56ef-1234567890ab", kmscheck.ForConsumer(keypolicy.ConsumerPaymentManager, consumerParams(keypolicy.ConsumerPaymentManager)), "keyID", agentcore.ErrInvalidInput},
		{"key ARN in another partition", "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", kmscheck.ForConsumer(keypolicy.ConsumerEvaluator, consumerParams(keypolicy.ConsumerEvaluator)), "keyID", agentcore.ErrInvalidInput},
		{"unknown consumer", keyARN, kmscheck.ForConsumer("nope", consumerParams("nope")), "target", keypolicy.ErrInvalidInput},
		{"empty consumer", keyARN, kmscheck.Target{Consumer: &kmscheck.ConsumerTarget{}}, "target", nil},
		{"gateway without a service role", keyARN, kmscheck.ForConsumer(keypolicy.ConsumerGateway, keypolicy.Params{Account: account, Region: region, ResourceARN: "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g"}), "target", keypolicy.ErrInvalidInput},
		{"token vault without a principal", keyARN, kmscheck.ForConsumer(keypolicy.ConsumerTokenVault, keypolicy.Params{Account: account, Region: region}), "target", keypolicy.ErrInvalidInput},
		{"consumer and policy engine", keyARN, kmscheck.Target{PolicyEngine: peTarget.PolicyEngine, Consumer: &kmscheck.ConsumerTarget{Name: keypolicy.ConsumerDataset, Params: consumerParams(keypolicy.ConsumerDataset)}}, "target", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := kmscheck.Check(t.Context(), e.c, tt.key, tt.target)
			var ie *kmscheck.InputError
			if r != nil || !errors.As(err, &ie) || !errors.Is(err, kmscheck.ErrInvalidInput) || ie.Field != tt.field {
				t.Fatalf("Check = %v, %v; want an *InputError for %s", r, err, tt.field)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("%v does not wrap %v", err, tt.cause)
			}
		})
	}
	if n := len(e.k.Requests()); n != 0 {
		t.Errorf("bad input made %d KMS calls", n)
	}
}

// TestMemoryTarget: memory documents no key policy; the default key policy
// lets IAM allow the identity policy's requests, which are warnings whose
// remedy is the documented identity policy.
func TestMemoryTarget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	md := e.key(t, &kms.CreateKeyInput{})
	p := keypolicy.Params{Account: account, Region: region, Principal: caller}
	// Memory's key field takes any ARN form, so an alias is checked, not
	// refused: this one does not exist.
	r, err := kmscheck.Check(t.Context(), e.c, "alias/missing", kmscheck.ForConsumer(keypolicy.ConsumerMemory, p))
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(t, r, kmscheck.IDKeyExists); f.Status != kmscheck.StatusFail {
		t.Errorf("missing alias: %v", f)
	}
	r, err = kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(keypolicy.ConsumerMemory, p))
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := keypolicy.RequirementsFor(keypolicy.ConsumerMemory, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range reqs {
		f := finding(t, r, kmscheck.IDPolicyPrefix+q.ID)
		if f.Status != kmscheck.StatusWarn || !strings.Contains(f.Remedy, "identity policy") || !strings.Contains(f.Remedy, `keypolicy.For("memory", ...)`) {
			t.Errorf("%s: %v, remedy %q", q.ID, f, f.Remedy)
		}
	}
	if _, ok := r.Finding(kmscheck.IDDryRunGenerateDataKey); ok {
		t.Error("memory's requests go through AgentCore; no dry run expected")
	}
	// A key policy without the root statement denies them.
	e2 := newEnv(t)
	md2 := e2.key(t, &kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"` + caller + `"},"Action":["kms:DescribeKey","kms:GetKeyPolicy","kms:PutKeyPolicy"],"Resource":"*"}]}`)})
	r, err = kmscheck.Check(t.Context(), e2.c, *md2.Arn, kmscheck.ForConsumer(keypolicy.ConsumerMemory, p))
	if err != nil {
		t.Fatal(err)
	}
	if f := finding(t, r, "policy.decrypt"); f.Status != kmscheck.StatusFail || strings.Contains(f.Remedy, `statement ""`) {
		t.Errorf("policy.decrypt without delegation: %v, remedy %q", f, f.Remedy)
	}
}

// TestForConsumerFeatures: ForConsumer of the two original features is the
// original target.
func TestForConsumerFeatures(t *testing.T) {
	t.Parallel()
	p := keypolicy.Params{Account: account, Region: region, Principal: caller, Variant: keypolicy.VariantSourceContext}
	got := kmscheck.ForConsumer(keypolicy.ConsumerPolicyEngine, p)
	if got.PolicyEngine == nil || !got.PolicyEngine.SourceContext || got.Consumer != nil || got.Feature() != keypolicy.FeaturePolicyEngine {
		t.Errorf("policy engine: %+v", got)
	}
	got = kmscheck.ForConsumer(keypolicy.ConsumerBatchEvaluation, keypolicy.Params{Account: account, Region: region})
	if got.BatchEvaluation == nil || got.Consumer != nil || got.Feature() != keypolicy.FeatureBatchEvaluation {
		t.Errorf("batch evaluation: %+v", got)
	}
	if f := kmscheck.ForConsumer(keypolicy.ConsumerGateway, keypolicy.Params{}).Feature(); f != keypolicy.ConsumerGateway {
		t.Errorf("gateway feature %q", f)
	}
}

// TestConsumerDryRunDenied: for a consumer whose caller requests
// GenerateDataKey directly, a key policy that denies it fails the dry run,
// with the documented statement and generator as the remedy.
func TestConsumerDryRunDenied(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Only what the check itself needs; the caller's documented statement is missing.
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":{"AWS":"` + caller + `"},"Action":["kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}]}`)})
	r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(keypolicy.ConsumerRecommendation, consumerParams(keypolicy.ConsumerRecommendation)))
	if err != nil {
		t.Fatal(err)
	}
	f := finding(t, r, kmscheck.IDDryRunGenerateDataKey)
	if f.Status != kmscheck.StatusFail || !errors.Is(f.Err, kmscheck.ErrAccessDenied) ||
		!strings.Contains(f.Message, "recommendation's encryption context") ||
		!strings.Contains(f.Remedy, `"AllowCallerCryptoOps"`) || !strings.Contains(f.Remedy, `keypolicy.For("recommendation", ...)`) {
		t.Errorf("dry run: %v, remedy %q", f, f.Remedy)
	}
	if r.OK() {
		t.Error("report passes")
	}
}

// TestEvaluatorExecutionRole: with an execution role, the evaluator target
// reports its undocumented-for-sure Decrypt apart: a warning when the key
// policy denies it, a pass when it allows it, and the report still passes.
func TestEvaluatorExecutionRole(t *testing.T) {
	t.Parallel()
	const exec = "arn:aws:iam::111122223333:role/EvalExecution"
	p := consumerParams(keypolicy.ConsumerEvaluator)
	p.ExecutionRole = exec
	for _, tt := range []struct {
		name  string
		extra string // statement added to the documented policy
		want  kmscheck.Status
	}{
		{"denied", "", kmscheck.StatusWarn},
		{"allowed", `{"Sid":"Exec","Effect":"Allow","Principal":{"AWS":"` + exec + `"},"Action":"kms:Decrypt","Resource":"*"}`, kmscheck.StatusPass},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			doc, err := keypolicy.For(keypolicy.ConsumerEvaluator, p)
			if err != nil {
				t.Fatal(err)
			}
			if tt.extra != "" {
				s, err := keypolicy.Parse([]byte(`{"Version":"2012-10-17","Statement":[` + tt.extra + `]}`))
				if err != nil {
					t.Fatal(err)
				}
				doc.Statement = append(doc.Statement, s.Statement...)
			}
			// The check itself needs to read the key.
			read, _ := keypolicy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":{"AWS":"` + caller + `"},"Action":["kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}]}`))
			doc.Statement = append(doc.Statement, read.Statement...)
			md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(string(doc.Compact()))})
			r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(keypolicy.ConsumerEvaluator, p))
			if err != nil {
				t.Fatal(err)
			}
			f := finding(t, r, "policy.execution-role-decrypt")
			if f.Status != tt.want || f.Err != nil {
				t.Errorf("execution role finding %v, want %v", f, tt.want)
			}
			if !r.OK() {
				t.Errorf("report fails: %v", r.Err())
			}
		})
	}
	// Without the role there is no such finding; a bad role is bad input.
	e := newEnv(t)
	md := e.key(t, &kms.CreateKeyInput{Policy: aws.String(consumerPolicy(t, e, keypolicy.ConsumerEvaluator))})
	r, err := kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(keypolicy.ConsumerEvaluator, consumerParams(keypolicy.ConsumerEvaluator)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Finding("policy.execution-role-decrypt"); ok {
		t.Error("finding without an execution role")
	}
	bad := consumerParams(keypolicy.ConsumerEvaluator)
	bad.ExecutionRole = "arn:aws:iam::111122223333:user/u"
	if _, err := kmscheck.Check(t.Context(), e.c, *md.Arn, kmscheck.ForConsumer(keypolicy.ConsumerEvaluator, bad)); !errors.Is(err, kmscheck.ErrInvalidInput) {
		t.Errorf("user as execution role: %v", err)
	}
}
