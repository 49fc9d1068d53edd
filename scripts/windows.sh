#!/usr/bin/env bash
# windows.sh cross-builds Chartkeeper for 64-bit Windows from Linux into
# build/windows/: the workstation (cgo, with mingw-w64's compiler, packaged
# by the fyne tool with the icon and metadata of FyneApp.toml), ckadmin and
# chartkeeperd (pure Go), and a zip of the three a clinic unpacks:
# build/Chartkeeper-VERSION-windows-amd64.zip.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

cc=${CC_WINDOWS:-x86_64-w64-mingw32-gcc}
for tool in "$cc" zip; do
	command -v "$tool" >/dev/null || { echo "windows: $tool is missing; make windows installs it first (as root)" >&2; exit 1; }
done

# The fyne tool, at a pinned version, built into build/tools so nothing is
# installed outside the repository.
fyne_version=v1.7.4
tools=$root/build/tools
if [[ ! -x $tools/fyne-$fyne_version ]]; then
	mkdir -p "$tools"
	GOBIN=$tools go install "fyne.io/tools/cmd/fyne@$fyne_version"
	mv "$tools/fyne" "$tools/fyne-$fyne_version"
fi

out=$root/build/windows
rm -rf "$out"
mkdir -p "$out"
version=$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' FyneApp.toml)

GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -o "$out/ckadmin.exe" ./cmd/ckadmin
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -o "$out/chartkeeperd.exe" ./cmd/chartkeeperd

# fyne package reads FyneApp.toml and the icon from the main package's
# folder; scripts/package.sh puts them there for the run.
GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=$cc FYNE=$tools/fyne-$fyne_version \
	scripts/package.sh --name Chartkeeper --app-id org.chartkeeper.workstation
# The fyne tool leaves the program beside its sources.
mv cmd/chartkeeper/Chartkeeper.exe "$out/Chartkeeper.exe"

zip=build/Chartkeeper-$version-windows-amd64.zip
rm -f "$zip"
(cd "$out" && zip -q -9 "$root/$zip" Chartkeeper.exe ckadmin.exe chartkeeperd.exe)
ls -l "$out" "$zip"
