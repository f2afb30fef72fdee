package awsauth

import (
	"regexp"
	"strings"
)

// awsSTSHost matches AWS's own STS hosts, and nothing else: the global
// sts.<suffix>, the regional sts.<region>.<suffix> and the FIPS
// sts-fips.<region>.<suffix> of every partition (aws and aws-us-gov:
// amazonaws.com; aws-cn: amazonaws.com.cn; aws-iso: c2s.ic.gov; aws-iso-b:
// sc2s.sgov.gov; aws-iso-e: cloud.adc-e.uk; aws-iso-f: csp.hci.ic.gov;
// aws-eusc: amazonaws.eu; dual-stack: api.aws), with at most the default
// port. It is matched against the lowercased Host.
var awsSTSHost = regexp.MustCompile(`^sts(\.|\.` + region + `\.|-fips\.` + region + `\.)` +
	`(amazonaws\.com|amazonaws\.com\.cn|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov|amazonaws\.eu|api\.aws)(:443)?$`)

// region is an AWS region name: us-east-1, us-gov-west-1, cn-north-1,
// us-isob-east-1, eusc-de-east-1.
const region = `[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}`

// defaultEndpoint returns where a request signed for host goes when the
// identity uses the default STS endpoint: to host itself when it is one of
// AWS's STS hosts (Infisical's SDKs sign for the regional one), and
// nowhere (false) otherwise.
func defaultEndpoint(host string) (string, bool) {
	host = strings.ToLower(host)
	if !awsSTSHost.MatchString(host) {
		return "", false
	}
	return "https://" + strings.TrimSuffix(host, ":443") + "/", true
}
