#!/usr/bin/env bash
# package.sh builds the workstation's installable package with the fyne tool.
#
# fyne package reads FyneApp.toml from the main package's folder, while the
# repository keeps one copy at its root, next to the icon it names. This
# script copies both into cmd/chartkeeper for the run and removes the copies
# afterwards, whatever happens. The package lands in build/.
set -euo pipefail
cd "$(dirname "$0")/.."

fyne=${FYNE:-$(go env GOPATH)/bin/fyne}
src=cmd/chartkeeper
icon=$(sed -n 's/^[[:space:]]*Icon[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' FyneApp.toml)

cleanup() {
	rm -f "$src/FyneApp.toml" "$src/$icon"
	rmdir "$(dirname "$src/$icon")" 2>/dev/null || true
}
trap cleanup EXIT

cp FyneApp.toml "$src/FyneApp.toml"
mkdir -p "$(dirname "$src/$icon")"
cp "$icon" "$src/$icon"

mkdir -p build
(cd build && "$fyne" package --os "${GOOS:-linux}" --release --src "../$src" "$@")
ls -l build
