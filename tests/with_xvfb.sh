#!/bin/sh
# Runs "$@" on a private Xvfb (a free display number, which Xvfb picks and reports through
# -displayfd) and exits with the command's own status. The window tests use this, not xvfb-run:
# xvfb-run removes its temporary folder after the command, and when that fails (seen in CI) it
# exits 5, hiding the command's exit code.
set -u
[ "$#" -gt 0 ] || { echo "usage: with_xvfb.sh COMMAND [ARGS...]" >&2; exit 2; }
command -v Xvfb >/dev/null || { echo "with_xvfb.sh: Xvfb is not installed (apt-get install xvfb)" >&2; exit 1; }
dir=$(mktemp -d) || exit 1
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$dir/display" 2>"$dir/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
tries=0
until grep -q '^[0-9][0-9]*$' "$dir/display" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 600 ]; then  # died, or not ready in 30 s
    echo "with_xvfb.sh: Xvfb did not start:" >&2; cat "$dir/log" >&2; exit 1
  fi
  tries=$((tries + 1)); sleep 0.05
done
DISPLAY=":$(cat "$dir/display")" "$@"
exit $?  # the command's status; the EXIT trap leaves it as it is
