#!/usr/bin/env bash
# fuzz.sh runs every fuzz target in the module for FUZZTIME each (default
# 10s), one at a time: go test accepts one -fuzz target per run.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}
tags=chartkeeper_insecure_kdf

# go test -list prints a package's matching names, then its "ok" line.
targets=$(go test -tags "$tags" -list '^Fuzz' ./... |
	awk '/^Fuzz/ { names = names " " $1; next }
	     /^ok/   { if (names != "") print $2 names; names = "" }')

# fuzz_one fuzzes one target. Go 1.26's fuzzing coordinator can end a
# duration-bounded run with a bare "context deadline exceeded" when a worker
# is still busy at the deadline (go.dev/issue/75804, fixed in Go 1.27). A
# real failure always writes its input under testdata/fuzz/NAME, so only a
# run that wrote one, or failed with any other message, fails the build.
fuzz_one() {
	local pkg=$1 name=$2 dir out status=0
	dir=$(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$name
	local before
	before=$(ls "$dir" 2>/dev/null | sort || true)
	out=$(go test -tags "$tags" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" 2>&1) || status=$?
	echo "$out"
	((status == 0)) && return 0
	if [[ "$(ls "$dir" 2>/dev/null | sort || true)" == "$before" ]] &&
		grep -q '^    context deadline exceeded$' <<<"$out" &&
		! grep -q -- '--- FAIL' <<<"$(grep -v "^--- FAIL: $name " <<<"$out")"; then
		echo "fuzz: $name stopped on Go's fuzz deadline race (go.dev/issue/75804), no failing input: not a failure"
		return 0
	fi
	return "$status"
}

count=0
while read -r pkg names; do
	[[ -n $pkg ]] || continue
	for name in $names; do
		echo "fuzz: $pkg $name for $fuzztime"
		fuzz_one "$pkg" "$name"
		count=$((count + 1))
	done
done <<<"$targets"
echo "fuzz: $count targets ran"
