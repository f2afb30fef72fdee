package store

// SecretUseQuery is the live identity audit's one query over the secret
// reads and writes of a window, for dialect: the successful secret.*
// events of an organization (first argument) from a time on (second),
// grouped by identity, action, and the project, environment and folder of
// their metadata, with the count and the last time of each group. Its
// predicate repeats migration 0010's partial index audit_events_secret_use
// literally, so that both databases read the window through that index.
func SecretUseQuery(dialect string) string {
	field := func(name string) string { return "(metadata::json ->> '" + name + "')" }
	if dialect == SQLite {
		field = func(name string) string { return "json_extract(metadata, '$." + name + "')" }
	}
	return `SELECT actor_id, action, ` + field("project") + `, ` + field("environment") + `, ` + field("secretPath") + `, COUNT(*), MAX(time)
		FROM audit_events
		WHERE organization_id = ? AND time >= ? AND outcome = 'success' AND action LIKE 'secret.%'
		GROUP BY actor_id, action, 3, 4, 5`
}

// SecretLogStartQuery finds the time of an organization's oldest
// successful secret event (NULL for none), through the same index: how far
// back the audit log can tell what was used.
const SecretLogStartQuery = `SELECT MIN(time) FROM audit_events
	WHERE organization_id = ? AND outcome = 'success' AND action LIKE 'secret.%'`
