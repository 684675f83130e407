package policyenginetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// engineJSON is a policy engine on the wire, in the documented field order.
type engineJSON struct {
	PolicyEngineID   string                   `json:"policyEngineId"`
	Name             string                   `json:"name"`
	Description      *string                  `json:"description,omitempty"`
	PolicyEngineArn  string                   `json:"policyEngineArn"`
	Status           types.PolicyEngineStatus `json:"status"`
	StatusReasons    []string                 `json:"statusReasons"`
	EncryptionKeyArn string                   `json:"encryptionKeyArn,omitempty"`
	CreatedAt        string                   `json:"createdAt"`
	UpdatedAt        string                   `json:"updatedAt"`
}

// summaryJSON is a policy engine summary on the wire.
type summaryJSON struct {
	PolicyEngineID   string                   `json:"policyEngineId"`
	Name             string                   `json:"name"`
	PolicyEngineArn  string                   `json:"policyEngineArn"`
	Status           types.PolicyEngineStatus `json:"status"`
	EncryptionKeyArn string                   `json:"encryptionKeyArn,omitempty"`
	CreatedAt        string                   `json:"createdAt"`
	UpdatedAt        string                   `json:"updatedAt"`
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (v view) engineJSON() engineJSON {
	return engineJSON{
		PolicyEngineID: v.ID, Name: v.Name, Description: v.Description, PolicyEngineArn: v.ARN,
		Status: v.Status, StatusReasons: v.Reasons, EncryptionKeyArn: v.KeyARN,
		CreatedAt: timestamp(v.CreatedAt), UpdatedAt: timestamp(v.UpdatedAt),
	}
}

func (v view) summaryJSON() summaryJSON {
	return summaryJSON{
		PolicyEngineID: v.ID, Name: v.Name, PolicyEngineArn: v.ARN, Status: v.Status,
		EncryptionKeyArn: v.KeyARN, CreatedAt: timestamp(v.CreatedAt), UpdatedAt: timestamp(v.UpdatedAt),
	}
}

// route maps a request to its operation name and its label: the
// policyEngineId, or the resourceArn of the tag operations.
func route(r *http.Request) (op, id string) {
	path := strings.TrimSuffix(r.URL.EscapedPath(), "/")
	if rest, isTags := strings.CutPrefix(path, "/tags/"); isTags && rest != "" && !strings.Contains(rest, "/") {
		switch r.Method {
		case http.MethodPost:
			return OpTagResource, label(rest)
		case http.MethodDelete:
			return OpUntagResource, label(rest)
		case http.MethodGet:
			return OpListTagsForResource, label(rest)
		}
		return "", ""
	}
	rest, isEngine := strings.CutPrefix(path, "/policy-engines")
	if !isEngine {
		var isSummary bool
		if rest, isSummary = strings.CutPrefix(path, "/policy-engine-summaries"); !isSummary {
			return "", ""
		}
		switch {
		case rest == "" && r.Method == http.MethodGet:
			return OpListPolicyEngineSummaries, ""
		case strings.HasPrefix(rest, "/") && !strings.Contains(rest[1:], "/") && r.Method == http.MethodGet:
			return OpGetPolicyEngineSummary, label(rest[1:])
		}
		return "", ""
	}
	switch {
	case rest == "" && r.Method == http.MethodPost:
		return OpCreatePolicyEngine, ""
	case rest == "" && r.Method == http.MethodGet:
		return OpListPolicyEngines, ""
	case strings.HasPrefix(rest, "/") && rest != "/" && !strings.Contains(rest[1:], "/"):
		switch r.Method {
		case http.MethodGet:
			return OpGetPolicyEngine, label(rest[1:])
		case http.MethodPatch:
			return OpUpdatePolicyEngine, label(rest[1:])
		case http.MethodDelete:
			return OpDeletePolicyEngine, label(rest[1:])
		}
	}
	return "", ""
}

func label(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// maxBody is the largest request body the control plane reads.
const maxBody = 1 << 20

// ServeHTTP serves the REST-JSON protocol of the control plane. A panic in
// a handler is answered with 500 InternalFailure, never a dropped
// connection.
func (c *ControlPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c == nil {
		writeError(w, &apiError{status: http.StatusInternalServerError, code: "InternalFailure", message: "nil *policyenginetest.ControlPlane"})
		return
	}
	op, id := route(r)
	x := c.front.Start(w, op, kmstest.AccessKeyID(r), "X-Amzn-ErrorType")
	defer x.Finish(func(w http.ResponseWriter, v any) {
		writeError(w, &apiError{status: http.StatusInternalServerError, code: "InternalFailure",
			message: fmt.Sprintf("The server failed to handle the request: %v", v)})
	})
	sw, rec := x.W, &x.Rec
	rec.Time = c.opts.Now()
	if !x.Wait(r.Context()) {
		return
	}
	if op == "" {
		writeError(sw, &apiError{status: http.StatusNotFound, code: "UnknownOperationException", message: "Unknown operation " + r.Method + " " + r.URL.Path})
		return
	}
	if f, ok := c.front.Faults.Next(op); ok {
		writeError(sw, &apiError{status: f.StatusCode, code: f.Code, message: f.Message})
		return
	}
	principal, ok := c.keys.principalFor(rec.AccessKeyID)
	if !ok {
		writeError(sw, &apiError{status: http.StatusForbidden, code: agentcore.CodeUnrecognizedClient,
			message: "The security token included in the request is invalid."})
		return
	}
	rec.Principal = principal
	c.serve(context.WithoutCancel(r.Context()), sw, r, op, id, principal)
}

func decodeBody(r *http.Request, v any) *apiError {
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(v); err != nil && err != io.EOF {
		return validationError(types.ValidationExceptionReasonCannotParse, "Could not parse the request body: "+err.Error())
	}
	return nil
}

func (c *ControlPlane) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, op, id, principal string) {
	switch op {
	case OpCreatePolicyEngine:
		var req createRequest
		if err := decodeBody(r, &req); err != nil {
			writeError(w, err)
			return
		}
		e, err := c.create(ctx, principal, &req)
		if err != nil {
			writeError(w, err)
			return
		}
		e.mu.Lock()
		v := e.view(req.Description)
		e.mu.Unlock()
		writeJSON(w, http.StatusAccepted, v.engineJSON())
	case OpGetPolicyEngine:
		v, err := c.get(ctx, principal, id)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v.engineJSON())
	case OpUpdatePolicyEngine:
		var req updateRequest
		if err := decodeBody(r, &req); err != nil {
			writeError(w, err)
			return
		}
		v, err := c.update(ctx, principal, id, &req)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, v.engineJSON())
	case OpGetPolicyEngineSummary:
		v, err := c.summary(ctx, principal, id)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v.summaryJSON())
	case OpDeletePolicyEngine:
		v, err := c.delete(ctx, principal, id)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, v.engineJSON())
	case OpTagResource:
		var req struct {
			Tags map[string]string `json:"tags"`
		}
		if err := decodeBody(r, &req); err != nil {
			writeError(w, err)
			return
		}
		if err := c.tag(ctx, principal, id, req.Tags); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case OpUntagResource:
		if err := c.untag(ctx, principal, id, r.URL.Query()["tagKeys"]); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case OpListTagsForResource:
		tags, err := c.listTags(ctx, principal, id)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Tags map[string]string `json:"tags"`
		}{tags})
	case OpListPolicyEngines, OpListPolicyEngineSummaries:
		max, after, err := pageParams(r)
		if err != nil {
			writeError(w, err)
			return
		}
		views, next, err := c.list(ctx, principal, max, after, op)
		if err != nil {
			writeError(w, err)
			return
		}
		var token *string
		if next != "" {
			t := base64.RawURLEncoding.EncodeToString([]byte(next))
			token = &t
		}
		if op == OpListPolicyEngines {
			out := struct {
				PolicyEngines []engineJSON `json:"policyEngines"`
				NextToken     *string      `json:"nextToken,omitempty"`
			}{PolicyEngines: []engineJSON{}, NextToken: token}
			for _, v := range views {
				out.PolicyEngines = append(out.PolicyEngines, v.engineJSON())
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
		out := struct {
			PolicyEngines []summaryJSON `json:"policyEngines"`
			NextToken     *string       `json:"nextToken,omitempty"`
		}{PolicyEngines: []summaryJSON{}, NextToken: token}
		for _, v := range views {
			out.PolicyEngines = append(out.PolicyEngines, v.summaryJSON())
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// Page sizes of the list operations.
const (
	defaultMaxResults = 10
	maxMaxResults     = 100
)

func pageParams(r *http.Request) (int, string, *apiError) {
	q := r.URL.Query()
	max := defaultMaxResults
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxMaxResults {
			return 0, "", fieldError("maxResults", "maxResults must be between 1 and 100")
		}
		max = n
	}
	after := ""
	if s := q.Get("nextToken"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) == 0 {
			return 0, "", fieldError("nextToken", "nextToken is invalid")
		}
		after = string(b)
	}
	return max, after, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError writes an error response the way the service does: the type in
// X-Amzn-ErrorType and the message (and, for ValidationException, the reason
// and the fields) in the body.
func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"message": e.message}
	if e.code == "ValidationException" {
		if e.reason != "" {
			body["reason"] = e.reason
		}
		if len(e.fields) > 0 {
			fields := make([]map[string]string, 0, len(e.fields))
			for _, f := range e.fields {
				fields = append(fields, map[string]string{"name": *f.Name, "message": *f.Message})
			}
			body["fieldList"] = fields
		}
	}
	w.Header().Set("X-Amzn-ErrorType", e.code)
	writeJSON(w, e.status, body)
}
