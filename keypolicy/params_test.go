package keypolicy

import (
	"errors"
	"testing"
)

const (
	goodEngine = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	goodBatch  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"
)

// checkParamError asserts that err is a *ParamError for field that unwraps
// to ErrInvalidParams, and that no document came back.
func checkParamError(t *testing.T, doc *Document, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got a document and no error, want a *ParamError for %s", field)
	}
	if doc != nil {
		t.Errorf("got a document with error %v", err)
	}
	var pe *ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParamError", err, err)
	}
	if pe.Field != field {
		t.Errorf("Field = %q, want %q (error: %v)", pe.Field, field, err)
	}
	if pe.Reason == "" {
		t.Errorf("empty Reason in %v", err)
	}
	if !errors.Is(err, ErrInvalidParams) {
		t.Errorf("errors.Is(%v, ErrInvalidParams) = false", err)
	}
}

// TestParamsShared covers the parameters both generators validate the same
// way; each row runs against both.
func TestParamsShared(t *testing.T) {
	t.Parallel()
	type in struct{ account, region, partition, principal string }
	tests := []struct {
		name    string
		in      in
		wantErr string // the *ParamError's Field; "" for success
	}{
		{"all defaults", in{"111122223333", "us-east-1", "", ""}, ""},
		{"explicit partition", in{"111122223333", "us-east-1", "aws", ""}, ""},
		{"role with path", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/service-role/team/Runner"}, ""},
		{"user", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:user/alice"}, ""},
		{"explicit root", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:root"}, ""},
		{"role in another account", in{"111122223333", "us-east-1", "", "arn:aws:iam::444455556666:role/Other"}, ""},
		{"role name with all allowed punctuation", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/a+b=c,d.e@f-g_h"}, ""},
		{"aws-cn inferred", in{"111122223333", "cn-north-1", "", "arn:aws-cn:iam::111122223333:role/R"}, ""},
		{"aws-us-gov inferred", in{"111122223333", "us-gov-west-1", "", ""}, ""},

		{"empty account", in{"", "us-east-1", "", ""}, "Account"},
		{"short account", in{"11112222333", "us-east-1", "", ""}, "Account"},
		{"long account", in{"1111222233334", "us-east-1", "", ""}, "Account"},
		{"account with letters", in{"11112222333a", "us-east-1", "", ""}, "Account"},
		{"account with dashes", in{"1111-2222-3333", "us-east-1", "", ""}, "Account"},
		{"account with quote", in{`11112222333"`, "us-east-1", "", ""}, "Account"},
		{"account with newline", in{"111122223333\n", "us-east-1", "", ""}, "Account"},
		{"account wildcard", in{"*", "us-east-1", "", ""}, "Account"},

		{"empty region", in{"111122223333", "", "", ""}, "Region"},
		{"region not a region", in{"111122223333", "moon-base-1", "", ""}, "Region"},
		{"region upper case", in{"111122223333", "US-EAST-1", "", ""}, "Region"},
		{"region mixed case", in{"111122223333", "us-East-1", "", ""}, "Region"},
		{"region with underscore", in{"111122223333", "us-east_x-1", "", ""}, "Region"},
		{"region wildcard", in{"111122223333", "us-*-1", "", ""}, "Region"},
		{"region with quote", in{"111122223333", `us-east-1"`, "", ""}, "Region"},
		{"region with newline", in{"111122223333", "us-east-1\n", "", ""}, "Region"},
		{"region without number", in{"111122223333", "us-east", "", ""}, "Region"},

		{"unknown partition", in{"111122223333", "us-east-1", "aws-moon", ""}, "Partition"},
		{"partition wildcard", in{"111122223333", "us-east-1", "aws*", ""}, "Partition"},
		{"partition does not hold region", in{"111122223333", "us-east-1", "aws-cn", ""}, "Partition"},
		{"gov region in aws", in{"111122223333", "us-gov-west-1", "aws", ""}, "Partition"},

		{"principal not an ARN", in{"111122223333", "us-east-1", "", "ExampleRole"}, "Principal"},
		{"principal wildcard", in{"111122223333", "us-east-1", "", "*"}, "Principal"},
		{"principal STS session", in{"111122223333", "us-east-1", "", "arn:aws:sts::111122223333:assumed-role/ExampleRole/session"}, "Principal"},
		{"principal in wrong partition", in{"111122223333", "us-east-1", "", "arn:aws-cn:iam::111122223333:role/R"}, "Principal"},
		{"principal aws in aws-cn", in{"111122223333", "cn-north-1", "", "arn:aws:iam::111122223333:role/R"}, "Principal"},
		{"principal not IAM", in{"111122223333", "us-east-1", "", "arn:aws:s3:::bucket"}, "Principal"},
		{"principal with region", in{"111122223333", "us-east-1", "", "arn:aws:iam:us-east-1:111122223333:role/R"}, "Principal"},
		{"principal bad account", in{"111122223333", "us-east-1", "", "arn:aws:iam::1111:role/R"}, "Principal"},
		{"principal group", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:group/Admins"}, "Principal"},
		{"principal IAM assumed-role", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:assumed-role/R/s"}, "Principal"},
		{"principal empty role name", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/"}, "Principal"},
		{"principal role name too long", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/" + string(make65())}, "Principal"},
		{"principal role wildcard", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/*"}, "Principal"},
		{"principal role name wildcard", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/Example*"}, "Principal"},
		{"principal path wildcard", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/team*/R"}, "Principal"},
		{"principal path question mark", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/te?m/R"}, "Principal"},
		{"principal path quote", in{"111122223333", "us-east-1", "", `arn:aws:iam::111122223333:role/te"am/R`}, "Principal"},
		{"principal path backslash", in{"111122223333", "us-east-1", "", `arn:aws:iam::111122223333:role/te\am/R`}, "Principal"},
		{"principal empty path segment", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/team//R"}, "Principal"},
		{"principal name quote", in{"111122223333", "us-east-1", "", `arn:aws:iam::111122223333:role/Ex"ample`}, "Principal"},
		{"principal name newline", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/Ex\nample"}, "Principal"},
		{"principal name space", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/Ex ample"}, "Principal"},
		{"principal name colon", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:role/a:b"}, "Principal"},
		{"principal root with suffix", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:root/x"}, "Principal"},
		{"principal trailing newline", in{"111122223333", "us-east-1", "", "arn:aws:iam::111122223333:root\n"}, "Principal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pe, peErr := ForPolicyEngine(PolicyEngineParams{Account: tt.in.account, Region: tt.in.region, Partition: tt.in.partition, Principal: tt.in.principal})
			be, beErr := ForBatchEvaluation(BatchEvaluationParams{Account: tt.in.account, Region: tt.in.region, Partition: tt.in.partition, Principal: tt.in.principal})
			if tt.wantErr == "" {
				for _, r := range []struct {
					doc *Document
					err error
				}{{pe, peErr}, {be, beErr}} {
					if r.err != nil {
						t.Fatalf("unexpected error: %v", r.err)
					}
					if len(r.doc.Statement) != 3 {
						t.Errorf("got %d statements, want 3", len(r.doc.Statement))
					}
				}
				return
			}
			checkParamError(t, pe, peErr, tt.wantErr)
			checkParamError(t, be, beErr, tt.wantErr)
		})
	}
}

func make65() []byte {
	b := make([]byte, 65)
	for i := range b {
		b[i] = 'a'
	}
	return b
}

// TestParamsNarrowing covers PolicyEngineARN and BatchEvaluationARN.
func TestParamsNarrowing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string // the narrowing ARN
		batch   bool   // BatchEvaluationARN rather than PolicyEngineARN
		wantErr string // the *ParamError's Field; "" for success
	}{
		{"engine ok", goodEngine, false, ""},
		{"batch ok", goodBatch, true, ""},
		{"engine not an ARN", "MyPolicyEngine-abc123", false, "PolicyEngineARN"},
		{"engine wrong service", "arn:aws:bedrock:us-east-1:111122223333:policy-engine/E", false, "PolicyEngineARN"},
		{"engine wrong type", "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/E", false, "PolicyEngineARN"},
		{"engine batch type", goodBatch, false, "PolicyEngineARN"},
		{"engine wrong partition", "arn:aws-cn:bedrock-agentcore:us-east-1:111122223333:policy-engine/E", false, "PolicyEngineARN"},
		{"engine wrong region", "arn:aws:bedrock-agentcore:us-west-2:111122223333:policy-engine/E", false, "PolicyEngineARN"},
		{"engine wrong account", "arn:aws:bedrock-agentcore:us-east-1:444455556666:policy-engine/E", false, "PolicyEngineARN"},
		{"engine empty id", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/", false, "PolicyEngineARN"},
		{"engine wildcard id", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/*", false, "PolicyEngineARN"},
		{"engine partial wildcard id", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/E*", false, "PolicyEngineARN"},
		{"engine id with quote", `arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/E"`, false, "PolicyEngineARN"},
		{"engine id with newline", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/E\n", false, "PolicyEngineARN"},
		{"engine id with slash", "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/E/F", false, "PolicyEngineARN"},
		{"engine region wildcard", "arn:aws:bedrock-agentcore:*:111122223333:policy-engine/E", false, "PolicyEngineARN"},
		{"batch not an ARN", "batch-evaluation-id", true, "BatchEvaluationARN"},
		{"batch wrong service", "arn:aws:s3:us-east-1:111122223333:batch-evaluate/B", true, "BatchEvaluationARN"},
		{"batch wrong type", "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluation/B", true, "BatchEvaluationARN"},
		{"batch engine type", goodEngine, true, "BatchEvaluationARN"},
		{"batch wrong partition", "arn:aws-us-gov:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/B", true, "BatchEvaluationARN"},
		{"batch wrong region", "arn:aws:bedrock-agentcore:eu-west-1:111122223333:batch-evaluate/B", true, "BatchEvaluationARN"},
		{"batch wrong account", "arn:aws:bedrock-agentcore:us-east-1:000000000000:batch-evaluate/B", true, "BatchEvaluationARN"},
		{"batch empty id", "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/", true, "BatchEvaluationARN"},
		{"batch wildcard id", "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/*", true, "BatchEvaluationARN"},
		{"batch id with quote", `arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/"B`, true, "BatchEvaluationARN"},
		{"batch id too long", "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/" + string(make65()) + string(make65()), true, "BatchEvaluationARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				doc *Document
				err error
			)
			if tt.batch {
				doc, err = ForBatchEvaluation(BatchEvaluationParams{Account: testAccount, Region: testRegion, BatchEvaluationARN: tt.in})
			} else {
				doc, err = ForPolicyEngine(PolicyEngineParams{Account: testAccount, Region: testRegion, SourceContext: true, PolicyEngineARN: tt.in})
			}
			if tt.wantErr != "" {
				checkParamError(t, doc, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			// The ARN replaces the wildcard scope in every condition that had one.
			n := 0
			for _, s := range doc.Statement {
				for _, op := range s.Condition {
					for _, k := range op.Keys {
						if k.Values.Values[0] == tt.in {
							n++
						}
					}
				}
			}
			// Engine (source context): two encryption-context conditions and
			// aws:SourceArn. Batch: the encryption context and aws:SourceArn.
			want := 3
			if tt.batch {
				want = 2
			}
			if n != want {
				t.Errorf("the ARN appears in %d conditions, want %d", n, want)
			}
		})
	}
}

// TestParamErrorMessage checks the message names the field, the value and the reason.
func TestParamErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := ForPolicyEngine(PolicyEngineParams{Account: "12", Region: testRegion})
	want := `keypolicy: invalid Account "12": must be 12 digits`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestDefaultKeyPolicyParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		account, partition string
		wantErr            string
	}{
		{"bad account", "1234", "aws", "Account"},
		{"account with quote", `11112222333"`, "aws", "Account"},
		{"unknown partition", "111122223333", "aws-moon", "Partition"},
		{"partition with quote", "111122223333", `aws"`, "Partition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := DefaultKeyPolicy(tt.account, tt.partition)
			checkParamError(t, doc, err, tt.wantErr)
		})
	}
}
