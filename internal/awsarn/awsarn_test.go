package awsarn

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

func TestSessionRole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		want   string
		wantOK bool
	}{
		{name: "session to its role", in: "arn:aws:sts::111122223333:assumed-role/Admin/me", want: "arn:aws:iam::111122223333:role/Admin", wantOK: true},
		{name: "partition is kept", in: "arn:aws-cn:sts::111122223333:assumed-role/Admin/me", want: "arn:aws-cn:iam::111122223333:role/Admin", wantOK: true},
		{name: "session names may hold @ and dots", in: "arn:aws-us-gov:sts::111122223333:assumed-role/Ops/alice@example.com", want: "arn:aws-us-gov:iam::111122223333:role/Ops", wantOK: true},
		{name: "a session without a session name still names its role", in: "arn:aws:sts::111122223333:assumed-role/Admin", want: "arn:aws:iam::111122223333:role/Admin", wantOK: true},
		{name: "role ARN unchanged", in: "arn:aws:iam::111122223333:role/Admin", want: "arn:aws:iam::111122223333:role/Admin"},
		{name: "role with path unchanged", in: "arn:aws:iam::111122223333:role/service/Admin", want: "arn:aws:iam::111122223333:role/service/Admin"},
		{name: "user unchanged", in: "arn:aws:iam::111122223333:user/alice", want: "arn:aws:iam::111122223333:user/alice"},
		{name: "root unchanged", in: "arn:aws:iam::111122223333:root", want: "arn:aws:iam::111122223333:root"},
		{name: "federated user is not a role", in: "arn:aws:sts::111122223333:federated-user/bob", want: "arn:aws:sts::111122223333:federated-user/bob"},
		{name: "assumed-role in another service is not a session", in: "arn:aws:iam::111122223333:assumed-role/Admin/me", want: "arn:aws:iam::111122223333:assumed-role/Admin/me"},
		{name: "too few sections", in: "arn:aws:sts::assumed-role/Admin/me", want: "arn:aws:sts::assumed-role/Admin/me"},
		{name: "not an ARN", in: "111122223333", want: "111122223333"},
		{name: "service principal", in: "bedrock-agentcore.amazonaws.com", want: "bedrock-agentcore.amazonaws.com"},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := SessionRole(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("SessionRole(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// sessionRoleWithParse is SessionRole written with arn.Parse, as the module
// wrote it before: the two must agree on every input.
func sessionRoleWithParse(p string) (string, bool) {
	a, err := arn.Parse(p)
	if err != nil || a.Service != "sts" {
		return p, false
	}
	rest, ok := strings.CutPrefix(a.Resource, "assumed-role/")
	if !ok {
		return p, false
	}
	role, _, _ := strings.Cut(rest, "/")
	return "arn:" + a.Partition + ":iam::" + a.AccountID + ":role/" + role, true
}

func FuzzSessionRole(f *testing.F) {
	for _, s := range []string{
		"arn:aws:sts::111122223333:assumed-role/Admin/me",
		"arn:aws:iam::111122223333:role/Admin",
		"arn:aws:sts::111122223333:federated-user/bob",
		"arn:aws:sts:::assumed-role//",
		"arn:::::",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, ok := SessionRole(p)
		want, wantOK := sessionRoleWithParse(p)
		if got != want || ok != wantOK {
			t.Fatalf("SessionRole(%q) = %q, %v; arn.Parse gives %q, %v", p, got, ok, want, wantOK)
		}
		if !ok {
			return
		}
		a, err := arn.Parse(got)
		if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
			t.Fatalf("SessionRole(%q) = %q, not an IAM role ARN (%v)", p, got, err)
		}
		if again, ok := SessionRole(got); ok || again != got {
			t.Fatalf("SessionRole is not idempotent: %q -> %q", got, again)
		}
	})
}
