package iamtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	smithy "github.com/aws/smithy-go"
)

// apiVersion is the IAM API version the query protocol names.
const apiVersion = "2010-05-08"

// xmlns is the namespace of IAM's XML answers.
const xmlns = "https://iam.amazonaws.com/doc/2010-05-08/"

type handler func(ctx context.Context, m *IAM, form url.Values) (any, error)

// op adapts an IAM method expression to a handler that decodes its input
// from the form.
func op[I, O any](fn func(*IAM, context.Context, *I, ...func(*iam.Options)) (*O, error)) handler {
	return func(ctx context.Context, m *IAM, form url.Values) (any, error) {
		in := new(I)
		if err := decodeForm(form, "", reflect.ValueOf(in).Elem()); err != nil {
			return nil, err
		}
		out, err := fn(m, ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

var handlers = map[string]handler{
	"AttachRolePolicy":           op((*IAM).AttachRolePolicy),
	"AttachUserPolicy":           op((*IAM).AttachUserPolicy),
	"CreatePolicy":               op((*IAM).CreatePolicy),
	"CreateRole":                 op((*IAM).CreateRole),
	"CreateUser":                 op((*IAM).CreateUser),
	"DeleteRolePolicy":           op((*IAM).DeleteRolePolicy),
	"GetRole":                    op((*IAM).GetRole),
	"PutRolePermissionsBoundary": op((*IAM).PutRolePermissionsBoundary),
	"PutRolePolicy":              op((*IAM).PutRolePolicy),
	"PutUserPermissionsBoundary": op((*IAM).PutUserPermissionsBoundary),
	"PutUserPolicy":              op((*IAM).PutUserPolicy),
	"SimulatePrincipalPolicy":    op((*IAM).SimulatePrincipalPolicy),
}

// NewServer starts a loopback HTTP server serving [IAM.ServeHTTP]. Point an
// *iam.Client at its URL with BaseEndpoint (see [NewSDKClient]) and close
// it when done.
func (m *IAM) NewServer() *httptest.Server { return httptest.NewServer(m) }

// ServeHTTP serves the IAM query protocol: a form-encoded POST with Action
// and Version, answered in XML. Signatures are not verified.
//
// A nil *IAM answers every request with a 500 ServiceFailure.
func (m *IAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m == nil {
		writeError(w, ErrNilIAM)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, &smithy.GenericAPIError{Code: "InvalidAction", Message: "IAM takes POST requests, not " + r.Method, Fault: smithy.FaultClient})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, &smithy.GenericAPIError{Code: "MalformedQueryString", Message: err.Error(), Fault: smithy.FaultClient})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeError(w, &smithy.GenericAPIError{Code: "MalformedQueryString", Message: err.Error(), Fault: smithy.FaultClient})
		return
	}
	action := form.Get("Action")
	if v := form.Get("Version"); v != apiVersion {
		writeError(w, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "Version " + strconv.Quote(v) + " is not " + apiVersion, Fault: smithy.FaultClient})
		return
	}
	h, ok := handlers[action]
	if !ok {
		writeError(w, &smithy.GenericAPIError{Code: "InvalidAction", Message: "iamtest does not implement " + strconv.Quote(action), Fault: smithy.FaultClient})
		return
	}
	out, err := h(r.Context(), m, form)
	if err != nil {
		writeError(w, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(`<` + action + `Response xmlns="` + xmlns + `">`)
	v := reflect.ValueOf(out).Elem()
	if hasMembers(v) {
		buf.WriteString("<" + action + "Result>")
		writeMembers(&buf, v)
		buf.WriteString("</" + action + "Result>")
	}
	buf.WriteString("<ResponseMetadata><RequestId>" + requestID() + "</RequestId></ResponseMetadata>")
	buf.WriteString("</" + action + "Response>")
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(buf.Bytes())
}

func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// statusOf returns the HTTP status IAM answers with for an error code.
func statusOf(code string, fault smithy.ErrorFault) int {
	switch code {
	case (&types.NoSuchEntityException{}).ErrorCode():
		return http.StatusNotFound
	case (&types.EntityAlreadyExistsException{}).ErrorCode(), (&types.LimitExceededException{}).ErrorCode():
		return http.StatusConflict
	}
	if fault == smithy.FaultServer {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func writeError(w http.ResponseWriter, err error) {
	code, msg, status, typ := "ServiceFailure", err.Error(), http.StatusInternalServerError, "Receiver"
	var f Fault
	var ae smithy.APIError
	switch {
	case errors.As(err, &f):
		code, msg, status = f.Code, f.Message, f.StatusCode
		if status == 0 {
			status = statusOf(code, f.ErrorFault())
		}
		if status < 500 {
			typ = "Sender"
		}
	case errors.As(err, &ae):
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
		status = statusOf(code, ae.ErrorFault())
		if status < 500 {
			typ = "Sender"
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code, status, typ = "RequestCanceled", 499, "Sender"
	}
	var buf bytes.Buffer
	buf.WriteString(`<ErrorResponse xmlns="` + xmlns + `"><Error><Type>` + typ + `</Type><Code>`)
	_ = xml.EscapeText(&buf, []byte(code))
	buf.WriteString(`</Code><Message>`)
	_ = xml.EscapeText(&buf, []byte(msg))
	buf.WriteString(`</Message></Error><RequestId>` + requestID() + `</RequestId></ErrorResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decodeForm fills v, an SDK input struct, from the query-protocol form:
// members by name, lists as NAME.member.N, nested structures as
// NAME.member.N.FIELD.
func decodeForm(form url.Values, prefix string, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key := prefix + f.Name
		fv := v.Field(i)
		if err := decodeValue(form, key, fv); err != nil {
			return err
		}
	}
	return nil
}

func hasPrefix(form url.Values, prefix string) bool {
	for k := range form {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func decodeValue(form url.Values, key string, fv reflect.Value) error {
	bad := func(s string) error {
		return &types.InvalidInputException{Message: strPtr("Invalid value " + strconv.Quote(s) + " for parameter " + key)}
	}
	switch fv.Kind() {
	case reflect.Pointer:
		switch et := fv.Type().Elem(); et.Kind() {
		case reflect.String:
			if s, ok := form[key]; ok {
				p := reflect.New(et)
				p.Elem().SetString(s[0])
				fv.Set(p)
			}
		case reflect.Int32:
			if s, ok := form[key]; ok {
				n, err := strconv.ParseInt(s[0], 10, 32)
				if err != nil {
					return bad(s[0])
				}
				p := reflect.New(et)
				p.Elem().SetInt(n)
				fv.Set(p)
			}
		case reflect.Bool:
			if s, ok := form[key]; ok {
				b, err := strconv.ParseBool(s[0])
				if err != nil {
					return bad(s[0])
				}
				p := reflect.New(et)
				p.Elem().SetBool(b)
				fv.Set(p)
			}
		case reflect.Struct:
			if hasPrefix(form, key+".") {
				p := reflect.New(et)
				if err := decodeForm(form, key+".", p.Elem()); err != nil {
					return err
				}
				fv.Set(p)
			}
		}
	case reflect.String:
		if s, ok := form[key]; ok {
			fv.SetString(s[0])
		}
	case reflect.Slice:
		if _, empty := form[key]; empty {
			fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		}
		for n := 1; ; n++ {
			item := key + ".member." + strconv.Itoa(n)
			if _, ok := form[item]; !ok && !hasPrefix(form, item+".") {
				break
			}
			ev := reflect.New(fv.Type().Elem()).Elem()
			switch ev.Kind() {
			case reflect.String:
				ev.SetString(form.Get(item))
			case reflect.Struct:
				if err := decodeForm(form, item+".", ev); err != nil {
					return err
				}
			default:
				return bad(item)
			}
			fv.Set(reflect.Append(fv, ev))
		}
	}
	return nil
}

func strPtr(s string) *string { return &s }

var timeType = reflect.TypeOf(time.Time{})

// hasMembers reports whether the output struct v has any member to write.
func hasMembers(v reflect.Value) bool {
	var buf bytes.Buffer
	writeMembers(&buf, v)
	return buf.Len() > 0
}

// writeMembers writes the exported members of struct v as XML elements,
// as the query protocol answers: lists as <member> items, maps as <entry>
// with <key> and <value>, timestamps in ISO 8601, nothing for nil.
func writeMembers(buf *bytes.Buffer, v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Name == "ResultMetadata" {
			continue
		}
		writeElement(buf, f.Name, v.Field(i))
	}
}

func writeElement(buf *bytes.Buffer, name string, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	open, closeTag := "<"+name+">", "</"+name+">"
	switch {
	case v.Type() == timeType:
		buf.WriteString(open + v.Interface().(time.Time).UTC().Format("2006-01-02T15:04:05Z") + closeTag)
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 && v.Type() != reflect.TypeOf("") {
			return // an unset enum
		}
		buf.WriteString(open)
		_ = xml.EscapeText(buf, []byte(v.String()))
		buf.WriteString(closeTag)
	case reflect.Bool:
		buf.WriteString(open + strconv.FormatBool(v.Bool()) + closeTag)
	case reflect.Int32, reflect.Int64, reflect.Int:
		buf.WriteString(open + strconv.FormatInt(v.Int(), 10) + closeTag)
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		buf.WriteString(open)
		for j := range v.Len() {
			writeElement(buf, "member", v.Index(j))
		}
		buf.WriteString(closeTag)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		buf.WriteString(open)
		for _, k := range keys {
			buf.WriteString("<entry>")
			writeElement(buf, "key", k)
			writeElement(buf, "value", v.MapIndex(k))
			buf.WriteString("</entry>")
		}
		buf.WriteString(closeTag)
	case reflect.Struct:
		buf.WriteString(open)
		writeMembers(buf, v)
		buf.WriteString(closeTag)
	}
	// No IAM output member has another kind.
}
