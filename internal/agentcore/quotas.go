package agentcore

// KMS request quotas, in requests per second, as the AWS KMS Developer
// Guide documents their default values ("Request quotas",
// https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html,
// table "Request quotas for each AWS KMS API operation"). The page says:
//
//   - each quota applies to "all requests for these operations in the AWS
//     account and Region" in "each one-second interval", from every
//     principal of the account, including AWS services on its behalf;
//   - each quota is calculated independently of every other (DescribeKey
//     requests do not count against GetKeyPolicy's quota);
//   - every quota is adjustable, so an account may have more.
//
// Only the operations the module sends to read a key are listed. The
// cryptographic operations share a quota that varies with the Region and the
// key type; it is not listed because nothing here reads a key with them.
//
// Open point: the page does not say how KMS counts within an interval
// (a fixed window or a bucket that refills continuously). Emulators model
// each quota as a token bucket holding one second's worth of requests and
// refilling continuously, which never lets through more than the quota in
// any one-second window after the first.
const (
	// QuotaDescribeKey is the DescribeKey request rate.
	QuotaDescribeKey = 2000
	// QuotaGetKeyPolicy is the GetKeyPolicy request rate.
	QuotaGetKeyPolicy = 1000
	// QuotaListGrants is the ListGrants request rate.
	QuotaListGrants = 100
	// QuotaListKeyPolicies is the ListKeyPolicies request rate.
	QuotaListKeyPolicies = 100
	// QuotaListRetirableGrants is the ListRetirableGrants request rate.
	QuotaListRetirableGrants = 100
	// QuotaListAliases is the ListAliases request rate.
	QuotaListAliases = 500
	// QuotaListKeys is the ListKeys request rate.
	QuotaListKeys = 500
	// QuotaListResourceTags is the ListResourceTags request rate.
	QuotaListResourceTags = 2000
)

// KMSRequestQuotas returns a new map from KMS operation name (such as
// "ListGrants") to its documented default request quota per account and
// Region, in requests per second. Operations not in the map have a quota
// the module does not model.
func KMSRequestQuotas() map[string]float64 {
	return map[string]float64{
		"DescribeKey":         QuotaDescribeKey,
		"GetKeyPolicy":        QuotaGetKeyPolicy,
		"ListGrants":          QuotaListGrants,
		"ListKeyPolicies":     QuotaListKeyPolicies,
		"ListRetirableGrants": QuotaListRetirableGrants,
		"ListAliases":         QuotaListAliases,
		"ListKeys":            QuotaListKeys,
		"ListResourceTags":    QuotaListResourceTags,
	}
}

// MessageKMSThrottling is the message KMS answers a request over its quota
// with, under [CodeThrottling] (KMS Developer Guide, "Throttling AWS KMS
// requests": "Status Code: 400; Error Code: ThrottlingException").
const MessageKMSThrottling = "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
