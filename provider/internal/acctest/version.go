package acctest

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

var (
	versionOnce  sync.Once
	major, minor int
)

// terraformVersion is the major and minor version of the terraform (or
// tofu) binary the tests drive.
func terraformVersion() (int, int) {
	versionOnce.Do(func() {
		out, err := exec.Command(os.Getenv("TF_ACC_TERRAFORM_PATH"), "version", "-json").Output()
		if err != nil {
			return
		}
		var v struct {
			Version string `json:"terraform_version"`
		}
		if json.Unmarshal(out, &v) != nil {
			return
		}
		parts := strings.SplitN(v.Version, ".", 3)
		if len(parts) >= 2 {
			major, _ = strconv.Atoi(parts[0])
			minor, _ = strconv.Atoi(parts[1])
		}
	})
	return major, minor
}

// SupportsWriteOnly reports whether the driven release accepts write-only
// arguments and ephemeral resources (Terraform 1.11, OpenTofu 1.11 and
// later). Tests of those features assert their behaviour there and the
// release's refusal elsewhere; they are never skipped.
func SupportsWriteOnly() bool {
	maj, mnr := terraformVersion()
	return maj > 1 || (maj == 1 && mnr >= 11)
}
