package batchevaltest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/agentcorekms/agentcorekms/internal/agentcore"
	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/internal/emu"
	"github.com/agentcorekms/agentcorekms/internal/loopback"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// S3 headers of SSE-KMS.
const (
	headerSSE        = "X-Amz-Server-Side-Encryption"
	headerSSEKeyID   = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	headerSSEContext = "X-Amz-Server-Side-Encryption-Context"
	headerCopySource = "X-Amz-Copy-Source"
)

// S3 operation names, as [S3.InjectFault] takes them and [Request.Operation]
// records them.
const (
	OpPutObject               = "PutObject"
	OpCopyObject              = "CopyObject"
	OpGetObject               = "GetObject"
	OpHeadObject              = "HeadObject"
	OpDeleteObject            = "DeleteObject"
	OpCreateMultipartUpload   = "CreateMultipartUpload"
	OpUploadPart              = "UploadPart"
	OpCompleteMultipartUpload = "CompleteMultipartUpload"
	OpAbortMultipartUpload    = "AbortMultipartUpload"
	// OpS3Other is every other S3 request (bucket operations, listings),
	// served by gofakes3 alone.
	OpS3Other = "S3"
)

// MaxObjectKeyBytes is the longest object key S3 accepts, in bytes of UTF-8.
const MaxObjectKeyBytes = 1024

// S3Options configures an [S3], with the field names of every emulator of
// this module.
type S3Options struct {
	// Region is the Region of the emulated S3 (kms:ViaService
	// s3.REGION.amazonaws.com). If empty, the KMS's Region.
	Region string
	// Now is the clock of [Request.Time]. If nil, the KMS's clock.
	Now func() time.Time
	// Latency is added before every response. If zero, none.
	// [S3.SetLatency] changes it later.
	Latency time.Duration
	// MaxRequests is how many of the most recent requests [S3.Requests]
	// keeps. If zero, 10,000; if negative, none.
	MaxRequests int
}

// S3 is an in-memory S3 (github.com/johannesboyne/gofakes3, path-style,
// buckets created on first use) with SSE-KMS enforced through a kmstest KMS
// as S3 does it.
//
// gofakes3 alone stores every X-Amz-* request header of PutObject and
// returns it from HeadObject and GetObject, so SSE-KMS headers round-trip,
// but it calls no KMS: a PutObject with a disabled key, or one the caller may
// not use, would succeed. S3 puts a front on it that makes the KMS calls S3
// makes, as the caller through S3 (kms:ViaService s3.REGION.amazonaws.com)
// with the request's encryption context plus aws:s3:arn (the object's ARN),
// and fails the request as S3 would if KMS refuses:
//
//   - PutObject with x-amz-server-side-encryption: aws:kms calls
//     GenerateDataKey, stores the key's full ARN, and answers with the
//     ServerSideEncryption and SSEKMSKeyId headers, as S3 does;
//   - GetObject of such an object calls Decrypt;
//   - CopyObject from such an object calls Decrypt on the source, and
//     GenerateDataKey for a destination with SSE-KMS; a destination without
//     it is stored with SSE-S3 (AES256), S3's default encryption, never with
//     the source's KMS headers;
//   - CreateMultipartUpload with SSE-KMS calls GenerateDataKey, and
//     CompleteMultipartUpload calls Decrypt (S3 reads the encrypted parts
//     back), both answering with the SSE-KMS headers.
//
// The object bytes themselves are stored in the clear: the front models the
// KMS authorization, not the cryptography. Object keys must be valid UTF-8
// of at most [MaxObjectKeyBytes] bytes; any character is allowed, newlines
// included, as in S3. A request signed with an access key the KMS does not
// know (and no kmstest.Options.DefaultCaller) is refused with
// InvalidAccessKeyId, S3's answer. The front also
// corrects one gofakes3 behaviour that would hide a downgrade: gofakes3
// merges an object's old metadata into its replacement, so a plain PutObject
// over an SSE-KMS object would still report aws:kms; S3 replaces all
// metadata, and so does the front.
//
// S3 is safe for concurrent use.
type S3 struct {
	kms     *kmstest.KMS
	opts    S3Options
	inner   http.Handler
	viaHost string
	arnPart string

	front *emu.Front // faults, latency, requests and their counts

	mu      sync.Mutex
	objects map[string]sseObject // "bucket/key" -> data key of an SSE-KMS object
	uploads map[string]sseUpload // upload id -> SSE-KMS multipart upload
}

type sseObject struct {
	keyARN string
	ec     map[string]string
	blob   []byte
}

type sseUpload struct {
	name string
	obj  sseObject
}

// NewS3 returns an in-memory S3 whose SSE-KMS calls go to k, in k's Region
// unless S3Options.Region says otherwise. A nil k is refused with a panic,
// as a nil dependency is a programming error.
func NewS3(k *kmstest.KMS, optFns ...func(*S3Options)) *S3 {
	if k == nil {
		panic("batchevaltest: NewS3 needs a *kmstest.KMS")
	}
	ko := k.Options()
	o := S3Options{Region: ko.Region, Now: ko.Now}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	part, ok := awspartition.ForRegion(o.Region)
	if !ok {
		part, _ = awspartition.ByID("aws")
	}
	fake := gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true))
	s := &S3{
		kms: k, opts: o, inner: fake.Server(), viaHost: part.ServiceHost("s3", o.Region), arnPart: part.ID,
		front:   emu.NewFront(o.MaxRequests, o.Latency),
		objects: map[string]sseObject{}, uploads: map[string]sseUpload{},
	}
	return s
}

// NewServer starts a loopback HTTP server for s. Close it when done.
func (s *S3) NewServer() *httptest.Server { return httptest.NewServer(s) }

// InjectFault makes the next n requests for operation op (OpPutObject, ...;
// "" or "*" for any) fail with f, as an S3 XML error, after the faults
// already injected.
func (s *S3) InjectFault(op string, f Fault, n int) {
	if s == nil {
		return
	}
	s.front.Faults.InjectFault(op, f, n)
}

// SetLatency changes the latency added before every response; d <= 0 means
// none.
func (s *S3) SetLatency(d time.Duration) {
	if s == nil {
		return
	}
	s.front.Latency.SetLatency(d)
}

// Requests returns the most recent requests served (at most
// S3Options.MaxRequests), oldest first.
func (s *S3) Requests() []Request {
	if s == nil {
		return nil
	}
	return s.front.Requests()
}

// RequestCount reports how many requests for operation op s has received.
func (s *S3) RequestCount(op string) int {
	if s == nil {
		return 0
	}
	return s.front.RequestCount(op)
}

// s3Op names the operation of a path-style request.
func s3Op(r *http.Request, isObject bool) string {
	q := r.URL.Query()
	if !isObject {
		return OpS3Other
	}
	switch r.Method {
	case http.MethodPut:
		switch {
		case q.Has("uploadId"):
			return OpUploadPart
		case r.Header.Get(headerCopySource) != "":
			return OpCopyObject
		}
		return OpPutObject
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return OpCreateMultipartUpload
		case q.Has("uploadId"):
			return OpCompleteMultipartUpload
		}
	case http.MethodGet:
		if !q.Has("uploadId") {
			return OpGetObject
		}
	case http.MethodHead:
		return OpHeadObject
	case http.MethodDelete:
		if q.Has("uploadId") {
			return OpAbortMultipartUpload
		}
		return OpDeleteObject
	}
	return OpS3Other
}

// ServeHTTP serves the S3 REST protocol, path style. A panic is answered
// with 500 InternalError, S3's code for its own failures.
func (s *S3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s == nil {
		writeS3Error(w, http.StatusInternalServerError, "InternalError", "nil *batchevaltest.S3")
		return
	}
	bucket, key, isObject := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	isObject = isObject && key != ""
	op := s3Op(r, isObject)
	x := s.front.Start(w, op, kmstest.AccessKeyID(r), "X-Amz-Error-Code")
	defer x.Finish(func(w http.ResponseWriter, v any) {
		writeS3Error(w, http.StatusInternalServerError, "InternalError", fmt.Sprintf("We encountered an internal error: %v", v))
	})
	sw, rec := x.W, &x.Rec
	rec.Time = s.opts.Now()
	if !x.Wait(r.Context()) {
		return
	}
	if f, ok := s.front.Faults.Next(op); ok {
		writeS3Error(sw, f.StatusCode, f.Code, f.Message)
		return
	}
	principal, _ := s.kms.PrincipalForAccessKey(rec.AccessKeyID) // or kmstest's opt-in DefaultCaller
	if principal == "" {
		writeS3Error(sw, http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
		return
	}
	rec.Principal = principal
	if isObject {
		if code, msg := checkObjectKey(key); code != "" {
			writeS3Error(sw, http.StatusBadRequest, code, msg)
			return
		}
	}
	s.serve(sw, r, op, principal, bucket, key)
}

// checkObjectKey applies S3's object key rules: UTF-8, at most 1,024 bytes.
func checkObjectKey(key string) (code, msg string) {
	switch {
	case len(key) > MaxObjectKeyBytes:
		return "KeyTooLongError", "Your key is too long."
	case !utf8.ValidString(key):
		return "InvalidArgument", "Object keys must be valid UTF-8."
	}
	return "", ""
}

// putSSE writes an SSE-KMS object (PutObject, or the destination of
// CopyObject): it generates the object's data key as fas, passes the
// request to the inner S3 with the key's ARN, and remembers the object if
// the inner S3 stored it.
func (s *S3) putSSE(w http.ResponseWriter, r *http.Request, fas kmstest.Caller, bucket, key string) {
	obj, code, msg := s.generate(r, fas, bucket, key)
	if code != "" {
		writeS3Error(w, statusOf(code), code, msg)
		return
	}
	r.Header.Set(headerSSEKeyID, obj.keyARN)
	if s.passSSE(w, r, obj) {
		s.remember(bucket+"/"+key, obj)
	}
}

func (s *S3) serve(w http.ResponseWriter, r *http.Request, op, principal, bucket, key string) {
	name := bucket + "/" + key
	fas := kmstest.Caller{Principal: principal, ViaService: s.viaHost}
	switch op {
	case OpPutObject:
		s.dropInner(r)
		if r.Header.Get(headerSSE) != "aws:kms" {
			s.forget(name)
			s.inner.ServeHTTP(w, r)
			return
		}
		s.putSSE(w, r, fas, bucket, key)
	case OpCopyObject:
		if src, ok := s.copySource(r); ok {
			if code, msg := s.decrypt(r, fas, src); code != "" {
				writeS3Error(w, statusOf(code), code, msg)
				return
			}
		}
		if r.Header.Get(headerSSE) != "aws:kms" {
			// S3 encrypts a copy with the destination's settings, never
			// the source's: without SSE-KMS it gets SSE-S3, S3's default.
			// Empty KMS headers keep gofakes3 from merging in the source's.
			r.Header.Set(headerSSE, "AES256")
			r.Header.Set(headerSSEKeyID, "")
			r.Header.Set(headerSSEContext, "")
			s.forget(name)
			s.inner.ServeHTTP(w, r)
			return
		}
		s.putSSE(w, r, fas, bucket, key)
	case OpGetObject:
		s.mu.Lock()
		obj, ok := s.objects[name]
		s.mu.Unlock()
		if ok {
			if code, msg := s.decrypt(r, fas, obj); code != "" {
				writeS3Error(w, statusOf(code), code, msg)
				return
			}
		}
		s.inner.ServeHTTP(w, r)
	case OpDeleteObject:
		s.forget(name)
		s.inner.ServeHTTP(w, r)
	case OpCreateMultipartUpload:
		if r.Header.Get(headerSSE) != "aws:kms" {
			s.inner.ServeHTTP(w, r)
			return
		}
		obj, code, msg := s.generate(r, fas, bucket, key)
		if code != "" {
			writeS3Error(w, statusOf(code), code, msg)
			return
		}
		r.Header.Set(headerSSEKeyID, obj.keyARN)
		buf := &bufferWriter{header: http.Header{}}
		s.inner.ServeHTTP(buf, r)
		var out struct {
			UploadID string `xml:"UploadId"`
		}
		if buf.ok() && xml.Unmarshal(buf.body.Bytes(), &out) == nil && out.UploadID != "" {
			s.mu.Lock()
			s.uploads[out.UploadID] = sseUpload{name: name, obj: obj}
			s.mu.Unlock()
			sseHeaders(buf.header, obj)
		}
		buf.copyTo(w)
	case OpUploadPart:
		up, ok := s.upload(r)
		if !ok {
			s.inner.ServeHTTP(w, r)
			return
		}
		s.passSSE(w, r, up.obj)
	case OpCompleteMultipartUpload:
		up, ok := s.upload(r)
		if !ok {
			if s.passOK(w, r) {
				s.forget(name)
			}
			return
		}
		if code, msg := s.decrypt(r, fas, up.obj); code != "" {
			writeS3Error(w, statusOf(code), code, msg)
			return
		}
		if s.passSSE(w, r, up.obj) {
			s.remember(name, up.obj)
			s.mu.Lock()
			delete(s.uploads, r.URL.Query().Get("uploadId"))
			s.mu.Unlock()
		}
	case OpAbortMultipartUpload:
		s.mu.Lock()
		delete(s.uploads, r.URL.Query().Get("uploadId"))
		s.mu.Unlock()
		s.inner.ServeHTTP(w, r)
	default:
		s.inner.ServeHTTP(w, r)
	}
}

func (s *S3) upload(r *http.Request) (sseUpload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	up, ok := s.uploads[r.URL.Query().Get("uploadId")]
	return up, ok
}

// passSSE serves r with gofakes3 and, if it succeeded, adds the SSE-KMS
// response headers S3 sends. It reports whether it succeeded.
func (s *S3) passSSE(w http.ResponseWriter, r *http.Request, obj sseObject) bool {
	buf := &bufferWriter{header: http.Header{}}
	s.inner.ServeHTTP(buf, r)
	if buf.ok() {
		sseHeaders(buf.header, obj)
	}
	buf.copyTo(w)
	return buf.ok()
}

// passOK serves r with gofakes3 and reports whether it succeeded.
func (s *S3) passOK(w http.ResponseWriter, r *http.Request) bool {
	buf := &bufferWriter{header: http.Header{}}
	s.inner.ServeHTTP(buf, r)
	buf.copyTo(w)
	return buf.ok()
}

func sseHeaders(h http.Header, obj sseObject) {
	h.Set(headerSSE, "aws:kms")
	h.Set(headerSSEKeyID, obj.keyARN)
}

// copySource returns the SSE-KMS object r's x-amz-copy-source names, if it
// names one.
func (s *S3) copySource(r *http.Request) (sseObject, bool) {
	src := r.Header.Get(headerCopySource)
	src, _, _ = strings.Cut(src, "?") // a versionId
	if dec, err := url.PathUnescape(src); err == nil {
		src = dec
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, ok := s.objects[strings.TrimPrefix(src, "/")]
	return obj, ok
}

// dropInner deletes the object r names from gofakes3 before r replaces it:
// gofakes3 merges the old object's metadata into the new one, so a plain
// PutObject over an SSE-KMS object would keep reporting aws:kms, where S3
// replaces all metadata. The request is built from r's URL as parsed, so
// any key S3 accepts (a newline included) can be dropped.
func (s *S3) dropInner(r *http.Request) {
	del := (&http.Request{
		Method: http.MethodDelete, URL: &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath},
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Body: http.NoBody, Host: r.Host,
	}).WithContext(r.Context())
	s.inner.ServeHTTP(httptest.NewRecorder(), del)
}

func (s *S3) forget(name string) {
	s.mu.Lock()
	delete(s.objects, name)
	s.mu.Unlock()
}

func (s *S3) remember(name string, obj sseObject) {
	s.mu.Lock()
	s.objects[name] = obj
	s.mu.Unlock()
}

func (s *S3) objectARN(bucket, key string) string {
	return "arn:" + s.arnPart + ":s3:::" + bucket + "/" + key
}

// generate makes the GenerateDataKey call S3 makes for an SSE-KMS write.
func (s *S3) generate(r *http.Request, fas kmstest.Caller, bucket, key string) (sseObject, string, string) {
	keyID := r.Header.Get(headerSSEKeyID)
	if keyID == "" {
		return sseObject{}, "InvalidArgument", "This emulator has no AWS managed key aws/s3; name a KMS key in " + headerSSEKeyID + "."
	}
	ec := map[string]string{}
	if h := r.Header.Get(headerSSEContext); h != "" {
		raw, err := base64.StdEncoding.DecodeString(h)
		if err != nil || json.Unmarshal(raw, &ec) != nil {
			return sseObject{}, "InvalidArgument", "The encryption context is not base64-encoded JSON."
		}
	}
	ec["aws:s3:arn"] = s.objectARN(bucket, key)
	out, err := s.kms.As(fas).GenerateDataKey(r.Context(), &kms.GenerateDataKeyInput{
		KeyId: aws.String(keyID), KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: ec,
	})
	if err != nil {
		code, msg := s3KMSError(err)
		return sseObject{}, code, msg
	}
	return sseObject{keyARN: aws.ToString(out.KeyId), ec: ec, blob: out.CiphertextBlob}, "", ""
}

// decrypt makes the Decrypt call S3 makes to read an SSE-KMS object.
func (s *S3) decrypt(r *http.Request, fas kmstest.Caller, obj sseObject) (string, string) {
	_, err := s.kms.As(fas).Decrypt(r.Context(), &kms.DecryptInput{
		CiphertextBlob: obj.blob, KeyId: aws.String(obj.keyARN), EncryptionContext: obj.ec,
	})
	if err != nil {
		return s3KMSError(err)
	}
	return "", ""
}

// s3KMSError renders a KMS error as S3 does: AccessDenied for a denial,
// KMS.<code> otherwise.
func s3KMSError(err error) (string, string) {
	code := agentcore.ErrorCode(err)
	if code == agentcore.CodeAccessDenied {
		return "AccessDenied", "User is not authorized to use the KMS key: " + err.Error()
	}
	if code == "" {
		code = (&kmstypes.KMSInternalException{}).ErrorCode()
	}
	return "KMS." + code, err.Error()
}

func statusOf(code string) int {
	if code == "AccessDenied" {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func writeS3Error(w http.ResponseWriter, status int, code, msg string) {
	body, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"Error"`
		Code    string
		Message string
	}{Code: code, Message: msg})
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Error-Code", code)
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

// bufferWriter holds a gofakes3 response so that headers can be added once
// its status is known.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferWriter) ok() bool { return b.status == 0 || b.status/100 == 2 }

func (b *bufferWriter) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(b.body.Bytes())
}

// NewS3SDKClient returns a real *s3.Client for an [S3] server at url,
// path-style, signing with accessKeyID and a dummy secret, in us-east-1
// (change it with an option function), with fast retries.
func NewS3SDKClient(url, accessKeyID string, optFns ...func(*s3.Options)) *s3.Client {
	opts := s3.Options{
		Region:       DefaultRegion,
		BaseEndpoint: aws.String(url),
		UsePathStyle: true,
		Credentials:  loopback.Credentials(accessKeyID, "batchevaltest-secret"),
		Retryer:      loopback.FastRetryer(),
		HTTPClient:   loopback.HTTPClient(),
	}
	return s3.New(opts, optFns...)
}
