// Package ststest is a loopback AWS STS that answers AssumeRole (the Query
// protocol, as the real *sts.Client and stscreds.AssumeRoleProvider send
// it) for the roles it is told about, with fresh temporary credentials, and
// AccessDenied for any other role. The emulators identify callers by
// access key id, so each role's allow function learns every access key
// issued for it and can map it in the emulators of the role's account.
//
// It is safe for concurrent use.
package ststest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// STS is a loopback STS. Close it when done.
type STS struct {
	*httptest.Server

	mu      sync.Mutex
	roles   map[string]func(accessKeyID string)
	issued  int
	assumed []string
}

// New starts an STS on loopback; point an *sts.Client at its URL with
// BaseEndpoint.
func New() *STS {
	s := &STS{roles: map[string]func(string){}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Allow lets roleARN be assumed; onIssue is called with the access key id
// of each set of credentials issued for it, before they are returned.
func (s *STS) Allow(roleARN string, onIssue func(accessKeyID string)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[roleARN] = onIssue
}

// Close stops the server. It is safe on a nil *STS.
func (s *STS) Close() {
	if s == nil || s.Server == nil {
		return
	}
	s.Server.Close()
}

// Assumed returns the role ARNs assumed so far, in order.
func (s *STS) Assumed() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.assumed...)
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		Credentials     stsCredentials `xml:"Credentials"`
		AssumedRoleUser struct {
			Arn           string `xml:"Arn"`
			AssumedRoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type errorResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ID      string   `xml:"RequestId"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(errorResponse{Type: "Sender", Code: code, Message: msg, ID: "ststest"})
}

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("Action") != "AssumeRole" {
		writeError(w, http.StatusBadRequest, "InvalidAction", "ststest answers only AssumeRole")
		return
	}
	role, session := r.PostForm.Get("RoleArn"), r.PostForm.Get("RoleSessionName")
	parts := strings.Split(role, ":")
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") || session == "" {
		writeError(w, http.StatusBadRequest, "ValidationError", "RoleArn must be a role ARN and RoleSessionName must be set")
		return
	}
	s.mu.Lock()
	onIssue, ok := s.roles[role]
	s.issued++
	ak := fmt.Sprintf("ASIASTSTEST%09d", s.issued)
	if ok {
		s.assumed = append(s.assumed, role)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusForbidden, "AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: "+role)
		return
	}
	onIssue(ak)
	var out assumeRoleResponse
	out.Result.Credentials = stsCredentials{AccessKeyID: ak, SecretAccessKey: "ststest-secret", SessionToken: "ststest-token",
		Expiration: time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}
	name := parts[5][len("role/"):]
	out.Result.AssumedRoleUser.Arn = "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + name + "/" + session
	out.Result.AssumedRoleUser.AssumedRoleID = "AROASTSTEST:" + session
	out.RequestID = "ststest"
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(out)
}
