package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/batcheval/batchevaltest"
	"github.com/agentcorekms/agentcorekms/keypolicy"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "sandbox story", wantCode: 0, wantStdout: []string{
			"sandbox: in-memory KMS", "started nightly_", "COMPLETED: 5 sessions",
			"Builtin.Helpfulness      average 0.90", "/metadata.json (SSE-KMS)", "/results.json (SSE-KMS)",
			"verified: 2 objects are aws:kms with key arn:aws:kms:us-east-1:111122223333:key/",
		}},
		{name: "custom name, prefix and Region", args: []string{"-name", "weekly", "-prefix", "p", "-region", "eu-west-1"}, wantCode: 0, wantStdout: []string{
			"started weekly-", "archived s3://batcheval-archive/p/weekly-", "key arn:aws:kms:eu-west-1:",
		}},
		{name: "disabled key stops at the preflight", args: []string{"-sandbox-disable-key"}, wantCode: 1,
			wantStderr: []string{"The specified KMS key is not in a usable state. Verify the key is enabled and not pending deletion.", "fail    key.state"}},
		{name: "disabled key without preflight: the service refuses", args: []string{"-sandbox-disable-key", "-skip-preflight"}, wantCode: 1,
			wantStderr: []string{"ValidationException", "The specified KMS key is not in a usable state."}},
		{name: "unknown flag", args: []string{"-nope"}, wantCode: 2},
		{name: "stray argument", args: []string{"extra"}, wantCode: 2, wantStderr: []string{"unexpected argument"}},
		{name: "bad Region", args: []string{"-region", "mars-1"}, wantCode: 2, wantStderr: []string{"not an AWS Region"}},
		{name: "real AWS without key and bucket", args: []string{"-aws"}, wantCode: 2, wantStderr: []string{"-aws needs -key and -bucket"}},
		{name: "sandbox flag with real AWS", args: []string{"-aws", "-key", "k", "-bucket", "b", "-sandbox-disable-key"}, wantCode: 2},
		{name: "invalid name", args: []string{"-name", "bad-name"}, wantCode: 2, wantStderr: []string{"BatchEvaluationName"}},
		{name: "alias instead of a key ARN", args: []string{"-key", "alias/batch"}, wantCode: 2, wantStderr: []string{"KmsKeyArn", "alias"}},
		{name: "too many evaluators", args: []string{"-evaluators", strings.Repeat("a,", 11)}, wantCode: 2, wantStderr: []string{"more than 10 evaluators"}},
		{name: "no log groups", args: []string{"-log-groups", ""}, wantCode: 2, wantStderr: []string{"LogGroupNames"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, &stdout, &stderr)
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, &stdout)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, &stderr)
				}
			}
		})
	}
}

// TestRunAWSPath runs the -aws code path (config.LoadDefaultConfig, the
// SDK's own clients) against the emulators, pointed at them with the
// standard AWS_ENDPOINT_URL_* variables, so the real-AWS flow is exercised
// end to end without an account.
func TestRunAWSPath(t *testing.T) {
	const principal = "arn:aws:iam::111122223333:role/MyBatchEvaluationRole"
	keyARN, _ := awsEnv(t, principal, func(o *batchevaltest.Options) { o.PendingFor, o.RunFor = -1, -1 })
	var stdout, stderr bytes.Buffer
	code := run([]string{"-aws", "-key", keyARN, "-bucket", "archive", "-principal", principal, "-name", "aws_path"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	for _, want := range []string{"started aws_path-", "COMPLETED: 5 sessions", "archived s3://archive/batch-evaluations/aws_path-", "verified: 2 objects are aws:kms with key " + keyARN} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, &stdout)
		}
	}
	if strings.Contains(stdout.String(), "sandbox") {
		t.Errorf("the -aws path printed sandbox output:\n%s", &stdout)
	}
}

// awsEnv starts an agentcoretest sandbox for principal, makes a key under
// the documented batch-evaluation policy plus the default key policy's
// administration statement, and points the standard AWS environment
// variables at the sandbox's emulators, signing with the principal's access
// key, as a user would point the -aws path at other endpoints. It returns
// the key ARN and the sandbox.
func awsEnv(t *testing.T, principal string, emOpts ...func(*batchevaltest.Options)) (string, *agentcoretest.Sandbox) {
	t.Helper()
	sb, err := agentcoretest.Start(principal, func(o *agentcoretest.Options) { o.DataPlane = append(o.DataPlane, emOpts...) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	doc, err := keypolicy.ForBatchEvaluation(keypolicy.BatchEvaluationParams{Account: sb.Account, Region: sb.Region, Principal: principal})
	if err != nil {
		t.Fatal(err)
	}
	// As in the sandbox: the default key policy's administration statement
	// lets the caller read the key policy, so the preflight is complete.
	doc.Statement = append(doc.Statement, keypolicy.Statement{
		Sid: "Enable IAM User Permissions", Effect: "Allow",
		Principal: keypolicy.AWSPrincipal("arn:aws:iam::" + sb.Account + ":root"),
		Action:    keypolicy.One("kms:*"), Resource: keypolicy.One("*"),
	})
	policy, err := doc.JSON()
	if err != nil {
		t.Fatal(err)
	}
	md := sb.Emulators.KMS.CreateTestKey(t, &kms.CreateKeyInput{Policy: aws.String(string(policy))})

	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                    filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":        filepath.Join(dir, "credentials"),
		"AWS_ACCESS_KEY_ID":                  sb.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":              "secret",
		"AWS_SESSION_TOKEN":                  "",
		"AWS_REGION":                         sb.Region,
		"AWS_EC2_METADATA_DISABLED":          "true",
		"AWS_ENDPOINT_URL_KMS":               sb.Emulators.KMSURL,
		"AWS_ENDPOINT_URL_BEDROCK_AGENTCORE": sb.Emulators.DataPlaneURL,
		"AWS_ENDPOINT_URL_S3":                sb.Emulators.S3URL,
	} {
		t.Setenv(k, v)
	}
	return aws.ToString(md.Arn), sb
}
