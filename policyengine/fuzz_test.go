package policyengine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"

	"github.com/agentcorekms/agentcorekms/policyengine"
)

// recordingAPI records CreatePolicyEngine calls and answers CREATING; the
// other operations are not used by Create without waiting.
type recordingAPI struct {
	policyengine.API
	calls []*bedrockagentcorecontrol.CreatePolicyEngineInput
}

func (r *recordingAPI) CreatePolicyEngine(_ context.Context, in *bedrockagentcorecontrol.CreatePolicyEngineInput, _ ...func(*bedrockagentcorecontrol.Options)) (*bedrockagentcorecontrol.CreatePolicyEngineOutput, error) {
	r.calls = append(r.calls, in)
	id := aws.ToString(in.Name) + "-0123456789"
	return &bedrockagentcorecontrol.CreatePolicyEngineOutput{
		PolicyEngineId: aws.String(id), PolicyEngineArn: aws.String("arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/" + id),
		Status: types.PolicyEngineStatusCreating,
	}, nil
}

// FuzzCreateValidation: Create never panics; input it rejects never reaches
// the service, and input it accepts reaches it unchanged.
func FuzzCreateValidation(f *testing.F) {
	f.Add("MyPolicyEngine", "desc", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "", "team", "x")
	f.Add("1bad", "", "arn:aws:kms:us-east-1:111122223333:alias/x", "short", "aws:x", "")
	f.Add("a", "", "arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef-x", "", "")
	f.Fuzz(func(t *testing.T, name, desc, key, token, tagKey, tagValue string) {
		api := &recordingAPI{}
		c := policyengine.New(api, nil, func(o *policyengine.Options) { o.SkipPreflight, o.Region = true, "us-east-1" })
		in := policyengine.CreateInput{Name: name, Description: desc, KeyARN: key, ClientToken: token}
		if tagKey != "" || tagValue != "" {
			in.Tags = map[string]string{tagKey: tagValue}
		}
		out, err := c.Create(context.Background(), in)
		if errors.Is(err, policyengine.ErrInvalidInput) {
			if len(api.calls) != 0 {
				t.Fatalf("rejected input %+v reached the service", in)
			}
			return
		}
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		if len(api.calls) != 1 {
			t.Fatalf("%d calls, want 1", len(api.calls))
		}
		got := api.calls[0]
		if aws.ToString(got.Name) != name || aws.ToString(got.EncryptionKeyArn) != key || aws.ToString(got.Description) != desc ||
			aws.ToString(got.ClientToken) != out.ClientToken || (token != "" && out.ClientToken != token) {
			t.Fatalf("sent %+v for %+v", got, in)
		}
	})
}
