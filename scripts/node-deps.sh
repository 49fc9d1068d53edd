#!/usr/bin/env bash
# node-deps.sh FOLDER... installs the npm packages a test tool needs, from
# each folder's package-lock.json (npm ci), with npm from Debian's packages
# when it is missing. A folder whose node_modules already matches its lock
# file is left alone, so a machine that has installed them once needs no
# network.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
	scripts/deps.sh npm
fi
for dir in "$@"; do
	stamp=$dir/node_modules/.installed-package-lock.json
	if cmp -s "$dir/package-lock.json" "$stamp"; then
		continue
	fi
	echo "node-deps: npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	cp "$dir/package-lock.json" "$stamp"
done
