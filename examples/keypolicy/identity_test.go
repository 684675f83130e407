package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentcorekms/agentcorekms/keypolicy"
)

const identityKey = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// TestIdentityPolicy: -identity-policy writes the library's identity
// policies byte for byte (the golden files of package keypolicy).
func TestIdentityPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{"policy engine on one key", []string{"-identity-policy", "-key", identityKey}, "policy-engine-key.json"},
		{"policy engine on every key", []string{"-identity-policy"}, "policy-engine-any-key.json"},
		{"batch evaluation on one key", []string{"-identity-policy", "-feature", "batch-evaluation", "-key", identityKey}, "batch-evaluation-key.json"},
		{"batch evaluation narrowed", []string{"-identity-policy", "-feature", "batch-evaluation", "-key", identityKey,
			"-batch-evaluation-arn", "arn:aws:bedrock-agentcore:us-east-1:111122223333:batch-evaluate/batch-evaluation-id"}, "batch-evaluation-batch-arn.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			args := append([]string{"-account", "111122223333", "-region", "us-east-1"}, tt.args...)
			if code := run(args, strings.NewReader(""), &out, &errb); code != exitOK {
				t.Fatalf("exit %d: %s", code, &errb)
			}
			want, err := os.ReadFile(filepath.Join("..", "..", "keypolicy", "testdata", "identity", tt.golden))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), out.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestIdentityPolicyBoth: -feature both, or the two features as a list,
// puts both features' statements in one policy, and -compact writes it on
// one line.
func TestIdentityPolicyBoth(t *testing.T) {
	t.Parallel()
	for _, feature := range []string{"both", "policy-engine,batch-evaluation"} {
		t.Run(feature, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			args := []string{"-account", "111122223333", "-region", "us-east-1", "-feature", feature, "-identity-policy", "-key", identityKey, "-compact"}
			if code := run(args, strings.NewReader(""), &out, &errb); code != exitOK {
				t.Fatalf("exit %d: %s", code, &errb)
			}
			if strings.Count(out.String(), "\n") != 1 {
				t.Errorf("-compact wrote %d lines", strings.Count(out.String(), "\n"))
			}
			doc, err := keypolicy.Parse(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			var sids []string
			for _, s := range doc.Statement {
				sids = append(sids, s.Sid)
			}
			want := []string{keypolicy.IdentitySidPolicyCreateGrants, keypolicy.IdentitySidPolicyKMSOperations, keypolicy.IdentitySidPolicyKMSValidation,
				keypolicy.IdentitySidBatchCallerAccess, keypolicy.IdentitySidBatchCallerCryptoOps}
			if diff := cmp.Diff(want, sids); diff != "" {
				t.Errorf("Sids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdentityPolicyBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"an alias", []string{"-identity-policy", "-key", "alias/agentcore"}, `-key "alias/agentcore"`},
		{"-key without -identity-policy or -check", []string{"-key", identityKey}, "-key applies to -check and -identity-policy"},
		{"with -merge", []string{"-identity-policy", "-merge", "-"}, "cannot be combined with -identity-policy"},
		{"a feature without a documented caller policy", []string{"-identity-policy", "-feature", "gateway"}, "-identity-policy is written for -feature policy-engine and batch-evaluation only, not gateway"},
		{"with -check", []string{"-identity-policy", "-check", "-"}, "cannot be combined with -identity-policy"},
		{"a batch key in another Region", []string{"-identity-policy", "-feature", "batch-evaluation", "-key",
			"arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, "same Region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			args := append([]string{"-account", "111122223333", "-region", "us-east-1"}, tt.args...)
			if code := run(args, strings.NewReader(""), &out, &errb); code != exitBadInput {
				t.Errorf("exit %d, want %d", code, exitBadInput)
			}
			if !strings.Contains(errb.String(), tt.wantErr) || strings.Count(errb.String(), "\n") != 1 || out.Len() != 0 {
				t.Errorf("stderr %q, stdout %q; want one line with %q", &errb, &out, tt.wantErr)
			}
		})
	}
}
