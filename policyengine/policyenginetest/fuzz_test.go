package policyenginetest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
	"github.com/agentcorekms/agentcorekms/policyengine/policyenginetest"
)

// FuzzServeHTTP: any request gets an answer with a documented status and,
// for errors, an X-Amzn-ErrorType; the emulator never panics.
func FuzzServeHTTP(f *testing.F) {
	f.Add("POST", "/policy-engines", `{"name":"A","encryptionKeyArn":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}`)
	f.Add("POST", "/policy-engines", `{"name":"B"}`)
	f.Add("GET", "/policy-engines?maxResults=0&nextToken=%%%", "")
	f.Add("GET", "/policy-engine-summaries/A-0123456789", "")
	f.Add("DELETE", "/policy-engines/x/y", "")
	f.Add("PATCH", "/policy-engines/A-0123456789", `{"description":{"optionalValue":"d"},"encryptionKeyArn":null}`)
	f.Add("POST", "/tags/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A111122223333%3Apolicy-engine%2FA-0123456789", `{"tags":{"a":"b"}}`)
	f.Add("DELETE", "/tags/x?tagKeys=a", "")
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://emulator"+target, strings.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFUZZ/20260224/us-east-1/bedrock-agentcore/aws4_request")
		k := kmstest.New()
		k.MapAccessKey("AKIAFUZZ", "arn:aws:iam::111122223333:role/Fuzz")
		rec := httptest.NewRecorder()
		policyenginetest.New(k).ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusAccepted, http.StatusNoContent:
		case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict:
			if rec.Header().Get("X-Amzn-ErrorType") == "" {
				t.Fatalf("%s %s: status %d without an error type", method, target, rec.Code)
			}
		default:
			t.Fatalf("%s %s: unexpected status %d: %s", method, target, rec.Code, rec.Body)
		}
	})
}
