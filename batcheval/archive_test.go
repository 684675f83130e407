package batcheval_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/agentcorekms/agentcorekms/batcheval"
	"github.com/agentcorekms/agentcorekms/internal/hostile"
)

func TestValidateArchivePrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prefix  string
		wantErr bool
	}{
		{name: "empty: the top of the bucket", prefix: ""},
		{name: "a plain prefix", prefix: "batch-evaluations"},
		{name: "nested, with a trailing slash", prefix: "archive/2026/"},
		{name: "UTF-8 letters are fine", prefix: "évaluations/日本"},
		{name: "a newline", prefix: "a\nb", wantErr: true},
		{name: "a carriage return", prefix: "a\rb", wantErr: true},
		{name: "a NUL", prefix: "a\x00b", wantErr: true},
		{name: "DEL", prefix: "a\x7fb", wantErr: true},
		{name: "not UTF-8", prefix: "a\xffb", wantErr: true},
		{name: "longer than an object key may be", prefix: strings.Repeat("a", 1025), wantErr: true},
		{name: "a .. segment that joining would rewrite", prefix: "a/../b", wantErr: true},
		{name: "a . segment", prefix: "./a", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := batcheval.ValidateArchivePrefix(tt.prefix)
			var ie *batcheval.InputError
			switch {
			case tt.wantErr && (!errors.As(err, &ie) || ie.Field != "prefix"):
				t.Errorf("ValidateArchivePrefix(%q) = %v, want an *InputError for prefix", tt.prefix, err)
			case !tt.wantErr && err != nil:
				t.Errorf("ValidateArchivePrefix(%q) = %v", tt.prefix, err)
			}
		})
	}
}

// Archive refuses a prefix S3 cannot take before it writes anything.
func TestArchiveRefusesABadPrefixBeforeAnyCall(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	start, err := r.c.Start(t.Context(), startInput("prefix", r.keyARN))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := r.c.Wait(t.Context(), aws.ToString(start.BatchEvaluationId))
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"a\nb", strings.Repeat("p", 1000)} {
		res, err := r.c.Archive(t.Context(), r.s3c, "archive", prefix, ev)
		if !errors.Is(err, batcheval.ErrInvalidInput) || res != nil {
			t.Errorf("Archive(prefix %.20q) = %+v, %v; want ErrInvalidInput", prefix, res, err)
		}
	}
	if n := r.s3H.Seen(hostile.Any); n != 0 {
		t.Errorf("%d S3 requests were sent for a bad prefix", n)
	}
}

// A HeadObject answer that says aws:kms without the key is no verdict.
func TestVerifyArchiveWithoutTheKeyID(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.s3H.On(hostile.Route(http.MethodHead, "/archive/"), hostile.Answer{Header: map[string]string{"x-amz-server-side-encryption": "aws:kms"}})
	err := r.c.VerifyArchive(t.Context(), r.s3c, &batcheval.ArchiveResult{Bucket: "archive", KeyARN: r.keyARN, Keys: []string{"p/e/metadata.json"}})
	var ia *batcheval.IncompleteAnswerError
	if !errors.As(err, &ia) || ia.Op != "HeadObject" || ia.Field != "SSEKMSKeyId" {
		t.Errorf("VerifyArchive = %v, want an *IncompleteAnswerError for HeadObject SSEKMSKeyId", err)
	}
	if errors.Is(err, batcheval.ErrArchiveNotEncrypted) {
		t.Errorf("VerifyArchive = %v: an incomplete answer is no verdict on the object", err)
	}
}
