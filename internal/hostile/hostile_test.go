package hostile

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestServer(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "backend") }))
	defer backend.Close()
	s, err := New(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.On(Target("ListGrants"), Empty)
	s.On(Route(http.MethodDelete, "/policy-engines/"), Answer{Status: 500, Body: "boom"})
	do := func(method, path, target string) (int, string) {
		req, _ := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(""))
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := do("POST", "/", "TrentService.ListGrants"); code != 200 || body != "{}" {
		t.Errorf("ListGrants: %d %q", code, body)
	}
	if code, body := do("DELETE", "/policy-engines/x", ""); code != 500 || body != "boom" {
		t.Errorf("DELETE: %d %q", code, body)
	}
	if code, body := do("POST", "/", "TrentService.DescribeKey"); code != 200 || body != "backend" {
		t.Errorf("fallback: %d %q", code, body)
	}
	if got := s.Seen(Target("DescribeKey")); got != 1 {
		t.Errorf("Seen(DescribeKey) = %d, want 1", got)
	}
	if s.Answered() != 2 || s.Passed() != 1 {
		t.Errorf("Answered %d, Passed %d; want 2, 1", s.Answered(), s.Passed())
	}
}
