package awspartition

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTableMatchesSDK compares the copied table with the partitions.json of
// the aws-sdk-go-v2 version this module requires.
func TestTableMatchesSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("locating aws-sdk-go-v2 in the module cache: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	raw, err := os.ReadFile(filepath.Join(dir, "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Fatalf("reading the SDK's partitions.json: %v", err)
	}
	var sdk struct {
		Partitions []struct {
			ID          string                     `json:"id"`
			RegionRegex string                     `json:"regionRegex"`
			Regions     map[string]json.RawMessage `json:"regions"`
			Outputs     struct {
				DNSSuffix string `json:"dnsSuffix"`
			} `json:"outputs"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(raw, &sdk); err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, DNSSuffix, RegionRegex string
		Regions                    []string
	}
	var want, got []row
	for _, p := range sdk.Partitions {
		var regions []string
		for r := range p.Regions {
			if !strings.HasSuffix(r, "-global") {
				regions = append(regions, r)
			}
		}
		slices.Sort(regions)
		want = append(want, row{p.ID, p.Outputs.DNSSuffix, p.RegionRegex, regions})
	}
	for _, p := range All() {
		regions := slices.Sorted(slices.Values(p.Regions))
		got = append(got, row{p.ID, p.DNSSuffix, p.RegionRegex.String(), regions})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("partition table differs from the SDK's partitions.json (-sdk +ours):\n%s", diff)
	}
}

func TestForRegion(t *testing.T) {
	tests := []struct {
		region, want, why string
	}{
		{"us-east-1", "aws", "listed commercial Region"},
		{"ap-southeast-9", "aws", "unlisted Region matched by the commercial pattern"},
		{"cn-north-1", "aws-cn", "China"},
		{"us-gov-west-1", "aws-us-gov", "GovCloud must not fall into the commercial pattern"},
		{"us-iso-east-1", "aws-iso", "ISO"},
		{"us-isob-east-1", "aws-iso-b", "ISO-B"},
		{"eu-isoe-west-1", "aws-iso-e", "ISO-E"},
		{"us-isof-south-1", "aws-iso-f", "ISO-F"},
		{"eusc-de-east-1", "aws-eusc", "European Sovereign Cloud"},
		{"moon-base-1", "", "no partition"},
		{"", "", "empty"},
	}
	for _, tt := range tests {
		p, ok := ForRegion(tt.region)
		if ok != (tt.want != "") || p.ID != tt.want {
			t.Errorf("ForRegion(%q) = %q, %v; want %q (%s)", tt.region, p.ID, ok, tt.want, tt.why)
		}
	}
}

func TestServiceHost(t *testing.T) {
	cn, _ := ByID("aws-cn")
	if got, want := cn.ServiceHost("bedrock-agentcore", "cn-north-1"), "bedrock-agentcore.cn-north-1.amazonaws.com.cn"; got != want {
		t.Errorf("ServiceHost = %q, want %q", got, want)
	}
}
