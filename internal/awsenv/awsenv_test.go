package awsenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// isolate points the AWS configuration chain at nothing but the variables
// set here, so the machine's own configuration cannot leak in.
func isolate(t *testing.T, region string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_REGION":                  region,
		"AWS_DEFAULT_REGION":          "",
		"AWS_ACCESS_KEY_ID":           "AKIDAWSENV",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_MAX_ATTEMPTS":            "1",
	} {
		t.Setenv(k, v)
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name       string
		envRegion  string
		region     string
		wantRegion string
		wantErr    error
	}{
		{name: "the argument wins over the environment", envRegion: "eu-west-1", region: "us-west-2", wantRegion: "us-west-2"},
		{name: "the environment's Region without an argument", envRegion: "eu-west-1", wantRegion: "eu-west-1"},
		{name: "the argument alone", region: "ap-southeast-2", wantRegion: "ap-southeast-2"},
		{name: "no Region anywhere", wantErr: ErrNoRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t, tt.envRegion)
			cfg, err := LoadConfig(context.Background(), tt.region)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LoadConfig(%q) error = %v, want %v", tt.region, err, tt.wantErr)
			}
			if cfg.Region != tt.wantRegion {
				t.Errorf("LoadConfig(%q).Region = %q, want %q", tt.region, cfg.Region, tt.wantRegion)
			}
		})
	}
}

func TestLoadConfigError(t *testing.T) {
	isolate(t, "us-east-1")
	t.Setenv("AWS_PROFILE", "no-such-profile")
	_, err := LoadConfig(context.Background(), "")
	if err == nil || !strings.HasPrefix(err.Error(), "loading AWS configuration: ") || errors.Is(err, ErrNoRegion) {
		t.Fatalf("LoadConfig with a missing profile: error = %v, want it wrapped as loading AWS configuration", err)
	}
}

// fakeSTS answers GetCallerIdentity with callerARN, recording each request's
// form.
func fakeSTS(t *testing.T, callerARN string, status int) (*httptest.Server, *[]url.Values) {
	var forms []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Errorf("STS request body %q: %v", body, err)
		}
		forms = append(forms, form)
		w.Header().Set("Content-Type", "text/xml")
		if status != http.StatusOK {
			w.WriteHeader(status)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>%s</Arn><UserId>AIDEXAMPLE</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, callerARN)
	}))
	t.Cleanup(srv.Close)
	return srv, &forms
}

func TestCallerIdentity(t *testing.T) {
	tests := []struct {
		name          string
		callerARN     string
		wantPrincipal string
	}{
		{name: "a session stands for its role", callerARN: "arn:aws:sts::111122223333:assumed-role/Admin/me", wantPrincipal: "arn:aws:iam::111122223333:role/Admin"},
		{name: "a user is itself", callerARN: "arn:aws:iam::111122223333:user/alice", wantPrincipal: "arn:aws:iam::111122223333:user/alice"},
		{name: "a federated user is itself", callerARN: "arn:aws:sts::111122223333:federated-user/bob", wantPrincipal: "arn:aws:sts::111122223333:federated-user/bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t, "us-east-1")
			srv, forms := fakeSTS(t, tt.callerARN, http.StatusOK)
			t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
			cfg, err := LoadConfig(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			account, principal, err := CallerIdentity(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if account != "111122223333" || principal != tt.wantPrincipal {
				t.Errorf("CallerIdentity() = %q, %q; want 111122223333, %q", account, principal, tt.wantPrincipal)
			}
			if len(*forms) != 1 || (*forms)[0].Get("Action") != "GetCallerIdentity" {
				t.Errorf("STS received %v, want one GetCallerIdentity", *forms)
			}
		})
	}
}

func TestCallerIdentityError(t *testing.T) {
	isolate(t, "us-east-1")
	srv, _ := fakeSTS(t, "", http.StatusForbidden)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	cfg, err := LoadConfig(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	account, principal, err := CallerIdentity(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") || account != "" || principal != "" {
		t.Errorf("CallerIdentity() = %q, %q, %v; want the STS error and nothing else", account, principal, err)
	}
}
