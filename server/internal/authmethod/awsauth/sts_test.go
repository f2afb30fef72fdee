package awsauth

import "testing"

// Only AWS's own STS hosts are forwarded to from the default endpoint,
// each to itself.
func TestDefaultEndpoint(t *testing.T) {
	for host, want := range map[string]string{
		"sts.amazonaws.com":                    "https://sts.amazonaws.com/",
		"STS.AmazonAWS.com:443":                "https://sts.amazonaws.com/",
		"sts.us-east-1.amazonaws.com":          "https://sts.us-east-1.amazonaws.com/",
		"sts.eu-central-2.amazonaws.com":       "https://sts.eu-central-2.amazonaws.com/",
		"sts-fips.us-east-2.amazonaws.com":     "https://sts-fips.us-east-2.amazonaws.com/",
		"sts.us-gov-west-1.amazonaws.com":      "https://sts.us-gov-west-1.amazonaws.com/",
		"sts-fips.us-gov-east-1.amazonaws.com": "https://sts-fips.us-gov-east-1.amazonaws.com/",
		"sts.cn-north-1.amazonaws.com.cn":      "https://sts.cn-north-1.amazonaws.com.cn/",
		"sts.us-iso-east-1.c2s.ic.gov":         "https://sts.us-iso-east-1.c2s.ic.gov/",
		"sts.us-isob-east-1.sc2s.sgov.gov":     "https://sts.us-isob-east-1.sc2s.sgov.gov/",
		"sts.eu-isoe-west-1.cloud.adc-e.uk":    "https://sts.eu-isoe-west-1.cloud.adc-e.uk/",
		"sts.us-isof-south-1.csp.hci.ic.gov":   "https://sts.us-isof-south-1.csp.hci.ic.gov/",
		"sts.eusc-de-east-1.amazonaws.eu":      "https://sts.eusc-de-east-1.amazonaws.eu/",
		"sts.us-west-2.api.aws":                "https://sts.us-west-2.api.aws/",
		// Refused: anything that only looks like STS.
		"sts.us-east-1.amazonaws.com.evil.example": "",
		"sts.us-east-1.amazonaws.com:8443":         "",
		"sts.us-east-1.amazonaws.com.":             "",
		"evil.example":                             "",
		"sts.evil.example":                         "",
		"iam.amazonaws.com":                        "",
		"sts-fips.amazonaws.com":                   "",
		"ec2.us-east-1.amazonaws.com":              "",
		"sts.us-east-1.amazonaws.com@evil.example": "",
		"sts.us-east-1.evil.amazonaws.com":         "",
		"sts.a.b.amazonaws.com":                    "",
		"xsts.amazonaws.com":                       "",
		"sts.amazonaws.com/evil":                   "",
		"127.0.0.1":                                "",
		"":                                         "",
	} {
		got, ok := defaultEndpoint(host)
		if got != want || ok != (want != "") {
			t.Errorf("defaultEndpoint(%q) = %q, %v; want %q", host, got, ok, want)
		}
	}
}
