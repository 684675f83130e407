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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
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
	"DisableKeyRotation":              op((*Client).DisableKeyRotation),
	"EnableKey":                       op((*Client).EnableKey),
	"EnableKeyRotation":               op((*Client).EnableKeyRotation),
	"Encrypt":                         op((*Client).Encrypt),
	"GenerateDataKey":                 op((*Client).GenerateDataKey),
	"GenerateDataKeyWithoutPlaintext": op((*Client).GenerateDataKeyWithoutPlaintext),
	"GetKeyPolicy":                    op((*Client).GetKeyPolicy),
	"GetKeyRotationStatus":            op((*Client).GetKeyRotationStatus),
	"ListAliases":                     op((*Client).ListAliases),
	"ListGrants":                      op((*Client).ListGrants),
	"ListKeyPolicies":                 op((*Client).ListKeyPolicies),
	"ListKeys":                        op((*Client).ListKeys),
	"ListResourceTags":                op((*Client).ListResourceTags),
	"ListRetirableGrants":             op((*Client).ListRetirableGrants),
	"PutKeyPolicy":                    op((*Client).PutKeyPolicy),
	"ReEncrypt":                       op((*Client).ReEncrypt),
	"RetireGrant":                     op((*Client).RetireGrant),
	"RevokeGrant":                     op((*Client).RevokeGrant),
	"ScheduleKeyDeletion":             op((*Client).ScheduleKeyDeletion),
	"TagResource":                     op((*Client).TagResource),
	"UntagResource":                   op((*Client).UntagResource),
	"UpdateAlias":                     op((*Client).UpdateAlias),
	"UpdateKeyDescription":            op((*Client).UpdateKeyDescription),
}

// Handler returns k, an http.Handler serving the KMS JSON 1.1 protocol
// (POST /, X-Amz-Target: TrentService.<Operation>). Each request's caller
// is the one mapped to its SigV4 access key id ([KMS.MapAccessKey]), or
// Options.DefaultCaller; without either the request fails with
// UnrecognizedClientException. Signatures are not verified.
func (k *KMS) Handler() http.Handler {
	return http.HandlerFunc(k.ServeHTTP)
}

// NewServer starts a loopback HTTP server serving [KMS.Handler]. Point a
// *kms.Client at its URL with BaseEndpoint (see [NewSDKClient]) and close it
// when done.
func (k *KMS) NewServer() *httptest.Server {
	return httptest.NewServer(k)
}

// MessageUnrecognizedClient is the message of the
// UnrecognizedClientException a request signed with an unknown access key
// gets.
const MessageUnrecognizedClient = "The security token included in the request is invalid."

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
	caller, known := k.callerForAccessKey(AccessKeyID(r))
	if !known && k.opts.DefaultCaller == nil {
		err := &smithy.GenericAPIError{Code: agentcore.CodeUnrecognizedClient, Message: MessageUnrecognizedClient, Fault: smithy.FaultClient}
		k.mu.Lock()
		k.counts[name]++
		k.recorder.Record(Call{Operation: name, Err: err})
		k.mu.Unlock()
		writeError(w, err)
		return
	}
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

// errorStatus is the HTTP status of each KMS error, from the SDK's model
// (the smithy.api#httpError trait of each error shape, as the SDK's
// schemas carry it); every other modelled error is 400.
var errorStatus = map[string]int{
	(&types.NotFoundException{}).ErrorCode():          http.StatusNotFound,
	(&types.AlreadyExistsException{}).ErrorCode():     http.StatusConflict,
	(&types.ConflictException{}).ErrorCode():          http.StatusConflict,
	(&types.DisabledException{}).ErrorCode():          http.StatusConflict,
	(&types.KMSInvalidStateException{}).ErrorCode():   http.StatusConflict,
	(&types.DryRunOperationException{}).ErrorCode():   http.StatusPreconditionFailed,
	(&types.DependencyTimeoutException{}).ErrorCode(): http.StatusServiceUnavailable,
	(&types.KMSInternalException{}).ErrorCode():       http.StatusInternalServerError,
	(&types.KeyUnavailableException{}).ErrorCode():    http.StatusInternalServerError,
}

// statusOf returns the HTTP status of an error with code and fault.
func statusOf(code string, fault smithy.ErrorFault) int {
	if s, ok := errorStatus[code]; ok {
		return s
	}
	if fault == smithy.FaultServer {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
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
		status = statusOf(code, ae.ErrorFault())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code, status = "RequestCanceled", 499
	}
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", newID())
	w.WriteHeader(status)
	_, _ = w.Write(b)
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
