package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/agentcorekms/agentcorekms/internal/ststest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

const (
	keyAdmin   = "arn:aws:iam::111122223333:role/KeyAdmin"
	awsAccess  = "AKIDKEYPOLICYCLI"
	sessionARN = "arn:aws:sts::111122223333:assumed-role/KeyAdmin/alice"
)

// awsEnv points the default AWS configuration chain at an in-memory KMS and
// a loopback STS that says the caller is a session of KeyAdmin (or fails,
// if stsFails), and isolates it from the machine's configuration.
func awsEnv(t *testing.T, stsFails bool) *kmstest.KMS {
	t.Helper()
	return awsEnvProxy(t, stsFails, nil)
}

// awsEnvProxy is awsEnv with KMS requests passing through proxy, if not
// nil: a loopback proxy that can act between requests.
func awsEnvProxy(t *testing.T, stsFails bool, proxy func(k *kmstest.KMS, next http.Handler) http.Handler) *kmstest.KMS {
	t.Helper()
	k := kmstest.New()
	h := k.Handler()
	if proxy != nil {
		h = proxy(k, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	k.MapAccessKey(awsAccess, keyAdmin)
	sts := ststest.New()
	if !stsFails {
		// A failing STS knows no caller: GetCallerIdentity is refused.
		sts.SetCaller(awsAccess, sessionARN)
	}
	t.Cleanup(sts.Close)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_ACCESS_KEY_ID":           awsAccess,
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_MAX_ATTEMPTS":            "1",
		"AWS_ENDPOINT_URL_KMS":        srv.URL,
		"AWS_ENDPOINT_URL_STS":        sts.URL,
	} {
		t.Setenv(k, v)
	}
	return k
}

func keyWithPolicy(t *testing.T, k *kmstest.KMS, policy string) string {
	t.Helper()
	in := &kms.CreateKeyInput{}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	return aws.ToString(k.CreateTestKey(t, in).Arn)
}

func keyPolicy(t *testing.T, k *kmstest.KMS, keyARN string) string {
	t.Helper()
	out, err := k.As(kmstest.Caller{Principal: keyAdmin}).GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: &keyARN})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Policy)
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(args ...string) result {
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// lastLine is the one-line message a failure ends with.
func (r result) lastLine(t *testing.T) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	l := lines[len(lines)-1]
	if !strings.HasPrefix(l, "keypolicy: ") {
		t.Errorf("last line of stderr %q is not a keypolicy message", l)
	}
	return l
}

// TestApplyAWS runs -apply through the default AWS configuration against
// the emulators: applied, then already up to date, the admin taken from
// STS (a session counts as its role).
func TestApplyAWS(t *testing.T) {
	k := awsEnv(t, false)
	keyARN := keyWithPolicy(t, k, "")
	before := keyPolicy(t, k, keyARN)

	r := runCLI("-apply", keyARN)
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	wantOut := keyARN + "\napplied: added \"Allow Policy to create grants\", \"Allow Policy for KMS operations\", \"Allow Policy for KMS validation\"; " +
		keyAdmin + " may still change the key policy, by \"Enable IAM User Permissions\"\n"
	if r.stdout != wantOut {
		t.Errorf("stdout\n%s\nwant\n%s", r.stdout, wantOut)
	}
	if !strings.HasPrefix(r.stderr, "--- current key policy\n+++ new key policy\n@@ ") {
		t.Errorf("stderr is not the diff:\n%s", r.stderr)
	}
	base, _ := keypolicy.Parse([]byte(before))
	gen, _ := keypolicy.ForPolicyEngine(keypolicy.PolicyEngineParams{Account: account, Region: region})
	merged, _ := keypolicy.Merge(base, gen)
	want, _ := merged.JSON()
	if got := keyPolicy(t, k, keyARN); got != string(want) {
		t.Errorf("key policy:\n%s\nwant\n%s", got, want)
	}

	r = runCLI("-apply", keyARN)
	if r.code != exitOK || r.stdout != keyARN+"\nalready up to date\n" || r.stderr != "" {
		t.Errorf("second run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if n := k.CallCount("PutKeyPolicy"); n != 1 {
		t.Errorf("%d PutKeyPolicy calls, want 1", n)
	}
}

// TestApplyAWSAliasDryRun resolves an alias, prints the key ARN, and writes
// nothing.
func TestApplyAWSAliasDryRun(t *testing.T) {
	k := awsEnv(t, false)
	keyARN := keyWithPolicy(t, k, "")
	if err := k.SetAlias("alias/agentcore", keyARN); err != nil {
		t.Fatal(err)
	}
	before := keyPolicy(t, k, keyARN)
	r := runCLI("-apply", "alias/agentcore", "-account", account, "-region", region, "-feature", "batch-evaluation", "-dry-run")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, keyARN+"\ndry run: would add \"AllowCallerAccess\"") {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, `+      "Sid": "AllowCallerCryptoOps",`) {
		t.Errorf("stderr lacks the diff:\n%s", r.stderr)
	}
	if keyPolicy(t, k, keyARN) != before || k.CallCount("PutKeyPolicy") != 0 {
		t.Error("a dry run wrote the key policy")
	}
}

// TestApplyAWSExitCodes checks each exit status of -apply and its one-line
// reason.
func TestApplyAWSExitCodes(t *testing.T) {
	readOnly := `{"Version":"2012-10-17","Statement":[{"Sid":"AdminRead","Effect":"Allow","Principal":{"AWS":"` + keyAdmin + `"},"Action":["kms:DescribeKey","kms:GetKeyPolicy"],"Resource":"*"}]}`
	conflicting := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"Allow Policy for KMS validation","Effect":"Deny","Principal":"*","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}`
	big := `{"Version":"2012-10-17","Id":"` + strings.Repeat("x", keypolicy.MaxPolicyBytes-400) + `","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	tests := []struct {
		name     string
		policy   string
		stsFails bool
		setup    func(t *testing.T, k *kmstest.KMS, keyARN string)
		args     func(keyARN string) []string
		wantCode int
		wantMsg  string // in the last line of stderr
	}{
		{name: "refused: conflicting Sid", policy: conflicting, wantCode: exitFailed,
			wantMsg: `refused to write the key policy of KEY: the policy already has a different statement with Sid "Allow Policy for KMS validation"`},
		{name: "refused: the admin would be locked out", policy: readOnly, wantCode: exitFailed,
			wantMsg: "the new key policy would not allow " + keyAdmin + " to call kms:PutKeyPolicy"},
		{name: "refused: another admin named by -admin", wantCode: exitFailed,
			args: func(keyARN string) []string {
				return []string{"-apply", keyARN, "-admin", "arn:aws:iam::444455556666:role/Outsider"}
			},
			wantMsg: "would not allow arn:aws:iam::444455556666:role/Outsider to call kms:PutKeyPolicy"},
		{name: "refused: over the size limit", policy: big, wantCode: exitFailed, wantMsg: "over KMS's limit of 32768"},
		{name: "refused: AWS managed key", wantCode: exitFailed, wantMsg: "the key is AWS managed",
			setup: func(t *testing.T, k *kmstest.KMS, keyARN string) {
				if err := k.UpdateKey(keyARN, func(m *types.KeyMetadata) { m.KeyManager = types.KeyManagerTypeAws }); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "no answer: key manager missing", wantCode: exitBadInput, wantMsg: "returned no KeyManager",
			setup: func(t *testing.T, k *kmstest.KMS, keyARN string) {
				if err := k.UpdateKey(keyARN, func(m *types.KeyMetadata) { m.KeyManager = "" }); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "no answer: STS fails and no -admin", stsFails: true, wantCode: exitBadInput, wantMsg: "could not look up who you are for the lockout check (pass -admin)"},
		{name: "STS fails, -admin given", stsFails: true, wantCode: exitOK,
			args: func(keyARN string) []string { return []string{"-apply", keyARN, "-admin", sessionARN} }},
		{name: "AWS refuses: the key does not exist", wantCode: exitFailed, wantMsg: "NotFoundException",
			args: func(string) []string {
				return []string{"-apply", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
			}},
		{name: "no answer: -timeout runs out", wantCode: exitBadInput, wantMsg: "-timeout 1ns",
			args: func(keyARN string) []string { return []string{"-apply", keyARN, "-timeout", "1ns"} }},
		{name: "bad input: -admin not an ARN", wantCode: exitBadInput, wantMsg: `-admin "KeyAdmin": is not an IAM or STS principal ARN`,
			args: func(keyARN string) []string { return []string{"-apply", keyARN, "-admin", "KeyAdmin"} }},
		{name: "bad input: not a key reference", wantCode: exitBadInput, wantMsg: `-apply "key/1"`,
			args: func(string) []string { return []string{"-apply", "key/1"} }},
		{name: "bad input: account of another key", wantCode: exitBadInput, wantMsg: "-account 444455556666: the key",
			args: func(keyARN string) []string { return []string{"-apply", keyARN, "-account", "444455556666"} }},
		{name: "bad input: Region of another key", wantCode: exitBadInput, wantMsg: "-region us-west-2: the key",
			args: func(keyARN string) []string { return []string{"-apply", keyARN, "-region", "us-west-2"} }},
		{name: "bad input: alias without -account", wantCode: exitBadInput, wantMsg: "-account is required",
			args: func(string) []string { return []string{"-apply", "alias/agentcore", "-region", region} }},
		{name: "bad input: -apply with -merge", wantCode: exitBadInput, wantMsg: "cannot be combined with -merge",
			args: func(keyARN string) []string { return []string{"-apply", keyARN, "-merge", "-"} }},
		{name: "bad input: -dry-run without -apply", wantCode: exitBadInput, wantMsg: "-dry-run applies to -apply only",
			args: func(string) []string { return []string{"-account", account, "-region", region, "-dry-run"} }},
		{name: "bad input: -admin without -apply", wantCode: exitBadInput, wantMsg: "-admin applies to -apply only",
			args: func(string) []string { return []string{"-account", account, "-region", region, "-admin", keyAdmin} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := awsEnv(t, tt.stsFails)
			keyARN := keyWithPolicy(t, k, tt.policy)
			if tt.setup != nil {
				tt.setup(t, k, keyARN)
			}
			before := keyPolicy(t, k, keyARN)
			args := []string{"-apply", keyARN}
			if tt.args != nil {
				args = tt.args(keyARN)
			}
			r := runCLI(args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stdout %q, stderr:\n%s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if tt.wantCode == exitOK {
				return
			}
			if got, want := r.lastLine(t), strings.ReplaceAll(tt.wantMsg, "KEY", keyARN); !strings.Contains(got, want) {
				t.Errorf("message %q does not contain %q", got, want)
			}
			if keyPolicy(t, k, keyARN) != before {
				t.Error("the key policy changed")
			}
		})
	}
}

// TestApplySandbox runs -apply against the sandbox, without AWS.
func TestApplySandbox(t *testing.T) {
	t.Parallel()
	r := runCLI("-sandbox", "-feature", "both")
	if r.code != exitOK || !strings.Contains(r.stdout, "\napplied: added \"Allow Policy to create grants\"") || !strings.Contains(r.stdout, `"AllowServicePrincipalAccess"`) {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "sandbox: in-memory KMS") || !strings.Contains(r.stderr, "+++ new key policy") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if r := runCLI("-sandbox", "-apply", "alias/other"); r.code != exitBadInput {
		t.Errorf("-sandbox with another key: exit %d", r.code)
	}
}

// TestInputLimits checks that -merge, -check and -lint read through KMS's
// size limit, refuse what is over it, and give up at -timeout on input that
// never comes.
func TestInputLimits(t *testing.T) {
	t.Parallel()
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, []byte(`{"Id":"`+strings.Repeat("x", keypolicy.MaxPolicyBytes)+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"-account", account, "-region", region}
	tests := []struct {
		name    string
		args    []string
		stdin   io.Reader
		wantMsg string
	}{
		{name: "-merge /dev/zero", args: append(base, "-merge", "/dev/zero"), wantMsg: "-merge: /dev/zero is over KMS's key-policy limit of 32768 bytes"},
		{name: "-merge a big file", args: append(base, "-merge", big), wantMsg: "is over KMS's key-policy limit"},
		{name: "-check a big file", args: append(base, "-check", big), wantMsg: "-check: " + big + " is over"},
		{name: "-lint big stdin", args: []string{"-lint", "-"}, stdin: strings.NewReader(strings.Repeat(" ", keypolicy.MaxPolicyBytes+1)), wantMsg: "-lint: the policy on standard input is over"},
		{name: "-merge stdin that never ends", args: append(base, "-merge", "-", "-timeout", "20ms"), stdin: blockingReader{}, wantMsg: "no input within -timeout 20ms"},
		{name: "-merge invalid UTF-8", args: append(base, "-merge", "-"), stdin: strings.NewReader("{\"Id\":\"\xff\"}"), wantMsg: "invalid UTF-8 in a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdin := tt.stdin
			if stdin == nil {
				stdin = strings.NewReader("")
			}
			var stdout, stderr bytes.Buffer
			code := run(tt.args, stdin, &stdout, &stderr)
			r := result{code, stdout.String(), stderr.String()}
			if code != exitBadInput || stdout.Len() != 0 || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2 and one line", code, r.stdout, r.stderr)
			}
			if got := r.lastLine(t); !strings.Contains(got, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", got, tt.wantMsg)
			}
		})
	}
}

// blockingReader is standard input that never delivers a byte.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

// TestApplyAWSChangedMeanwhile puts a loopback proxy in front of KMS that
// lets a colleague write the key policy just before the second read: -apply
// refuses with status 1, and the colleague's policy stays.
func TestApplyAWSChangedMeanwhile(t *testing.T) {
	const colleague = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"AddedByAColleague","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Colleague"},"Action":"kms:Decrypt","Resource":"*"}]}`
	var keyARN string
	var mu sync.Mutex
	reads := 0
	k := awsEnvProxy(t, false, func(k *kmstest.KMS, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") == "TrentService.GetKeyPolicy" {
				mu.Lock()
				reads++
				n := reads
				mu.Unlock()
				if n == 2 {
					if err := k.SetKeyPolicy(keyARN, colleague); err != nil {
						t.Error(err)
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	keyARN = keyWithPolicy(t, k, "")
	r := runCLI("-apply", keyARN)
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitFailed, r.stderr)
	}
	if got, want := r.lastLine(t), "keypolicy: refused to write the key policy of "+keyARN+": the key policy changed while the change was prepared; someone else wrote it"; got != want {
		t.Errorf("message\n %q\nwant\n %q", got, want)
	}
	if keyPolicy(t, k, keyARN) != colleague || k.CallCount("PutKeyPolicy") != 0 {
		t.Error("the colleague's policy was overwritten")
	}
}
