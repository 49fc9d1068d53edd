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

count=0
while read -r pkg names; do
	[[ -n $pkg ]] || continue
	for name in $names; do
		echo "fuzz: $pkg $name for $fuzztime"
		go test -tags "$tags" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
		count=$((count + 1))
	done
done <<<"$targets"
echo "fuzz: $count targets ran"
