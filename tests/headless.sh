#!/bin/sh
# Runs a command the way the suite must run: a throw-away HOME and XDG dirs (nothing touches the
# developer's home or keychain), Qt offscreen by default, and - when the tools exist - an Xvfb
# display plus a private D-Bus session with an unlocked gnome-keyring for the real-keychain test.
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wiro-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/home" "$tmp/run"
chmod 700 "$tmp/run"
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share" \
  XDG_CACHE_HOME="$tmp/home/.cache" XDG_STATE_HOME="$tmp/home/.local/state" XDG_RUNTIME_DIR="$tmp/run"
export QT_API=pyside6 QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1 PYTHONFAULTHANDLER=1
unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY

inner='printf %s wiro-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true; exec "$@"'
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  set -- dbus-run-session -- sh -c "$inner" sh "$@"
else
  echo "note: dbus-run-session/gnome-keyring missing: the real-keychain test will be skipped" >&2
fi
if command -v xvfb-run >/dev/null; then
  set -- xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$@"
else
  echo "note: xvfb-run missing: real-window screenshot tests will be skipped" >&2
fi
"$@"
