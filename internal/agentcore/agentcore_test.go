package agentcore

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestParseKeyRef(t *testing.T) {
	t.Parallel()
	const (
		uuid   = "1234abcd-12ab-34cd-56ef-1234567890ab"
		mrk    = "mrk-1234abcd12ab34cd56ef1234567890ab"
		keyARN = "arn:aws:kms:us-east-1:111122223333:key/" + uuid
	)
	tests := []struct {
		name     string
		in       string
		rules    KeyRefRules
		wantForm RefForm
		wantErr  bool
	}{
		{name: "a bare UUID key id", in: uuid, wantForm: FormKeyID},
		{name: "a multi-Region key id", in: mrk, wantForm: FormKeyID},
		{name: "a key ARN", in: keyARN, wantForm: FormKeyARN},
		{name: "a key ARN in aws-cn", in: "arn:aws-cn:kms:cn-north-1:111122223333:key/" + uuid, wantForm: FormKeyARN},
		{name: "an alias name", in: "alias/agentcore/engine_1-a", wantForm: FormAliasName},
		{name: "an alias ARN", in: "arn:aws:kms:us-east-1:111122223333:alias/agentcore", wantForm: FormAliasARN},
		{name: "empty", in: "", wantErr: true},
		{name: "a quote in the key id", in: `arn:aws:kms:us-east-1:111122223333:key/"x`, wantErr: true},
		{name: "a four-digit account", in: "arn:aws:kms:us-east-1:1111:key/" + uuid, wantErr: true},
		{name: "a Region of another partition", in: "arn:aws:kms:cn-north-1:111122223333:key/" + uuid, wantErr: true},
		{name: "not KMS", in: "arn:aws:s3:us-east-1:111122223333:key/" + uuid, wantErr: true},
		{name: "an AWS managed alias", in: "alias/aws/s3", wantErr: true},
		{name: "an alias ARN of an AWS managed alias", in: "arn:aws:kms:us-east-1:111122223333:alias/aws/s3", wantErr: true},
		{name: "a colon in an alias", in: "alias/a:b", wantErr: true},
		{name: "alias/ alone", in: "alias/", wantErr: true},
		{name: "a key id that is not a UUID", in: "1234", wantErr: true},
		{name: "a short mrk id", in: "mrk-1234", wantErr: true},
		{name: "too long", in: "alias/" + string(make([]byte, 3000)), wantErr: true},
		{name: "ARN only refuses an alias", in: "alias/x", rules: KeyRefRules{KeyARNOnly: true}, wantErr: true},
		{name: "ARN only refuses an alias ARN", in: "arn:aws:kms:us-east-1:111122223333:alias/x", rules: KeyRefRules{KeyARNOnly: true}, wantErr: true},
		{name: "ARN only refuses a key id", in: uuid, rules: KeyRefRules{KeyARNOnly: true}, wantErr: true},
		{name: "ARN only takes a key ARN", in: keyARN, rules: KeyRefRules{KeyARNOnly: true}, wantForm: FormKeyARN},
		{name: "the client's partition must match", in: keyARN, rules: KeyRefRules{Region: "cn-north-1"}, wantErr: true},
		{name: "another Region of the partition is fine", in: keyARN, rules: KeyRefRules{Region: "us-west-2"}, wantForm: FormKeyARN},
		{name: "unless the same Region is required", in: keyARN, rules: KeyRefRules{Region: "us-west-2", SameRegion: true}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseKeyRef(tt.in, tt.rules)
			if tt.wantErr {
				var ie *InputError
				if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
					t.Fatalf("ParseKeyRef(%q) = %+v, %v; want an *InputError", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyRef(%q): %v", tt.in, err)
			}
			if got.Form != tt.wantForm || got.Raw != tt.in {
				t.Errorf("ParseKeyRef(%q) = %+v, want form %v", tt.in, got, tt.wantForm)
			}
		})
	}
}

func TestKindOfCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want Kind
	}{
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, KindAccessDenied},
		{&types.NotFoundException{}, KindKeyNotFound},
		{&types.DisabledException{}, KindKeyNotUsable},
		{&types.KMSInvalidStateException{}, KindKeyNotUsable},
		{&types.KeyUnavailableException{}, KindKeyNotUsable},
		{&types.DryRunOperationException{}, KindDryRunSucceeded},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, KindThrottled},
		{&types.InvalidArnException{}, KindInvalidRequest},
		{&types.KMSInternalException{}, KindServiceError},
		{&smithy.GenericAPIError{Code: "Teapot", Fault: smithy.FaultServer}, KindServiceError},
		{&smithy.GenericAPIError{Code: "Teapot"}, KindOther},
		{errors.New("no code"), KindOther},
		{nil, KindOther},
		{fmt.Errorf("wrapped: %w", &types.DisabledException{}), KindKeyNotUsable},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if !errors.Is(KindKeyNotFound.Err(), ErrAccessDenied) || !errors.Is(KindKeyNotUsable.Err(), ErrKeyNotUsable) || KindThrottled.Err() != nil {
		t.Error("Kind.Err does not map kinds to the documented sentinels")
	}
}

func TestKindOfServiceError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"documented access denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: MessageAccessDenied}, KindAccessDenied},
		{"documented not usable", &smithy.GenericAPIError{Code: "ValidationException", Message: MessageKeyNotUsable}, KindKeyNotUsable},
		{"a fragment is not enough", &smithy.GenericAPIError{Code: "ValidationException", Message: "KMS key is not in a usable state"}, KindOther},
		{"the message under another code", &smithy.GenericAPIError{Code: "ConflictException", Message: MessageAccessDenied}, KindOther},
		{"another access denial", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}, KindOther},
	}
	for _, tt := range tests {
		if got := KindOfServiceError(tt.err); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestInputError(t *testing.T) {
	t.Parallel()
	var nilErr *InputError
	if nilErr.Error() == "" || !errors.Is(nilErr, ErrInvalidInput) {
		t.Error("a nil *InputError must print and unwrap")
	}
	cause := errors.New("cause")
	e := &InputError{Field: "KeyARN", Value: "x", Reason: "is bad", Err: cause}
	if got, want := e.Error(), `agentcorekms: invalid KeyARN "x": is bad: cause`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, cause) || !errors.Is(e, ErrInvalidInput) {
		t.Error("InputError must unwrap to its cause and ErrInvalidInput")
	}
}

func TestCheckTags(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("a", n) }
	many := map[string]string{}
	for i := range MaxTags + 1 {
		many[fmt.Sprint("k", i)] = "v"
	}
	tests := []struct {
		name    string
		tags    map[string]string
		wantKey string
		wantErr bool
	}{
		{name: "none", tags: nil},
		{name: "ordinary tags", tags: map[string]string{"team": "agents", "cost center": "a/b:c=d+e@f-g_h.i", "empty": ""}},
		{name: "an aws: key is reserved", tags: map[string]string{"aws:cloudformation:stack-name": "x"}, wantKey: "aws:cloudformation:stack-name", wantErr: true},
		{name: "in any case", tags: map[string]string{"AWS:x": "x"}, wantKey: "AWS:x", wantErr: true},
		{name: "an empty key", tags: map[string]string{"": "x"}, wantErr: true},
		{name: "a 128-character key", tags: map[string]string{long(128): "x"}},
		{name: "a 129-character key", tags: map[string]string{long(129): "x"}, wantKey: long(129), wantErr: true},
		{name: "a 257-character value", tags: map[string]string{"k": long(257)}, wantKey: "k", wantErr: true},
		{name: "a character outside the pattern", tags: map[string]string{"k": "a;b"}, wantKey: "k", wantErr: true},
		{name: "too many", tags: many, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckTags(tt.tags)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("CheckTags: %v", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("CheckTags = %v, want an *InputError", err)
			}
			if tt.wantKey != "" && ie.Value != tt.wantKey {
				t.Errorf("offending key = %q, want %q", ie.Value, tt.wantKey)
			}
		})
	}
	if err := CheckTagKeys([]string{"ok", "aws:x"}); err == nil {
		t.Error("CheckTagKeys accepted a reserved key")
	}
}

func TestCheckKeyARN(t *testing.T) {
	t.Parallel()
	const uuid = "1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "a key ARN", in: "arn:aws:kms:us-east-1:111122223333:key/" + uuid},
		{name: "a multi-Region key ARN", in: "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"},
		{name: "aws-us-gov", in: "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/" + uuid},
		{name: "a partition outside the pattern", in: "arn:aws-iso:kms:us-iso-east-1:111122223333:key/" + uuid, wantErr: true},
		{name: "an alias ARN", in: "arn:aws:kms:us-east-1:111122223333:alias/x", wantErr: true},
		{name: "a bare key id", in: uuid, wantErr: true},
		{name: "not an ARN", in: "not-an-arn", wantErr: true},
		{name: "a short key id", in: "arn:aws:kms:us-east-1:111122223333:key/1234", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckKeyARN("kmsKeyArn", tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckKeyARN(%q) = %v, want error %v", tt.in, err, tt.wantErr)
			}
			var ie *InputError
			if err != nil && (!errors.As(err, &ie) || ie.Field != "kmsKeyArn") {
				t.Errorf("CheckKeyARN(%q) = %v, want an *InputError for kmsKeyArn", tt.in, err)
			}
		})
	}
}

func TestIncompleteAnswerError(t *testing.T) {
	t.Parallel()
	var nilErr *IncompleteAnswerError
	if nilErr.Error() == "" || !errors.Is(nilErr, ErrIncompleteAnswer) {
		t.Error("a nil *IncompleteAnswerError must print and unwrap")
	}
	e := &IncompleteAnswerError{Op: "DeletePolicyEngine", Field: "PolicyEngineId", Resource: "e-1"}
	if got, want := e.Error(), `agentcorekms: DeletePolicyEngine answered without PolicyEngineId (for "e-1"); the answer is not a result`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", e), ErrIncompleteAnswer) {
		t.Error("IncompleteAnswerError must unwrap to ErrIncompleteAnswer")
	}
}

func TestAnswered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"access denied is an answer", &smithy.GenericAPIError{Code: "AccessDeniedException"}, true},
		{"a missing key is an answer", &types.NotFoundException{}, true},
		{"a wrapped refusal is an answer", fmt.Errorf("x: %w", &types.DisabledException{}), true},
		{"nil", nil, false},
		{"a transport error", errors.New("connection refused"), false},
		{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException"}, false},
		{"an internal error", &types.KMSInternalException{}, false},
		{"a 5xx of unknown code", &smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}, false},
		{"an unknown code on an HTTP 500", &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: &smithy.GenericAPIError{Code: "InternalFailure"}},
		}, false},
		{"an unknown code on an HTTP 400", &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400}}, Err: &smithy.GenericAPIError{Code: "Teapot"}},
		}, true},
	}
	for _, tt := range tests {
		if got := Answered(tt.err); got != tt.want {
			t.Errorf("%s: Answered = %v, want %v", tt.name, got, tt.want)
		}
	}
}
