#!/usr/bin/env bash
# make fuzz: every fuzz target of the module, found anew on each run, one
# after another for FUZZTIME each (default 2m). A crasher is written under
# the package's testdata/fuzz/<target>/ and fails the run; commit it with
# its fix, and it becomes a seed that make test replays.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
fuzztime="${FUZZTIME:-2m}"
failed=()
ran=0
for dir in $(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | xargs -n1 dirname | sort -u); do
	pkg="./$dir"
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz'); do
		echo "== $pkg $target for $fuzztime"
		ran=$((ran + 1))
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
			failed+=("$pkg $target")
		fi
	done
done
echo "fuzz targets run: $ran"
if [ "${#failed[@]}" -gt 0 ]; then
	printf 'failed: %s\n' "${failed[@]}"
	exit 1
fi
