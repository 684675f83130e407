package kmstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/emu"
	"github.com/agentcorekms/agentcorekms/internal/loopback"
)

type handler func(ctx context.Context, c *Client, body []byte) (any, error)

// op adapts a Client method expression to a handler that decodes its input
// from the JSON body.
func op[I, O any](fn func(*Client, context.Context, *I, ...func(*kms.Options)) (*O, error)) handler {
	return func(ctx context.Context, c *Client, body []byte) (any, error) {
		in := new(I)
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, &smithy.GenericAPIError{Code: "SerializationException", Message: "Malformed request body: " + err.Error(), Fault: smithy.FaultClient}
			}
		}
		return fn(c, ctx, in)
	}
}

var handlers = map[string]handler{
	"CancelKeyDeletion":               op((*Client).CancelKeyDeletion),
	"CreateAlias":                     op((*Client).CreateAlias),
	"CreateGrant":                     op((*Client).CreateGrant),
	"CreateKey":                       op((*Client).CreateKey),
	"Decrypt":                         op((*Client).Decrypt),
	"DeleteAlias":                     op((*Client).DeleteAlias),
	"DescribeKey":                     op((*Client).DescribeKey),
	"DisableKey":                      op((*Client).DisableKey),
	"EnableKey":                       op((*Client).EnableKey),
	"Encrypt":                         op((*Client).Encrypt),
	"GenerateDataKey":                 op((*Client).GenerateDataKey),
	"GenerateDataKeyWithoutPlaintext": op((*Client).GenerateDataKeyWithoutPlaintext),
	"GetKeyPolicy":                    op((*Client).GetKeyPolicy),
	"ListAliases":                     op((*Client).ListAliases),
	"ListGrants":                      op((*Client).ListGrants),
	"PutKeyPolicy":                    op((*Client).PutKeyPolicy),
	"ReEncrypt":                       op((*Client).ReEncrypt),
	"RetireGrant":                     op((*Client).RetireGrant),
	"RevokeGrant":                     op((*Client).RevokeGrant),
	"ScheduleKeyDeletion":             op((*Client).ScheduleKeyDeletion),
}

// Handler returns an http.Handler serving the KMS JSON 1.1 protocol
// (POST /, X-Amz-Target: TrentService.<Operation>) over k. Each request's
// caller is the one mapped to its SigV4 access key id ([KMS.MapAccessKey]),
// or Options.DefaultPrincipal. Signatures are not verified.
func (k *KMS) Handler() http.Handler {
	return http.HandlerFunc(k.ServeHTTP)
}

// NewServer starts a loopback HTTP server serving [KMS.Handler]. Point a
// *kms.Client at its URL with BaseEndpoint (see [NewSDKClient]) and close it
// when done.
func (k *KMS) NewServer() *httptest.Server {
	return httptest.NewServer(k)
}

// ServeHTTP serves one KMS JSON 1.1 request; *KMS is an http.Handler.
func (k *KMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, "TrentService.")
	if r.Method != http.MethodPost || !ok {
		writeError(w, &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "Expected POST with X-Amz-Target: TrentService.<Operation>, got " + r.Method + " " + target})
		return
	}
	h, ok := handlers[name]
	if !ok {
		writeError(w, &smithy.GenericAPIError{Code: "UnknownOperationException", Message: "kmstest does not implement " + name})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, &smithy.GenericAPIError{Code: "SerializationException", Message: err.Error()})
		return
	}
	caller, _ := k.callerForAccessKey(AccessKeyID(r))
	out, err := h(r.Context(), k.As(caller), body)
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := encodeOutput(out)
	if err != nil {
		writeError(w, &smithy.GenericAPIError{Code: "KMSInternalException", Message: err.Error(), Fault: smithy.FaultServer})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", newID())
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, err error) {
	code, msg, status := "KMSInternalException", err.Error(), http.StatusInternalServerError
	var ae smithy.APIError
	var fe *emu.FaultError
	switch {
	case errors.As(err, &fe):
		code, msg, status = fe.ErrorCode(), fe.ErrorMessage(), fe.HTTPStatusCode()
	case errors.As(err, &ae):
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
		status = http.StatusBadRequest
		switch {
		case code == "DryRunOperationException":
			status = http.StatusPreconditionFailed // as KMS documents
		case code == "DependencyTimeoutException":
			status = http.StatusServiceUnavailable
		case ae.ErrorFault() == smithy.FaultServer:
			status = http.StatusInternalServerError
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code, status = "RequestCanceled", 499
	}
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", newID())
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// isTimestampMember reports whether the KMS member name holds a timestamp,
// which the JSON protocol sends as epoch seconds.
func isTimestampMember(name string) bool {
	switch name {
	case "CreationDate", "DeletionDate", "ValidTo", "LastUpdatedDate":
		return true
	}
	return false
}

// encodeOutput marshals an SDK output struct as the KMS JSON protocol does:
// members by name, blobs in base64, timestamps as epoch seconds, no nulls.
func encodeOutput(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	if m, ok := tree.(map[string]any); ok {
		delete(m, "ResultMetadata")
	}
	return json.Marshal(clean(tree))
}

func clean(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
				continue
			}
			if s, ok := e.(string); ok && isTimestampMember(k) {
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
					v[k] = json.Number(formatEpoch(t))
					continue
				}
			}
			v[k] = clean(e)
		}
	case []any:
		for i, e := range v {
			v[i] = clean(e)
		}
	}
	return v
}

func formatEpoch(t time.Time) string {
	ms := t.UnixMilli()
	b, _ := json.Marshal(float64(ms) / 1000)
	return string(b)
}

// NewSDKClient returns a real *kms.Client for a kmstest server at url, signing
// with accessKeyID (map it with [KMS.MapAccessKey]) and a dummy secret, in
// us-east-1 (change it with an option function), with a retryer that keeps
// the SDK's three attempts but backs off at most 10 ms and has no retry
// quota, so throttling tests run quickly.
func NewSDKClient(url, accessKeyID string, optFns ...func(*kms.Options)) *kms.Client {
	opts := kms.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  loopback.Credentials(accessKeyID, "kmstest-secret"),
		Retryer:      loopback.FastRetryer(),
	}
	return kms.New(opts, optFns...)
}
