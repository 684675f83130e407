package batcheval_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore/types"

	"github.com/agentcorekms/agentcorekms/batcheval"
)

// A data source given as a typed nil pointer is a missing data source: an
// InputError from Validate (and so from Start), never a panic in the client
// or in the SDK's serializer.
func TestValidateTypedNilDataSource(t *testing.T) {
	c := batcheval.New(nil, nil, func(o *batcheval.Options) { o.Region = "us-east-1" })
	for name, ds := range map[string]types.DataSourceConfig{
		"CloudWatchLogs":               (*types.DataSourceConfigMemberCloudWatchLogs)(nil),
		"OnlineEvaluationConfigSource": (*types.DataSourceConfigMemberOnlineEvaluationConfigSource)(nil),
	} {
		t.Run(name, func(t *testing.T) {
			in := startInput("nightly", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
			in.DataSourceConfig = ds
			err := c.Validate(in)
			var ie *batcheval.InputError
			if !errors.As(err, &ie) || !errors.Is(err, batcheval.ErrInvalidInput) {
				t.Fatalf("Validate: %v, want an InputError", err)
			}
			found := false
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				if errors.As(e, &ie) && ie.Field == "DataSourceConfig" {
					found = true
				}
			}
			if !found {
				t.Errorf("Validate: %v, want a DataSourceConfig InputError", err)
			}
		})
	}
}

// Typed nil members of the optional unions are InputErrors too: the SDK's
// serializer would dereference them.
func TestValidateTypedNilOptionalUnions(t *testing.T) {
	c := batcheval.New(nil, nil, func(o *batcheval.Options) { o.Region = "us-east-1" })
	key := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	in := startInput("nightly", key)
	in.OutputConfig = (*types.OutputConfigMemberCloudWatchConfig)(nil)
	if err := c.Validate(in); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("nil OutputConfig member: %v, want ErrInvalidInput", err)
	}
	in = startInput("nightly", key)
	in.EvaluationMetadata = (*types.EvaluationMetadataMemberSessionMetadata)(nil)
	if err := c.Validate(in); !errors.Is(err, batcheval.ErrInvalidInput) {
		t.Errorf("nil EvaluationMetadata member: %v, want ErrInvalidInput", err)
	}
	if err := c.Validate(startInput("nightly", key)); err != nil {
		t.Errorf("valid input: %v", err)
	}
}
