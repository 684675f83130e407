package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunCheckAndLint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	documented := write("pe.json", specFile(t, "policy-engine-key-policy.json"))
	documentedBatch := write("be.json", specFile(t, "batch-evaluation-key-policy.json"))
	const defaultPolicy = `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	defaultFile := write("default.json", defaultPolicy)
	deputy := write("deputy.json", `{"Version":"2012-10-17","Statement":[{"Sid":"AllowAgentCore","Effect":"Allow","Principal":{"Service":"bedrock-agentcore.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}`)
	broken := write("broken.json", `{"Statement": [`)
	guarded := write("guarded.json", strings.Replace(specFile(t, "policy-engine-key-policy.json"), `"Statement": [`,
		`"Statement": [{"Sid":"Guard","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEqualsFutureOperator":{"aws:PrincipalOrgID":"o-example"}}},`, 1))
	grantOps := write("grantops.json", `{"Version":"2012-10-17","Statement":[{"Sid":"Grants","Effect":"Allow","Principal":{"AWS":"`+role+`"},"Action":"kms:CreateGrant","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"bedrock-agentcore.us-east-1.amazonaws.com","kms:GrantOperations":"Decrypt"}}}]}`)
	base := []string{"-account", account, "-region", region}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }

	tests := []struct {
		name       string
		in         []string
		stdin      string
		wantCode   int
		wantLines  []string // prefixes of the stdout lines, in order; all lines when set
		wantStdout []string // substrings of stdout
		wantStderr string   // substring of stderr
	}{
		{
			name:     "the documented policy-engine policy passes for its role",
			in:       with("-principal", role, "-check", documented),
			wantCode: exitOK,
			wantLines: []string{
				"ok   policy-engine/create-grant-management",
				"ok   policy-engine/create-grant-evaluation",
				"ok   policy-engine/decrypt",
				"ok   policy-engine/generate-data-key",
				"ok   policy-engine/describe-key",
				"5 of 5 requests allowed by the key policy",
			},
		},
		{
			name:       "another role is denied everything, with the fix",
			in:         with("-principal", "arn:aws:iam::111122223333:role/Other", "-check", documented),
			wantCode:   exitCheckFailed,
			wantStdout: []string{"FAIL policy-engine/describe-key", "fix: name arn:aws:iam::111122223333:role/Other in the Principal of statement", "0 of 5 requests allowed"},
		},
		{
			name:     "the default key policy on standard input: callers need IAM, the service principal fails",
			in:       with("-feature", "batch-evaluation", "-check", "-"),
			stdin:    defaultPolicy,
			wantCode: exitCheckFailed,
			wantLines: []string{
				"ok   batch-evaluation/describe-key",
				"ok   batch-evaluation/caller-generate-data-key",
				"ok   batch-evaluation/caller-decrypt",
				"FAIL batch-evaluation/service-generate-data-key",
				"FAIL batch-evaluation/service-decrypt",
				"3 of 5 requests allowed by the key policy (3 only if the caller's IAM policies allow them too)",
			},
			wantStdout: []string{`fix: add statement "AllowServicePrincipalAccess" as keypolicy.ForBatchEvaluation writes it`},
		},
		{
			name:       "a Deny that cannot be evaluated makes the requests it covers unverified",
			in:         with("-principal", role, "-check", guarded),
			wantCode:   exitCheckFailed,
			wantStdout: []string{`"StringNotEqualsFutureOperator" in "Guard" (#0)`, "5 of 5 requests allowed by the key policy, 1 of them only if a Deny statement that cannot be evaluated does not match"},
		},
		{
			name:       "both features against the batch policy: the policy-engine requests fail",
			in:         with("-feature", "both", "-principal", "arn:aws:iam::111122223333:role/MyBatchEvaluationRole", "-check", documentedBatch),
			wantCode:   exitCheckFailed,
			wantStdout: []string{"FAIL policy-engine/create-grant-management", "ok   batch-evaluation/service-decrypt", "6 of 10 requests", `fix: add statement "Allow Policy for KMS operations"`},
		},
		{
			name:      "lint a clean policy without account or Region",
			in:        []string{"-lint", documented},
			wantCode:  exitOK,
			wantLines: []string{"no findings"},
		},
		{
			name:      "lint the default key policy: an info finding does not fail",
			in:        []string{"-lint", defaultFile},
			wantCode:  exitOK,
			wantLines: []string{`info broad-action "Enable IAM User Permissions" (#0)`},
		},
		{
			name:      "lint a confused deputy: an error fails",
			in:        []string{"-lint", deputy},
			wantCode:  exitCheckFailed,
			wantLines: []string{`error confused-deputy "AllowAgentCore" (#0): allows a service principal without aws:SourceAccount and aws:SourceArn`},
		},
		{
			name:       "check and lint the same standard input, read once",
			in:         with("-principal", role, "-check", "-", "-lint", "-"),
			stdin:      specFile(t, "policy-engine-key-policy.json"),
			wantCode:   exitOK,
			wantStdout: []string{"5 of 5 requests allowed", "no findings"},
		},
		{
			name:       "check passes but lint fails",
			in:         with("-feature", "batch-evaluation", "-principal", "arn:aws:iam::111122223333:role/MyBatchEvaluationRole", "-check", documentedBatch, "-lint", deputy),
			wantCode:   exitCheckFailed,
			wantStdout: []string{"5 of 5 requests", "error confused-deputy"},
		},
		{
			name:       "lint a single-valued operator on kms:GrantOperations: an error with the fix",
			in:         []string{"-lint", grantOps},
			wantCode:   exitCheckFailed,
			wantLines:  []string{`error multivalued-without-set-operator "Grants" (#0): StringEquals on multivalued key kms:GrantOperations has no documented outcome`},
			wantStdout: []string{"write ForAllValues:StringEquals (every value in the request must match) or ForAnyValue:StringEquals"},
		},
		{
			name:       "-json needs -check or -lint",
			in:         with("-json"),
			wantCode:   exitBadInput,
			wantStderr: "-json applies to -check and -lint",
		},
		{
			name:       "check needs the account",
			in:         []string{"-region", region, "-check", documented},
			wantCode:   exitBadInput,
			wantStderr: "-account is required",
		},
		{
			name:       "a malformed policy is bad input",
			in:         with("-check", broken),
			wantCode:   exitBadInput,
			wantStderr: "is not valid JSON: line 1",
		},
		{
			name:       "a missing file is bad input",
			in:         []string{"-lint", filepath.Join(dir, "nope.json")},
			wantCode:   exitBadInput,
			wantStderr: "-lint: open",
		},
		{
			name:       "bad parameters name the flag",
			in:         []string{"-account", account, "-region", region, "-principal", "arn:aws:iam::111122223333:group/G", "-check", documented},
			wantCode:   exitBadInput,
			wantStderr: "-principal",
		},
		{
			name:       "-merge cannot be combined with -check",
			in:         with("-check", documented, "-merge", documented),
			wantCode:   exitBadInput,
			wantStderr: "cannot be combined",
		},
		{
			name:       "-compact cannot be combined with -lint",
			in:         []string{"-lint", documented, "-compact"},
			wantCode:   exitBadInput,
			wantStderr: "-compact applies to a written policy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(tt.in, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			out := stdout.String()
			if tt.wantLines != nil {
				lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				if len(lines) != len(tt.wantLines) {
					t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.wantLines), out)
				}
				for i, w := range tt.wantLines {
					if !strings.HasPrefix(lines[i], w) {
						t.Errorf("line %d = %q, want prefix %q", i+1, lines[i], w)
					}
				}
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tt.wantStderr != "" {
				if !strings.Contains(stderr.String(), tt.wantStderr) || strings.Count(stderr.String(), "\n") != 1 {
					t.Errorf("stderr = %q, want one line containing %q", stderr.String(), tt.wantStderr)
				}
				if out != "" {
					t.Errorf("stdout = %q, want nothing on bad input", out)
				}
			} else if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
		})
	}
}

// TestRunCheckJSON decodes what -check -json writes: the verdict names, the
// deciding statements and the summary.
func TestRunCheckJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	defaultPolicy := filepath.Join(dir, "default.json")
	if err := os.WriteFile(defaultPolicy, []byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"-account", account, "-region", region, "-feature", "batch-evaluation", "-check", defaultPolicy, "-lint", defaultPolicy, "-json"},
		strings.NewReader(""), &stdout, &stderr)
	if code != exitCheckFailed || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr %q; want %d and nothing", code, stderr.String(), exitCheckFailed)
	}
	type ref struct {
		Index int    `json:"index"`
		Sid   string `json:"sid"`
	}
	type request struct {
		Requirement string `json:"requirement"`
		Caller      string `json:"caller"`
		Verdict     string `json:"verdict"`
		Allowed     bool   `json:"allowed"`
		Undecided   bool   `json:"undecided"`
		Statements  []ref  `json:"statements"`
		HasFix      bool
		Fix         string `json:"fix"`
	}
	type finding struct {
		ID       string `json:"id"`
		Severity string `json:"severity"`
	}
	var got struct {
		OK       bool      `json:"ok"`
		Requests []request `json:"requests"`
		Summary  struct {
			Requests, Allowed, NeedsIAM, Undecided int
		} `json:"summary"`
		Findings []finding `json:"findings"`
	}
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decoding the report: %v", err)
	}
	for i := range got.Requests {
		got.Requests[i].HasFix, got.Requests[i].Fix = got.Requests[i].Fix != "", ""
	}
	root := []ref{{0, "Enable IAM User Permissions"}}
	caller := "arn:aws:iam::111122223333:role/ExampleRole"
	want := got
	want.OK = false
	want.Requests = []request{
		{Requirement: "batch-evaluation/describe-key", Caller: caller, Verdict: "allow-if-iam", Allowed: true, Statements: root},
		{Requirement: "batch-evaluation/caller-generate-data-key", Caller: caller, Verdict: "allow-if-iam", Allowed: true, Statements: root},
		{Requirement: "batch-evaluation/caller-decrypt", Caller: caller, Verdict: "allow-if-iam", Allowed: true, Statements: root},
		{Requirement: "batch-evaluation/service-generate-data-key", Caller: "bedrock-agentcore.amazonaws.com", Verdict: "implicit-deny", Statements: []ref{}, HasFix: true},
		{Requirement: "batch-evaluation/service-decrypt", Caller: "bedrock-agentcore.amazonaws.com", Verdict: "implicit-deny", Statements: []ref{}, HasFix: true},
	}
	want.Summary.Requests, want.Summary.Allowed, want.Summary.NeedsIAM, want.Summary.Undecided = 5, 3, 3, 0
	want.Findings = []finding{{"broad-action", "info"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-check -json (-want +got):\n%s", diff)
	}
	if dec.More() {
		t.Error("more than one JSON value on standard output")
	}
}
