package main

import (
	"bytes"
	"testing"
)

func TestLiveNoRegion(t *testing.T) {
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"-aws", "-audit"}, &stdout, &stderr)
	if code != exitUsage || stderr.String() != "policyengine: no Region: pass -region or set AWS_REGION\n" || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d and the no-Region message", code, &stdout, &stderr, exitUsage)
	}
}
