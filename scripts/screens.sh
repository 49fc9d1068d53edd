#!/usr/bin/env bash
# screens.sh [WIDTHxHEIGHT [SCALE]] saves a picture of every screen of the
# workstation, for every demo user, under build/screens/USER/NN-SCREEN.png.
# SCALE (the second argument, or $SCALE) is Fyne's scale (FYNE_SCALE), 1
# unless told: `make screens SCALE=1.5` shows a 1366x768 display at 150 %.
#
# It builds the workstation, starts it on a private virtual display
# (Xvfb, 1366x768 unless told) with --demo on an empty data folder and
# --script, signs in as each demo user, opens each screen of their tour
# (the screens TestEveryScreenFits measures) and photographs the display
# with ImageMagick's import. Each picture's name says the screen; a window
# that grew past the display shows as a window cut off at the edge.
set -euo pipefail

size=${1:-1366x768}
scale=${2:-${SCALE:-1}}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/screens
work=$(mktemp -d)
trap 'kill "${ck_pid:-}" "${xvfb_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

for tool in Xvfb xdotool import; do
	command -v "$tool" >/dev/null || { echo "screens: $tool is missing; make deps installs it" >&2; exit 1; }
done

(cd "$root" && go build -o "$work/chartkeeper" ./cmd/chartkeeper)

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
export DISPLAY=$display
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

# Fyne keeps its settings under these: keep them out of the user's own.
export XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache XDG_DATA_HOME=$work/share
export GALLIUM_DRIVER=${GALLIUM_DRIVER:-softpipe}
export FYNE_SCALE=$scale

mkfifo "$work/in" "$work/out"
"$work/chartkeeper" --data "$work/data" --demo --demo-patients 60 --script <"$work/in" >"$work/out" 2>"$work/chartkeeper.log" &
ck_pid=$!
exec 3>"$work/in" 4<"$work/out"

# ask sends a command and prints its answer lines; it fails on "error: …".
ask() {
	echo "$*" >&3
	local line
	while IFS= read -r line <&4; do
		case $line in
		ok) return 0 ;;
		error:*) echo "screens: $*: $line" >&2; return 1 ;;
		*) echo "$line" ;;
		esac
	done
	echo "screens: the workstation quit; its log:" >&2
	cat "$work/chartkeeper.log" >&2
	exit 1
}

rm -rf "$out"
mkdir -p "$out"
ask ready
# The window fills the display, as a maximised window would.
xdotool search --sync --name '^Chartkeeper$' windowsize --sync "${size%x*}" "${size#*x}" || true
sleep 0.5
import -window root "$out/00-sign-in.png"
failed=0
for user in demo-frontdesk demo-clinician demo-coder demo-him; do
	ask signin "$user"
	mkdir -p "$out/$user"
	n=0
	for screen in $(ask screens); do
		n=$((n + 1))
		file=$(printf '%s/%s/%02d-%s.png' "$out" "$user" "$n" "$screen")
		if ask open "$screen"; then
			import -window root "$file"
		else
			failed=1
		fi
	done
	ask signout
done
ask quit || true
wait "$ck_pid" || true
echo "screens: $(find "$out" -name '*.png' | wc -l) pictures under ${out#"$root"/}"
exit "$failed"
