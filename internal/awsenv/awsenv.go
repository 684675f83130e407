// Package awsenv loads the AWS configuration for the module's example
// commands. Library packages never load configuration (their callers pass
// clients in); only the commands under examples/ import this package.
package awsenv

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/agentcorekms/agentcorekms/internal/awsarn"
)

// ErrNoRegion is returned by [LoadConfig] when neither its region argument
// nor the AWS configuration names a Region. Its text tells a command's user
// what to do.
var ErrNoRegion = errors.New("no Region: pass -region or set AWS_REGION")

// LoadConfig loads the default AWS configuration (environment, shared files,
// AWS_PROFILE, AWS_ENDPOINT_URL_*), in region if it is not empty. It returns
// [ErrNoRegion] if the result has no Region, and errors of the configuration
// chain wrapped as "loading AWS configuration: ...".
func LoadConfig(ctx context.Context, region string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	return cfg, nil
}

// CallerIdentity asks STS GetCallerIdentity who cfg's credentials are and
// returns the caller's account and the principal a key policy names for it:
// the role of an assumed-role session ([awsarn.SessionRole]), otherwise the
// caller's ARN as STS gave it. The error is the SDK's, unwrapped, for the
// command to explain.
func CallerIdentity(ctx context.Context, cfg aws.Config) (account, principal string, err error) {
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", err
	}
	principal, _ = awsarn.SessionRole(aws.ToString(id.Arn))
	return aws.ToString(id.Account), principal, nil
}
