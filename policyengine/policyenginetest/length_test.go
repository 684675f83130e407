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
// length trait does: a description of 4,096 non-ASCII characters is valid,
// one character more is not. Tags follow the documented pattern
// [a-zA-Z0-9\s._:/=+@-]*, so a non-ASCII tag is refused whatever its length.
func TestLengthsCountCharacters(t *testing.T) {
	e := newEnv(t, policy(t))
	ctx := context.Background()
	out, err := e.ctl.CreatePolicyEngine(ctx, &bedrockagentcorecontrol.CreatePolicyEngineInput{
		Name: aws.String("unicode"), EncryptionKeyArn: aws.String(e.keyARN),
		Description: aws.String(strings.Repeat("é", 4096)),
		Tags:        map[string]string{strings.Repeat("u", 128): strings.Repeat("s", 256)},
	})
	if err != nil {
		t.Fatalf("CreatePolicyEngine with 4,096 non-ASCII characters: %v", err)
	}
	if got := len([]rune(aws.ToString(out.Description))); got != 4096 {
		t.Errorf("description has %d characters, want 4096", got)
	}
	for name, in := range map[string]*bedrockagentcorecontrol.CreatePolicyEngineInput{
		"description": {Name: aws.String("a"), Description: aws.String(strings.Repeat("é", 4097))},
		"tag key":     {Name: aws.String("b"), Tags: map[string]string{strings.Repeat("u", 129): "v"}},
		"tag value":   {Name: aws.String("c"), Tags: map[string]string{"k": strings.Repeat("s", 257)}},
		"non-ASCII":   {Name: aws.String("d"), Tags: map[string]string{"ü": "v"}},
	} {
		_, err := e.ctl.CreatePolicyEngine(ctx, in)
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("%s one character too long: %v, want ValidationException", name, err)
		}
	}
}
