// Package hostile serves AWS-shaped answers that AWS never gives, on
// loopback, so that tests can point the real SDK clients (BaseEndpoint) at a
// server that misbehaves: a 200 with an empty body, a 200 that carries an
// error body, a 500 to every request. Requests no rule matches go to a
// fallback (an emulator's URL, through a reverse proxy), so one misbehaving
// operation can be tested inside an otherwise faithful conversation.
//
// It is a test helper: only _test.go files import it.
package hostile

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Answer is one canned HTTP response.
type Answer struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Body is sent as is.
	Body string
	// Header are extra response headers, such as
	// "X-Amzn-Errortype" or "x-amz-server-side-encryption".
	Header map[string]string
}

// Empty is a 200 with the JSON body {}.
var Empty = Answer{Body: "{}"}

// InternalError is a 500 that the SDKs read as a retryable server error.
var InternalError = Answer{Status: http.StatusInternalServerError, Body: `{"__type":"InternalFailure","message":"injected"}`,
	Header: map[string]string{"X-Amzn-Errortype": "InternalFailure"}}

// Match decides whether a rule applies to a request.
type Match func(*http.Request) bool

// Target matches requests of the AWS JSON protocol (KMS) for operation op,
// by their X-Amz-Target header ("TrentService.ListGrants").
func Target(op string) Match {
	return func(r *http.Request) bool {
		t := r.Header.Get("X-Amz-Target")
		return t != "" && t[strings.LastIndexByte(t, '.')+1:] == op
	}
}

// Route matches REST requests with method whose path starts with prefix.
func Route(method, prefix string) Match {
	return func(r *http.Request) bool {
		return r.Method == method && strings.HasPrefix(r.URL.Path, prefix)
	}
}

// Any matches every request.
func Any(*http.Request) bool { return true }

type rule struct {
	match  Match
	answer Answer
}

// Server is a misbehaving loopback server. It is safe for concurrent use.
type Server struct {
	// URL is the server's base URL, for an SDK client's BaseEndpoint.
	URL string

	srv      *httptest.Server
	fallback http.Handler

	mu       sync.Mutex
	rules    []rule
	answered int // requests a rule answered
	passed   int // requests the fallback answered
	seen     []*http.Request
}

// maxSeen bounds the requests Seen remembers.
const maxSeen = 10000

// New starts a server. fallback is the URL requests no rule matches are
// proxied to; if empty they get a 404.
func New(fallback string) (*Server, error) {
	s := &Server{}
	if fallback != "" {
		u, err := url.Parse(fallback)
		if err != nil {
			return nil, err
		}
		s.fallback = httputil.NewSingleHostReverseProxy(u)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s, nil
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// On makes every request that m matches get a, from now on. Later rules
// win over earlier ones.
func (s *Server) On(m Match, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, rule{m, a})
}

// Answered returns how many requests a rule answered.
func (s *Server) Answered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.answered
}

// Seen returns how many requests m matches among those received (the
// first 10,000), whoever answered them.
func (s *Server) Seen(m Match) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.seen {
		if m(r) {
			n++
		}
	}
	return n
}

// Passed returns how many requests went to the fallback.
func (s *Server) Passed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.passed
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if len(s.seen) < maxSeen {
		// Only the method, URL and headers are kept, which Match reads.
		s.seen = append(s.seen, &http.Request{Method: r.Method, URL: r.URL, Header: r.Header.Clone()})
	}
	var (
		a     Answer
		found bool
	)
	for i := len(s.rules) - 1; i >= 0; i-- {
		if s.rules[i].match(r) {
			a, found = s.rules[i].answer, true
			break
		}
	}
	if found {
		s.answered++
	} else if s.fallback != nil {
		s.passed++
	}
	s.mu.Unlock()
	switch {
	case found:
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		status := a.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(a.Body))
	case s.fallback != nil:
		s.fallback.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}
