package kmstest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// FuzzHandler sends arbitrary bodies to every operation: the server never
// panics and answers either 200 or a KMS JSON error with a __type.
func FuzzHandler(f *testing.F) {
	f.Add("DescribeKey", `{"KeyId":"alias/x"}`)
	f.Add("Encrypt", `{"KeyId":"k","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"}}`)
	f.Add("Decrypt", `{"CiphertextBlob":"AQJhYg=="}`)
	f.Add("CreateGrant", `{"KeyId":"k","Operations":["Decrypt"],"GranteePrincipal":"x","Constraints":{"EncryptionContextSubset":{}}}`)
	f.Add("ListGrants", `{"KeyId":"k","Limit":0,"Marker":"!!"}`)
	f.Add("CreateKey", `{"KeySpec":"HMAC_256","Policy":"{"}`)
	f.Add("PutKeyPolicy", `{"KeyId":"k","Policy":null}`)
	f.Add("ListKeys", `{"Limit":1001}`)
	f.Add("TagResource", `{"KeyId":"k","Tags":[{"TagKey":"aws:x","TagValue":""}]}`)
	f.Add("UpdateAlias", `{"AliasName":"alias/aws/s3","TargetKeyId":"k"}`)
	f.Add("ListRetirableGrants", `{"RetiringPrincipal":"x","Marker":"g1"}`)
	f.Add("EnableKeyRotation", `{"KeyId":"k","RotationPeriodInDays":-1}`)
	f.Add("Nope", `[]`)
	f.Fuzz(func(t *testing.T, op, body string) {
		k := kmstest.New(func(o *kmstest.Options) {
			o.DefaultCaller = &kmstest.Caller{Principal: "arn:aws:iam::111122223333:role/Fuzz"}
		})
		md := k.CreateTestKey(t, nil)
		body = strings.ReplaceAll(body, `"k"`, `"`+*md.KeyId+`"`)
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "TrentService."+op)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+op+"/20260101/us-east-1/kms/aws4_request")
		rec := httptest.NewRecorder()
		k.Handler().ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: response is not a JSON object: %q", op, rec.Body.String())
		}
		if rec.Code != http.StatusOK {
			if typ, _ := out["__type"].(string); typ == "" {
				t.Fatalf("%s: error %d without __type: %q", op, rec.Code, rec.Body.String())
			}
		}
	})
}

func TestAccessKeyID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, header, query, want string
	}{
		{name: "SigV4 header", header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=abc", want: "AKIDEXAMPLE"},
		{name: "presigned query", query: "X-Amz-Credential=AKIDQUERY%2F20260101%2Fus-east-1%2Fkms%2Faws4_request", want: "AKIDQUERY"},
		{name: "no credential", header: "Bearer xyz", want: ""},
		{name: "nothing", want: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/?"+tt.query, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			if got := kmstest.AccessKeyID(r); got != tt.want {
				t.Errorf("AccessKeyID = %q, want %q", got, tt.want)
			}
		})
	}
}
