#!/bin/sh
# Makes store/testdata/onekey, a practice written by the store as it was
# before compartment keys (commit befb4f2), for TestMoveToKeyHierarchy.
# Run from the repository's root: sh store/testdata/make-onekey.sh
set -eu
old=befb4f2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$old" | tar -x -C "$tmp"
mkdir -p "$tmp/cmd/onekey-maker"
cp store/testdata/onekey-maker/main.go "$tmp/cmd/onekey-maker/"
rm -rf store/testdata/onekey
mkdir -p "$tmp/out"
(cd "$tmp" && CGO_ENABLED=0 go run -tags chartkeeper_insecure_kdf ./cmd/onekey-maker "$tmp/out")
mkdir -p store/testdata/onekey
cp "$tmp/out/chartkeeper.db" "$tmp/out/device.json" "$tmp/out/fixture.json" store/testdata/onekey/
echo "made store/testdata/onekey"
