// Package awspartition maps AWS Regions to partitions: the ARN prefix and the
// DNS suffix that service endpoints (and so kms:ViaService values) use.
//
// The table is a copy of the SDK's own partition metadata
// (aws-sdk-go-v2/internal/endpoints/awsrulesfn/partitions.json), which Go code
// outside the SDK cannot import. A test compares the copy with the file in the
// module cache, so an SDK upgrade that adds a partition fails loudly instead of
// silently producing wrong ARNs.
package awspartition

import (
	"regexp"
	"strings"
)

// Partition describes one AWS partition.
type Partition struct {
	// ID is the partition name used in ARNs, such as "aws" or "aws-cn".
	ID string
	// DNSSuffix is the suffix of service endpoints, such as "amazonaws.com.cn".
	DNSSuffix string
	// RegionRegex matches the Regions of the partition.
	RegionRegex *regexp.Regexp
	// Regions lists the Regions the SDK names explicitly (without the
	// partition's "-global" pseudo-region).
	Regions []string
}

// partitions follows the order of the SDK's partitions.json; Lookup relies on
// that order exactly as the SDK's getPartition does.
var partitions = []Partition{
	{
		ID: "aws", DNSSuffix: "amazonaws.com",
		RegionRegex: regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`),
		Regions: []string{
			"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
			"ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
			"ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
			"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1",
			"eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
			"il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1",
			"sa-east-1", "sa-west-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
		},
	},
	{
		ID: "aws-cn", DNSSuffix: "amazonaws.com.cn",
		RegionRegex: regexp.MustCompile(`^cn\-\w+\-\d+$`),
		Regions:     []string{"cn-north-1", "cn-northwest-1"},
	},
	{
		ID: "aws-eusc", DNSSuffix: "amazonaws.eu",
		RegionRegex: regexp.MustCompile(`^eusc\-(de)\-\w+\-\d+$`),
		Regions:     []string{"eusc-de-east-1"},
	},
	{
		ID: "aws-iso", DNSSuffix: "c2s.ic.gov",
		RegionRegex: regexp.MustCompile(`^us\-iso\-\w+\-\d+$`),
		Regions:     []string{"us-iso-east-1", "us-iso-west-1"},
	},
	{
		ID: "aws-iso-b", DNSSuffix: "sc2s.sgov.gov",
		RegionRegex: regexp.MustCompile(`^us\-isob\-\w+\-\d+$`),
		Regions:     []string{"us-isob-east-1", "us-isob-west-1"},
	},
	{
		ID: "aws-iso-e", DNSSuffix: "cloud.adc-e.uk",
		RegionRegex: regexp.MustCompile(`^eu\-isoe\-\w+\-\d+$`),
		Regions:     []string{"eu-isoe-west-1"},
	},
	{
		ID: "aws-iso-f", DNSSuffix: "csp.hci.ic.gov",
		RegionRegex: regexp.MustCompile(`^us\-isof\-\w+\-\d+$`),
		Regions:     []string{"us-isof-east-1", "us-isof-south-1"},
	},
	{
		ID: "aws-us-gov", DNSSuffix: "amazonaws.com",
		RegionRegex: regexp.MustCompile(`^us\-gov\-\w+\-\d+$`),
		Regions:     []string{"us-gov-east-1", "us-gov-west-1"},
	},
}

// All returns every known partition, in the SDK's order.
func All() []Partition {
	return append([]Partition(nil), partitions...)
}

// ForRegion returns the partition of region and reports whether region
// belongs to one. Like the SDK, it looks at the explicit Region lists first
// and then at each partition's Region pattern, in order.
func ForRegion(region string) (Partition, bool) {
	for _, p := range partitions {
		for _, r := range p.Regions {
			if r == region {
				return p, true
			}
		}
	}
	for _, p := range partitions {
		if p.RegionRegex.MatchString(region) {
			return p, true
		}
	}
	return Partition{}, false
}

// ByID returns the partition named id and reports whether it exists.
func ByID(id string) (Partition, bool) {
	for _, p := range partitions {
		if p.ID == id {
			return p, true
		}
	}
	return Partition{}, false
}

// ServiceHost returns the regional endpoint host of service in region, such
// as "bedrock-agentcore.us-east-1.amazonaws.com": the value AWS puts in
// kms:ViaService for requests a service makes on a caller's behalf.
func (p Partition) ServiceHost(service, region string) string {
	var b strings.Builder
	b.Grow(len(service) + len(region) + len(p.DNSSuffix) + 2)
	b.WriteString(service)
	b.WriteByte('.')
	b.WriteString(region)
	b.WriteByte('.')
	b.WriteString(p.DNSSuffix)
	return b.String()
}
