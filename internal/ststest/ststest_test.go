package ststest

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"
)

// The real STS client assumes an allowed role and is refused any other.
func TestAssumeRole(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	var issued []string
	role := "arn:aws:iam::111122223333:role/Audit"
	s.Allow(role, func(ak string) { issued = append(issued, ak) })
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIA", "secret", "")})

	out, err := c.AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if len(issued) != 1 || aws.ToString(out.Credentials.AccessKeyId) != issued[0] || out.Credentials.Expiration == nil ||
		aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::111122223333:assumed-role/Audit/s" {
		t.Errorf("AssumeRole = %+v, %+v; issued %v", out.Credentials, out.AssumedRoleUser, issued)
	}
	_, err = c.AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/Other"), RoleSessionName: aws.String("s")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("AssumeRole of an unknown role = %v, want AccessDenied", err)
	}
	if got := s.Assumed(); len(got) != 1 || got[0] != role {
		t.Errorf("Assumed() = %v, want [%s]", got, role)
	}
}

func TestNilSafe(t *testing.T) {
	t.Parallel()
	var s *STS
	s.Allow("arn:aws:iam::111122223333:role/x", func(string) {})
	s.Close()
	if s.Assumed() != nil {
		t.Error("a nil *STS assumed a role")
	}
}

// GetCallerIdentity answers the caller set for the signing access key, the
// session of credentials AssumeRole issued, and InvalidClientTokenId for
// any other key, as STS does.
func TestGetCallerIdentity(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	const user = "arn:aws:iam::111122223333:user/alice"
	s.SetCaller("AKIAALICE", user)
	role := "arn:aws:iam::444455556666:role/Audit"
	s.Allow(role, func(string) {})
	client := func(ak, token string) *sts.Client {
		return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
			Credentials: credentials.NewStaticCredentialsProvider(ak, "secret", token)})
	}
	out, err := client("AKIAALICE", "").GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Arn) != user || aws.ToString(out.Account) != "111122223333" {
		t.Errorf("GetCallerIdentity as alice = %+v, %v", out, err)
	}
	creds, err := client("AKIAALICE", "").AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	out, err = client(aws.ToString(creds.Credentials.AccessKeyId), aws.ToString(creds.Credentials.SessionToken)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Arn) != "arn:aws:sts::444455556666:assumed-role/Audit/s" || aws.ToString(out.Account) != "444455556666" {
		t.Errorf("GetCallerIdentity as the session = %+v, %v", out, err)
	}
	_, err = client("AKIAUNKNOWN", "").GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
		t.Errorf("GetCallerIdentity with an unknown key = %v, want InvalidClientTokenId", err)
	}
}
