#!/usr/bin/env bash
# wine-smoke.sh runs the Windows workstation that scripts/windows.sh built
# under Wine on a private virtual display (Xvfb, 1024x768): it reaches the
# first-run screen, makes a demo practice in its default data folder
# (%APPDATA%\Chartkeeper), signs in as the demo front desk and the demo
# HIM manager, opens a printout of labels whose preview must show its page,
# and saves a picture of each step under build/windows-smoke/.
# It fails when a step does not answer, when the data folder is not where
# Windows programs keep their data, or when a picture is blank.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exe=$root/build/windows/Chartkeeper.exe
out=$root/build/windows-smoke
[[ -f $exe ]] || { echo "wine-smoke: $exe is missing; run scripts/windows.sh first" >&2; exit 1; }
for tool in wine Xvfb xdotool import x86_64-w64-mingw32-gcc; do
	command -v "$tool" >/dev/null || { echo "wine-smoke: $tool is missing; make windows installs it first (as root)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'kill "${ck_pid:-}" "${xvfb_pid:-}" 2>/dev/null || true; WINEPREFIX=$work/wine wineserver -k 2>/dev/null || true; rm -rf "$work"' EXIT

export WINEPREFIX=$work/wine WINEDEBUG=-all WINEARCH=win64
# No Mono or Gecko installers: the workstation needs neither.
export WINEDLLOVERRIDES="mscoree,mshtml="
display=:$((200 + RANDOM % 100))
Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
timeout 300 wineboot -i >"$work/wineboot.log" 2>&1 || { cat "$work/wineboot.log" >&2; exit 1; }
# Debian 12's Wine lacks bcryptprimitives.dll, where Go's runtime takes its
# random bytes on Windows 10 and later; a stand-in built from
# scripts/wine/bcryptprimitives.c goes into this private Wine's system32.
if [[ ! -f $WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll ]]; then
	x86_64-w64-mingw32-gcc -shared -O2 -Wl,--kill-at -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
		"$root/scripts/wine/bcryptprimitives.c" -ladvapi32
fi

rm -rf "$out"
mkdir -p "$out"
mkfifo "$work/in" "$work/out"
timeout 900 wine "$exe" --demo --demo-patients 20 --script <"$work/in" >"$work/out" 2>"$work/chartkeeper.log" &
ck_pid=$!
exec 3>"$work/in" 4<"$work/out"

ask() {
	echo "$*" >&3
	local line
	while IFS= read -r line <&4; do
		line=${line%$'\r'}
		case $line in
		ok) return 0 ;;
		error:*) echo "wine-smoke: $*: $line" >&2; return 1 ;;
		*) echo "$line" ;;
		esac
	done
	echo "wine-smoke: the workstation quit; its log:" >&2
	cat "$work/chartkeeper.log" >&2
	exit 1
}

shot() {
	sleep 1
	import -window root "$out/$1.png"
	# A blank display is one colour: ImageMagick's "%k" counts the colours.
	local colours
	colours=$(convert "$out/$1.png" -format '%k' info:)
	if ((colours < 8)); then
		echo "wine-smoke: $1.png has $colours colours: nothing was drawn" >&2
		exit 1
	fi
}

ask ready
shot 01-sign-in
for user in demo-frontdesk demo-him; do
	ask signin "$user"
	shot "02-home-$user"
	if [[ $user == demo-frontdesk ]]; then
		# A printout's preview: its page drawn with no poppler (PDFium in
		# WebAssembly), as the front desk's labels.
		ask open chart-printout
		ask printout
		shot "03-printout-$user"
	fi
	ask signout
done
ask quit || true
wait "$ck_pid" || true

appdata=$(find "$WINEPREFIX/drive_c/users" -path '*/AppData/Roaming/Chartkeeper' -type d | head -1)
if [[ -z $appdata || ! -f $appdata/device.json ]]; then
	echo "wine-smoke: the practice is not under %APPDATA%\\Chartkeeper; the Windows drive holds:" >&2
	find "$WINEPREFIX/drive_c/users" -maxdepth 5 >&2
	exit 1
fi
echo "wine-smoke: the practice is in ${appdata#"$WINEPREFIX"/}; pictures under ${out#"$root"/}:"
ls "$out"
