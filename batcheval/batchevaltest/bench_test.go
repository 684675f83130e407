package batchevaltest_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/agentcorekms/agentcorekms/agentcoretest"
	"github.com/agentcorekms/agentcorekms/internal/benchtest"
)

// BenchmarkGetBatchEvaluation: simple requests through the real SDK client
// from 16 goroutines.
func BenchmarkGetBatchEvaluation(b *testing.B) {
	sb, err := agentcoretest.Start("ExampleRole")
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	in := startInput("bench", "")
	in.KmsKeyArn = nil
	out, err := sb.DataPlane.StartBatchEvaluation(b.Context(), in)
	if err != nil {
		b.Fatal(err)
	}
	benchtest.Parallel(b, func() error {
		_, err := sb.DataPlane.GetBatchEvaluation(b.Context(), &bedrockagentcore.GetBatchEvaluationInput{BatchEvaluationId: out.BatchEvaluationId})
		return err
	})
}

// BenchmarkS3HeadObject: simple requests to the S3 front through the real
// SDK client from 16 goroutines.
func BenchmarkS3HeadObject(b *testing.B) {
	sb, err := agentcoretest.Start("ExampleRole")
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	if _, err := sb.S3.PutObject(b.Context(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		b.Fatal(err)
	}
	benchtest.Parallel(b, func() error {
		_, err := sb.S3.HeadObject(b.Context(), &s3.HeadObjectInput{Bucket: aws.String("bench"), Key: aws.String("k")})
		return err
	})
}
