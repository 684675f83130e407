package batcheval

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/agentcorekms/agentcorekms/internal/sdkclient"
	"github.com/agentcorekms/agentcorekms/internal/typednil"
)

// ArchiveResult says where [Client.Archive] wrote an evaluation and how.
type ArchiveResult struct {
	Bucket string
	// Keys are the object keys written: PREFIX/ID/metadata.json and, when the
	// evaluation has results, PREFIX/ID/results.json.
	Keys []string
	// KeyARN is the KMS key of the evaluation, used for SSE-KMS.
	KeyARN string
	// EncryptionContext is the evaluation's encryption context, sent as the
	// objects' SSE-KMS encryption context.
	EncryptionContext map[string]string
}

// archivedMetadata is metadata.json.
type archivedMetadata struct {
	BatchEvaluationID   string     `json:"batchEvaluationId"`
	BatchEvaluationArn  string     `json:"batchEvaluationArn"`
	BatchEvaluationName string     `json:"batchEvaluationName"`
	Status              string     `json:"status"`
	Description         string     `json:"description,omitempty"`
	CreatedAt           *time.Time `json:"createdAt,omitempty"`
	UpdatedAt           *time.Time `json:"updatedAt,omitempty"`
	KmsKeyArn           string     `json:"kmsKeyArn"`
	Evaluators          []string   `json:"evaluators,omitempty"`
	Insights            []string   `json:"insights,omitempty"`
	ErrorDetails        []string   `json:"errorDetails,omitempty"`
}

// archivedResults is results.json: the SDK's result structures as
// encoding/json writes them.
type archivedResults struct {
	BatchEvaluationArn string                      `json:"batchEvaluationArn"`
	EvaluationResults  *types.EvaluationJobResults `json:"evaluationResults"`
	InsightResults     []types.InsightResult       `json:"insightResults,omitempty"`
}

// Archive writes the evaluation ev (a GetBatchEvaluation output, such as
// [Client.Wait] returns) to S3 as JSON, encrypted with SSE-KMS under the
// evaluation's own key and with its encryption context
// ({"aws:bedrock-agentcore:batchEvaluationArn": ARN}), so the documented key
// policy (AllowCallerCryptoOps) covers the archive, and whoever reads it needs
// the same permissions as for the evaluation. S3 Bucket Keys are turned off
// for these objects, since a bucket key would replace that context with the
// bucket's ARN.
//
// Archive refuses an evaluation without a KMS key ([ErrNoKey]) and a
// completed evaluation whose results could not be read
// ([ErrResultsUnavailable]): an archive must not be weaker, or emptier, than
// its source. Bad arguments return [ErrInvalidInput]. A PutObject that
// fails (S3 refuses when the caller may not use the key, or the key is
// disabled) returns the S3 error naming the object, with the result listing
// the objects already written. The prefix must pass [ValidateArchivePrefix]
// before any call.
func (c *Client) Archive(ctx context.Context, s3c PutObjectAPIClient, bucket, prefix string, ev *bedrockagentcore.GetBatchEvaluationOutput) (*ArchiveResult, error) {
	switch {
	case typednil.Is(s3c):
		return nil, &InputError{Field: "s3Client", Reason: "is nil"}
	case sdkclient.Unbuilt(s3c):
		return nil, &InputError{Field: "s3Client", Reason: "is a zero-value SDK client; build it with s3.NewFromConfig or s3.New"}
	case bucket == "":
		return nil, &InputError{Field: "bucket", Reason: "is required"}
	case ev == nil:
		return nil, &InputError{Field: "evaluation", Reason: "is nil"}
	case aws.ToString(ev.BatchEvaluationId) == "" || aws.ToString(ev.BatchEvaluationArn) == "":
		return nil, &InputError{Field: "evaluation", Reason: "has no BatchEvaluationId or BatchEvaluationArn"}
	}
	id, evARN, key := aws.ToString(ev.BatchEvaluationId), aws.ToString(ev.BatchEvaluationArn), aws.ToString(ev.KmsKeyArn)
	if err := ValidateArchivePrefix(prefix); err != nil {
		return nil, err
	}
	for _, name := range []string{"metadata.json", "results.json"} {
		if k := objectKey(prefix, id, name); len(k) > MaxObjectKeyBytes {
			return nil, &InputError{Field: "prefix", Value: prefix, Reason: fmt.Sprintf("makes object key %s longer than S3's %d bytes", k, MaxObjectKeyBytes)}
		}
	}
	if key == "" {
		return nil, fmt.Errorf("archiving batch evaluation %q: %w; refusing to write it to S3 without one", id, ErrNoKey)
	}
	completed := ev.Status == types.BatchEvaluationStatusCompleted || ev.Status == types.BatchEvaluationStatusCompletedWithErrors
	if completed && ev.EvaluationResults == nil {
		return nil, fmt.Errorf("archiving batch evaluation %q: %w; Get says why", id, ErrResultsUnavailable)
	}

	ec := EncryptionContext(evARN)
	ecJSON, err := json.Marshal(ec)
	if err != nil {
		return nil, err
	}
	res := &ArchiveResult{Bucket: bucket, KeyARN: key, EncryptionContext: ec}
	meta := archivedMetadata{
		BatchEvaluationID: id, BatchEvaluationArn: evARN, BatchEvaluationName: aws.ToString(ev.BatchEvaluationName),
		Status: string(ev.Status), Description: aws.ToString(ev.Description),
		CreatedAt: ev.CreatedAt, UpdatedAt: ev.UpdatedAt, KmsKeyArn: key, ErrorDetails: ev.ErrorDetails,
	}
	for _, e := range ev.Evaluators {
		meta.Evaluators = append(meta.Evaluators, aws.ToString(e.EvaluatorId))
	}
	for _, in := range ev.Insights {
		meta.Insights = append(meta.Insights, aws.ToString(in.InsightId))
	}
	objects := []struct {
		name string
		v    any
	}{{"metadata.json", meta}}
	if ev.EvaluationResults != nil {
		objects = append(objects, struct {
			name string
			v    any
		}{"results.json", archivedResults{BatchEvaluationArn: evARN, EvaluationResults: ev.EvaluationResults, InsightResults: ev.InsightResults}})
	}
	for _, obj := range objects {
		body, err := marshal(obj.v)
		if err != nil {
			return res, err
		}
		objKey := objectKey(prefix, id, obj.name)
		_, err = s3c.PutObject(ctx, &s3.PutObjectInput{
			Bucket:                  aws.String(bucket),
			Key:                     aws.String(objKey),
			Body:                    bytes.NewReader(body),
			ContentType:             aws.String("application/json"),
			ServerSideEncryption:    s3types.ServerSideEncryptionAwsKms,
			SSEKMSKeyId:             aws.String(key),
			SSEKMSEncryptionContext: aws.String(base64.StdEncoding.EncodeToString(ecJSON)),
			BucketKeyEnabled:        aws.Bool(false),
		})
		if err != nil {
			return res, fmt.Errorf("archiving batch evaluation %q to s3://%s/%s: %w", id, bucket, objKey, err)
		}
		res.Keys = append(res.Keys, objKey)
	}
	return res, nil
}

// MaxObjectKeyBytes is the longest S3 object key, in bytes of UTF-8,
// prefix included (S3 User Guide, "Naming Amazon S3 objects").
const MaxObjectKeyBytes = 1024

// ValidateArchivePrefix checks prefix, the start of the object keys
// [Client.Archive] writes (PREFIX/ID/metadata.json), against S3's rules for
// object keys, before any call: valid UTF-8, at most [MaxObjectKeyBytes]
// bytes, and none of the characters S3 says need special handling because
// XML 1.0 listings cannot carry them as is (ASCII 0-31 and 127, such as a
// newline). Segments "." and ".." are refused too: joining the key would
// rewrite them, and the objects would not be where the prefix says. An
// empty prefix writes ID/... at the top of the bucket. The error is an
// [*InputError] for Field "prefix".
func ValidateArchivePrefix(prefix string) error {
	bad := func(reason string) error { return &InputError{Field: "prefix", Value: prefix, Reason: reason} }
	switch {
	case !utf8.ValidString(prefix):
		return bad("is not valid UTF-8, which S3 object keys must be")
	case len(prefix) > MaxObjectKeyBytes:
		return bad(fmt.Sprintf("is longer than S3's %d bytes for a whole object key", MaxObjectKeyBytes))
	}
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c < 0x20 || c == 0x7f {
			return bad(fmt.Sprintf("has control character %q at byte %d; S3 object keys should not hold ASCII 0-31 or 127", c, i))
		}
	}
	for _, seg := range strings.Split(prefix, "/") {
		if seg == "." || seg == ".." {
			return bad(`has a "." or ".." segment, which would be rewritten when the object key is built`)
		}
	}
	return nil
}

// objectKey is PREFIX/ID/NAME without a leading slash and with one slash
// between the parts, as S3 object keys are written.
func objectKey(prefix, id, name string) string {
	return strings.TrimLeft(path.Join(prefix, id, name), "/")
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// VerifyArchive checks with HeadObject that every object of a is encrypted
// with SSE-KMS (aws:kms) under a.KeyARN, without an S3 Bucket Key. It
// returns every problem at once: errors.Join of [*ArchiveError] (unwrapping
// to [ErrArchiveNotEncrypted]) and of HeadObject errors. S3 does not return
// an object's encryption context, so that part cannot be verified this way.
//
// A HeadObject answer without the server-side-encryption header is an
// object that is not encrypted (objects written before S3 encrypted every
// new object have none): an [*ArchiveError]. One with aws:kms but without
// the key id, which S3 always sends with aws:kms, is an
// [*IncompleteAnswerError], not a verdict on the object.
func (c *Client) VerifyArchive(ctx context.Context, s3c HeadObjectAPIClient, a *ArchiveResult) error {
	switch {
	case typednil.Is(s3c):
		return &InputError{Field: "s3Client", Reason: "is nil"}
	case sdkclient.Unbuilt(s3c):
		return &InputError{Field: "s3Client", Reason: "is a zero-value SDK client; build it with s3.NewFromConfig or s3.New"}
	}
	if a == nil || a.Bucket == "" || a.KeyARN == "" || len(a.Keys) == 0 {
		return &InputError{Field: "archive", Reason: "names no bucket, key ARN or objects"}
	}
	var errs []error
	for _, k := range a.Keys {
		out, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(a.Bucket), Key: aws.String(k)})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("verifying archive: %w", ctx.Err())
			}
			errs = append(errs, fmt.Errorf("verifying s3://%s/%s: %w", a.Bucket, k, err))
			continue
		}
		bad := func(problem string) { errs = append(errs, &ArchiveError{Bucket: a.Bucket, Key: k, Problem: problem}) }
		incomplete := func(field string) {
			errs = append(errs, fmt.Errorf("verifying s3://%s/%s: %w", a.Bucket, k, &IncompleteAnswerError{Op: "HeadObject", Field: field, Resource: "s3://" + a.Bucket + "/" + k}))
		}
		switch {
		case out.ServerSideEncryption == s3types.ServerSideEncryptionAwsKms && aws.ToString(out.SSEKMSKeyId) == "":
			incomplete("SSEKMSKeyId")
		case out.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms:
			bad(fmt.Sprintf("server-side encryption is %q, want %q", out.ServerSideEncryption, s3types.ServerSideEncryptionAwsKms))
		case aws.ToString(out.SSEKMSKeyId) != a.KeyARN:
			bad(fmt.Sprintf("encrypted under KMS key %q, want %q", aws.ToString(out.SSEKMSKeyId), a.KeyARN))
		case aws.ToBool(out.BucketKeyEnabled):
			bad("uses an S3 Bucket Key, so KMS did not see the evaluation's encryption context")
		}
	}
	return errors.Join(errs...)
}
