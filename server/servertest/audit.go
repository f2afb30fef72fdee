package servertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/idplane/idplane/server/api"
)

// SecretReads tallies identityID's secret.read audit events among the
// organization's newest 1,000, as the admin client c lists them: each
// successful read as "read <env>:<path> <key> v<version>", each refusal as
// "refused <env>:<path> <key>: <reason>" (a refused listing names no key).
// It fails when any of those events holds one of values, when a read of
// identityID is in another project than projectID, or when a successful
// read names no secret.
func SecretReads(ctx context.Context, c *api.Client, identityID, projectID string, values []string) (map[string]int, error) {
	all, err := c.ListAuditEvents(ctx, api.AuditEventFilter{Limit: 1000})
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	tally := map[string]int{}
	for _, ev := range all.Events {
		raw, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		for _, v := range values {
			if strings.Contains(string(raw), v) {
				return nil, fmt.Errorf("audit event %s %s holds a secret value", ev.Action, ev.ID)
			}
		}
		if ev.Action != "secret.read" || ev.Actor.ID != identityID {
			continue
		}
		md := ev.Metadata
		if ev.Actor.Type != "identity" || md["project"] != projectID {
			return nil, fmt.Errorf("secret.read event of identity %s is not an identity's in project %s: %s", identityID, projectID, raw)
		}
		where := strings.TrimSpace(md["environment"] + ":" + md["secretPath"] + " " + md["secretKey"])
		switch ev.Outcome {
		case api.OutcomeSuccess:
			if ev.Target.Type != "secret" || ev.Target.ID == "" || md["secretKey"] == "" || md["version"] == "" {
				return nil, fmt.Errorf("a successful secret.read names no secret or version: %s", raw)
			}
			tally["read "+where+" v"+md["version"]]++
		default:
			tally["refused "+where+": "+ev.Reason]++
		}
	}
	return tally, nil
}
