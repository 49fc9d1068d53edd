#!/usr/bin/env bash
# deps.sh PACKAGE... makes sure these Debian or Ubuntu packages are installed.
#
# It asks dpkg which are missing and returns at once when none are. As root it
# installs the missing ones with apt-get; otherwise it prints the command to
# run and fails.
set -euo pipefail

if (($# == 0)); then
	echo "usage: $0 PACKAGE..." >&2
	exit 2
fi

if ! command -v dpkg-query >/dev/null; then
	echo "deps: this is not a Debian or Ubuntu system; make sure these are installed: $*" >&2
	exit 0
fi

missing=()
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	if [[ $status != "install ok installed" ]]; then
		missing+=("$pkg")
	fi
done
if ((${#missing[@]} == 0)); then
	exit 0
fi

if [[ $(id -u) != 0 ]]; then
	echo "deps: these system packages are missing: ${missing[*]}" >&2
	echo "deps: install them with:" >&2
	echo "sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
