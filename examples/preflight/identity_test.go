package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// setAWSEnv isolates the default AWS configuration chain: only the variables
// set here (and in vars) count.
func setAWSEnv(t *testing.T, vars map[string]string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_ACCESS_KEY_ID":           "AKIDPREFLIGHT",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_MAX_ATTEMPTS":            "1",
	} {
		t.Setenv(k, v)
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

func TestRealKeyModeNoRegion(t *testing.T) {
	setAWSEnv(t, nil)
	var out, errb bytes.Buffer
	code := run([]string{"-key", "alias/agentcore"}, &out, &errb)
	if code != exitUsage || errb.String() != "preflight: no Region: pass -region or set AWS_REGION\n" || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d and the no-Region message", code, &out, &errb, exitUsage)
	}
}

// TestRealKeyModeCallerIdentity leaves -account and -principal to STS: a
// session of a role stands for that role.
func TestRealKeyModeCallerIdentity(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/ExampleRole"
	k := kmstest.New()
	srv := k.NewServer()
	defer srv.Close()
	k.MapAccessKey("AKIDPREFLIGHT", role)
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:sts::111122223333:assumed-role/ExampleRole/me</Arn><UserId>AROAEXAMPLE:me</UserId><Account>111122223333</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}))
	defer sts.Close()
	setAWSEnv(t, map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL, "AWS_ENDPOINT_URL_STS": sts.URL})
	key := k.CreateTestKey(t, nil)
	var out, errb bytes.Buffer
	code := run([]string{"-key", *key.Arn, "-region", "us-east-1"}, &out, &errb)
	if code == exitUsage {
		t.Fatalf("exit %d, stderr:\n%s", code, &errb)
	}
	if want := "account 111122223333, caller " + role + "\n"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout does not name the caller's account and role (%q):\n%s", want, &out)
	}
}
