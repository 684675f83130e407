package batchevaltest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/agentcorekms/agentcorekms/internal/awspartition"
	"github.com/agentcorekms/agentcorekms/internal/loopback"
	"github.com/agentcorekms/agentcorekms/kmscheck/kmstest"
)

// S3 headers of SSE-KMS.
const (
	headerSSE        = "X-Amz-Server-Side-Encryption"
	headerSSEKeyID   = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	headerSSEContext = "X-Amz-Server-Side-Encryption-Context"
)

// S3 is an in-memory S3 (github.com/johannesboyne/gofakes3, path-style,
// buckets created on first use) with SSE-KMS enforced through a kmstest KMS
// as S3 does it.
//
// gofakes3 alone stores every X-Amz-* request header of PutObject and
// returns it from HeadObject and GetObject, so SSE-KMS headers round-trip,
// but it calls no KMS: a PutObject with a disabled key, or one the caller may
// not use, would succeed. S3 puts a front on it that, for a PutObject with
// x-amz-server-side-encryption: aws:kms, calls GenerateDataKey as the caller
// through S3 (kms:ViaService s3.REGION.amazonaws.com) with the request's
// encryption context plus aws:s3:arn (the object's ARN), fails the request as
// S3 would if KMS refuses, and stores the key's full ARN, as S3 reports it;
// and for a GetObject of such an object calls Decrypt the same way. The
// object bytes themselves are stored in the clear: the front models the KMS
// authorization, not the cryptography. Multipart uploads are passed through
// without these checks. The front also corrects one gofakes3 behaviour that
// would hide a downgrade: gofakes3 merges an object's old metadata into its
// replacement, so a plain PutObject over an SSE-KMS object would still report
// aws:kms; S3 replaces all metadata, and so does the front.
//
// S3 is safe for concurrent use.
type S3 struct {
	kms     *kmstest.KMS
	inner   http.Handler
	viaHost string
	arnPart string

	mu      sync.Mutex
	objects map[string]sseObject // "bucket/key" -> data key of an SSE-KMS object
}

type sseObject struct {
	keyARN string
	ec     map[string]string
	blob   []byte
}

// NewS3 returns an in-memory S3 whose SSE-KMS calls go to k, in k's Region.
func NewS3(k *kmstest.KMS) *S3 {
	region := k.Options().Region
	part, ok := awspartition.ForRegion(region)
	if !ok {
		part, _ = awspartition.ByID("aws")
	}
	fake := gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true))
	return &S3{kms: k, inner: fake.Server(), viaHost: part.ServiceHost("s3", region), arnPart: part.ID, objects: map[string]sseObject{}}
}

// NewServer starts a loopback HTTP server for s. Close it when done.
func (s *S3) NewServer() *httptest.Server { return httptest.NewServer(s) }

// ServeHTTP serves the S3 REST protocol, path style.
func (s *S3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, isObject := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	multipart := q.Has("uploads") || q.Has("uploadId")
	if !isObject || key == "" || multipart {
		s.inner.ServeHTTP(w, r)
		return
	}
	name := bucket + "/" + key
	switch r.Method {
	case http.MethodPut:
		if r.Header.Get("X-Amz-Copy-Source") == "" {
			s.dropInner(r)
		}
		if r.Header.Get("X-Amz-Copy-Source") != "" || r.Header.Get(headerSSE) != "aws:kms" {
			s.forget(name)
			s.inner.ServeHTTP(w, r)
			return
		}
		obj, code, msg := s.generate(r, bucket, key)
		if code != "" {
			writeS3Error(w, code, msg)
			return
		}
		r.Header.Set(headerSSEKeyID, obj.keyARN)
		rec := &statusRecorder{ResponseWriter: w}
		s.inner.ServeHTTP(rec, r)
		if rec.status == 0 || rec.status/100 == 2 { // nothing written means 200
			s.mu.Lock()
			s.objects[name] = obj
			s.mu.Unlock()
		}
	case http.MethodGet:
		s.mu.Lock()
		obj, ok := s.objects[name]
		s.mu.Unlock()
		if ok {
			if code, msg := s.decrypt(r, bucket, key, obj); code != "" {
				writeS3Error(w, code, msg)
				return
			}
		}
		s.inner.ServeHTTP(w, r)
	case http.MethodDelete:
		s.forget(name)
		s.inner.ServeHTTP(w, r)
	default:
		s.inner.ServeHTTP(w, r)
	}
}

// dropInner deletes the object r names from gofakes3 before r replaces it:
// gofakes3 merges the old object's metadata into the new one, so a plain
// PutObject over an SSE-KMS object would keep reporting aws:kms, where S3
// replaces all metadata.
func (s *S3) dropInner(r *http.Request) {
	del := httptest.NewRequest(http.MethodDelete, r.URL.Path, nil)
	s.inner.ServeHTTP(httptest.NewRecorder(), del)
}

func (s *S3) forget(name string) {
	s.mu.Lock()
	delete(s.objects, name)
	s.mu.Unlock()
}

// caller is the request's principal calling KMS through S3.
func (s *S3) caller(r *http.Request) kmstest.Caller {
	p, _ := s.kms.PrincipalForAccessKey(kmstest.AccessKeyID(r))
	return kmstest.Caller{Principal: p, ViaService: s.viaHost}
}

func (s *S3) objectARN(bucket, key string) string {
	return "arn:" + s.arnPart + ":s3:::" + bucket + "/" + key
}

// generate makes the GenerateDataKey call S3 makes for an SSE-KMS PutObject.
func (s *S3) generate(r *http.Request, bucket, key string) (sseObject, string, string) {
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
	out, err := s.kms.As(s.caller(r)).GenerateDataKey(r.Context(), &kms.GenerateDataKeyInput{
		KeyId: aws.String(keyID), KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: ec,
	})
	if err != nil {
		code, msg := s3KMSError(err)
		return sseObject{}, code, msg
	}
	return sseObject{keyARN: aws.ToString(out.KeyId), ec: ec, blob: out.CiphertextBlob}, "", ""
}

// decrypt makes the Decrypt call S3 makes for a GetObject of an SSE-KMS
// object.
func (s *S3) decrypt(r *http.Request, bucket, key string, obj sseObject) (string, string) {
	_, err := s.kms.As(s.caller(r)).Decrypt(r.Context(), &kms.DecryptInput{
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
	code := kmsErrorCode(err)
	if code == "AccessDeniedException" {
		return "AccessDenied", "User is not authorized to use the KMS key: " + err.Error()
	}
	if code == "" {
		code = "KMSInternalException"
	}
	return "KMS." + code, err.Error()
}

func writeS3Error(w http.ResponseWriter, code, msg string) {
	status := http.StatusBadRequest
	if code == "AccessDenied" {
		status = http.StatusForbidden
	}
	body, _ := xml.Marshal(struct {
		XMLName xml.Name `xml:"Error"`
		Code    string
		Message string
	}{Code: code, Message: msg})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
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
	}
	return s3.New(opts, optFns...)
}
