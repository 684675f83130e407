package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

const (
	account = "111122223333"
	region  = "us-east-1"
	role    = "arn:aws:iam::111122223333:role/ExampleRole"
	engine  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/MyPolicyEngine-abc123"
	batch   = "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"
)

func specFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "keypolicy", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// want builds the expected output with the library: the merge of docs, in
// order, as indented (or compact) JSON.
func want(t *testing.T, compact bool, docs ...func() (*keypolicy.Document, error)) string {
	t.Helper()
	var out *keypolicy.Document
	for _, f := range docs {
		d, err := f()
		if err != nil {
			t.Fatal(err)
		}
		if out == nil {
			out = d
		} else if out, err = keypolicy.Merge(out, d); err != nil {
			t.Fatal(err)
		}
	}
	if compact {
		return string(out.Compact()) + "\n"
	}
	b, err := out.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func pe(p keypolicy.PolicyEngineParams) func() (*keypolicy.Document, error) {
	return func() (*keypolicy.Document, error) { return keypolicy.ForPolicyEngine(p) }
}

func be(p keypolicy.BatchEvaluationParams) func() (*keypolicy.Document, error) {
	return func() (*keypolicy.Document, error) { return keypolicy.ForBatchEvaluation(p) }
}

func parsed(s string) func() (*keypolicy.Document, error) {
	return func() (*keypolicy.Document, error) { return keypolicy.Parse([]byte(s)) }
}

func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.json")
	const existingPolicy = `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	if err := os.WriteFile(existing, []byte(existingPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	conflicting := filepath.Join(dir, "conflicting.json")
	if err := os.WriteFile(conflicting, []byte(`{"Statement":[{"Sid":"Allow Policy for KMS validation","Effect":"Deny"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"-account", account, "-region", region}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }

	tests := []struct {
		name       string
		in         []string // arguments
		stdin      string
		wantCode   int
		wantStdout string // exact; compared only when wantCode is 0
		wantStderr string // a substring of the one error line
	}{
		{
			name:       "documented policy-engine policy",
			in:         with("-principal", role),
			wantStdout: specFile(t, "policy-engine-key-policy.json"),
		},
		{
			name:       "documented batch-evaluation policy",
			in:         with("-feature", "batch-evaluation", "-principal", "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"),
			wantStdout: specFile(t, "batch-evaluation-key-policy.json"),
		},
		{
			name:       "account root by default",
			in:         with(),
			wantStdout: want(t, false, pe(keypolicy.PolicyEngineParams{Account: account, Region: region})),
		},
		{
			name: "source context narrowed to one engine",
			in:   with("-source-context", "-engine-arn", engine),
			wantStdout: want(t, false, pe(keypolicy.PolicyEngineParams{
				Account: account, Region: region, SourceContext: true, PolicyEngineARN: engine,
			})),
		},
		{
			name: "both features, narrowed, compact",
			in:   with("-feature", "both", "-engine-arn", engine, "-batch-evaluation-arn", batch, "-compact"),
			wantStdout: want(t, true,
				pe(keypolicy.PolicyEngineParams{Account: account, Region: region, PolicyEngineARN: engine}),
				be(keypolicy.BatchEvaluationParams{Account: account, Region: region, BatchEvaluationARN: batch})),
		},
		{
			name: "aws-cn inferred from the Region",
			in:   []string{"-account", account, "-region", "cn-north-1", "-feature", "batch-evaluation"},
			wantStdout: want(t, false,
				be(keypolicy.BatchEvaluationParams{Account: account, Region: "cn-north-1"})),
		},
		{
			name:       "explicit partition",
			in:         []string{"-account", account, "-region", "us-gov-west-1", "-partition", "aws-us-gov"},
			wantStdout: want(t, false, pe(keypolicy.PolicyEngineParams{Account: account, Region: "us-gov-west-1"})),
		},
		{
			name: "merge into a file",
			in:   with("-merge", existing),
			wantStdout: want(t, false, parsed(existingPolicy),
				pe(keypolicy.PolicyEngineParams{Account: account, Region: region})),
		},
		{
			name:  "merge from stdin, both features",
			in:    with("-feature", "both", "-merge", "-"),
			stdin: existingPolicy,
			wantStdout: want(t, false, parsed(existingPolicy),
				pe(keypolicy.PolicyEngineParams{Account: account, Region: region}),
				be(keypolicy.BatchEvaluationParams{Account: account, Region: region})),
		},
		{
			name:  "merge into a policy that already has the statements: unchanged",
			in:    with("-merge", "-"),
			stdin: want(t, false, pe(keypolicy.PolicyEngineParams{Account: account, Region: region})),
			wantStdout: want(t, false,
				pe(keypolicy.PolicyEngineParams{Account: account, Region: region})),
		},
		{"merge conflict from a file", with("-merge", conflicting), "", 2, "", `conflicting.json already has a different statement with Sid "Allow Policy for KMS validation"`},
		{"merge conflict from stdin", with("-merge", "-"), `{"Statement":{"Sid":"Allow Policy to create grants"}}`, 2, "", `standard input already has a different statement with Sid "Allow Policy to create grants"`},
		{"merge: malformed JSON", with("-merge", "-"), "{\n  \"Statement\": [,]\n}", 2, "", "not valid JSON: line 2, column 17"},
		{"merge: empty input", with("-merge", "-"), "", 2, "", "not valid JSON: line 1, column 1"},
		{"merge: not a policy", with("-merge", "-"), `{"Statement":[{"Action":7}]}`, 2, "", "not a key policy: Statement[0].Action"},
		{"merge: missing file", with("-merge", filepath.Join(dir, "missing.json")), "", 2, "", "missing.json"},

		{"no flags", nil, "", 2, "", "-account is required"},
		{"no region", []string{"-account", account}, "", 2, "", "-region is required"},
		{"unknown flag", with("-acount", "1"), "", 2, "", "flag provided but not defined: -acount"},
		{"flag without value", with("-principal"), "", 2, "", "flag needs an argument: -principal"},
		{"bad boolean", with("-compact=maybe"), "", 2, "", "invalid boolean value"},
		{"positional argument", with("policy-engine"), "", 2, "", `unexpected argument "policy-engine"`},
		{"unknown feature", with("-feature", "gateways"), "", 2, "", `-feature "gateways": each feature must be one of policy-engine, batch-evaluation, evaluator`},
		{"bad account", []string{"-account", "1111-2222-3333", "-region", region}, "", 2, "", `-account "1111-2222-3333": must be 12 digits`},
		{"bad region", []string{"-account", account, "-region", "useast1"}, "", 2, "", `-region "useast1"`},
		{"unknown partition", with("-partition", "aws-moon"), "", 2, "", `-partition "aws-moon": is not an AWS partition`},
		{"partition mismatch", with("-partition", "aws-cn"), "", 2, "", `-partition "aws-cn": does not contain Region us-east-1`},
		{"STS session principal", with("-principal", "arn:aws:sts::111122223333:assumed-role/R/s"), "", 2, "", "-principal"},
		{"principal with newline", with("-principal", "arn:aws:iam::111122223333:role/A\nB"), "", 2, "", `-principal "arn:aws:iam::111122223333:role/A\nB"`},
		{"engine ARN in another account", with("-engine-arn", strings.Replace(engine, account, "444455556666", 1)), "", 2, "", "-engine-arn"},
		{"batch ARN of the wrong type", with("-feature", "batch-evaluation", "-batch-evaluation-arn", engine), "", 2, "", "-batch-evaluation-arn"},
		{"source context for batch evaluation", with("-feature", "batch-evaluation", "-source-context"), "", 2, "", "-source-context applies to"},
		{"engine ARN for batch evaluation", with("-feature", "batch-evaluation", "-engine-arn", engine), "", 2, "", "-engine-arn applies to"},
		{"batch ARN for policy engine", with("-batch-evaluation-arn", batch), "", 2, "", "-batch-evaluation-arn applies to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(tt.in, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit status %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if tt.wantCode == 0 {
				if stderr.Len() != 0 {
					t.Errorf("stderr: %s", stderr.String())
				}
				if diff := cmp.Diff(tt.wantStdout, stdout.String()); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
				if _, err := keypolicy.Parse(stdout.Bytes()); err != nil {
					t.Errorf("output does not parse: %v", err)
				}
				return
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout on error: %s", stdout.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") || !strings.HasPrefix(msg, "keypolicy: ") {
				t.Errorf("stderr is not one line starting with \"keypolicy: \": %q", msg)
			}
			if !strings.Contains(msg, tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", msg, tt.wantStderr)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "-help", "--help"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{arg}, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit status %d, want 0", arg, code)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: usage on stdout", arg)
		}
		for _, name := range []string{"-feature", "-account", "-region", "-principal", "-partition", "-source-context", "-engine-arn", "-batch-evaluation-arn", "-merge", "-compact"} {
			if !strings.Contains(stderr.String(), name+" ") && !strings.Contains(stderr.String(), name+"\n") {
				t.Errorf("%s: usage does not mention %s", arg, name)
			}
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRunWriteFailure(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	code := run([]string{"-account", account, "-region", region}, strings.NewReader(""), failingWriter{}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "disk full") {
		t.Errorf("exit status %d, stderr %q; want 1 and the write error", code, stderr.String())
	}
}
