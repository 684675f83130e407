// Package ststest is a loopback AWS STS that answers AssumeRole (the Query
// protocol, as the real *sts.Client and stscreds.AssumeRoleProvider send
// it) for the roles it is told about, with fresh temporary credentials, and
// AccessDenied for any other role; and GetCallerIdentity for the callers it
// is told about (SetCaller) and for the sessions it issued, with
// InvalidClientTokenId for any other access key, as STS answers. The emulators identify callers by
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

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// STS is a loopback STS. Close it when done.
type STS struct {
	*httptest.Server

	mu      sync.Mutex
	roles   map[string]func(accessKeyID string)
	callers map[string]string // access key id -> caller ARN
	issued  int
	assumed []string
}

// New starts an STS on loopback; point an *sts.Client at its URL with
// BaseEndpoint.
func New() *STS {
	s := &STS{roles: map[string]func(string){}, callers: map[string]string{}}
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

// SetCaller makes GetCallerIdentity signed with accessKeyID answer
// callerARN (a user, role or assumed-role session ARN).
func (s *STS) SetCaller(accessKeyID, callerARN string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callers[accessKeyID] = callerARN
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

type callerIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidAction", "the request body is not a form")
		return
	}
	switch r.PostForm.Get("Action") {
	case "AssumeRole":
		s.assumeRole(w, r)
	case "GetCallerIdentity":
		s.callerIdentity(w, r)
	default:
		writeError(w, http.StatusBadRequest, "InvalidAction", "ststest answers only AssumeRole and GetCallerIdentity")
	}
}

// callerIdentity answers GetCallerIdentity for the access key that signed r.
func (s *STS) callerIdentity(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	caller, ok := s.callers[kmstest.AccessKeyID(r)]
	s.mu.Unlock()
	parts := strings.Split(caller, ":")
	if !ok || len(parts) != 6 {
		writeError(w, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	}
	var out callerIdentityResponse
	out.Result.Arn, out.Result.Account, out.Result.UserID = caller, parts[4], "AIDASTSTEST"
	out.RequestID = "ststest"
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(out)
}

func (s *STS) assumeRole(w http.ResponseWriter, r *http.Request) {
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
	name := parts[5][len("role/"):]
	sessionARN := "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + name + "/" + session
	if ok {
		s.assumed = append(s.assumed, role)
		s.callers[ak] = sessionARN
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
	out.Result.AssumedRoleUser.Arn = sessionARN
	out.Result.AssumedRoleUser.AssumedRoleID = "AROASTSTEST:" + session
	out.RequestID = "ststest"
	w.Header().Set("Content-Type", "text/xml")
	_ = xml.NewEncoder(w).Encode(out)
}
