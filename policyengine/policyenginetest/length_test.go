package policyenginetest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
)

// The service model's length limits count characters, not bytes, as Smithy's
// length trait does: a description of 4,096 non-ASCII characters and tags
// of 128 and 256 non-ASCII characters are valid, one character more is not.
func TestLengthsCountCharacters(t *testing.T) {
	e := newEnv(t, policy(t))
	ctx := context.Background()
	out, err := e.ctl.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("unicode"), EncryptionKeyArn: aws.String(e.keyARN),
		Description: aws.String(strings.Repeat("é", 4096)),
		Tags:        map[string]string{strings.Repeat("ü", 128): strings.Repeat("ß", 256)},
	})
	if err != nil {
		t.Fatalf("CreatePolicyEngine with 4,096 non-ASCII characters: %v", err)
	}
	if got := len([]rune(aws.ToString(out.Description))); got != 4096 {
		t.Errorf("description has %d characters, want 4096", got)
	}
	for name, in := range map[string]*bedrockagentcorecontrol.CreatePolicyEngineInput{
		"description": {Name: aws.String("a"), Description: aws.String(strings.Repeat("é", 4097))},
		"tag key":     {Name: aws.String("b"), Tags: map[string]string{strings.Repeat("ü", 129): "v"}},
		"tag value":   {Name: aws.String("c"), Tags: map[string]string{"k": strings.Repeat("ß", 257)}},
	} {
		_, err := e.ctl.CreatePolicyEngine(ctx, in)
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("%s one character too long: %v, want ValidationException", name, err)
		}
	}
}
