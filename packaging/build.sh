#!/bin/sh
# Builds the one-folder bundle dist/wiro-studio/ with PyInstaller, adds the desktop files
# under share/, and with --check validates them and runs the bundle's offscreen smoke test.
#
#   packaging/build.sh [--check] [--dist DIR] [--work DIR]
#
# PYTHON (default .venv/bin/python) must have the `packaging` extra: pip install -e '.[packaging]'.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
app_id=io.github.wirostudio.WiroStudio
dist="$root/dist"
work="$root/build/pyinstaller"
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    --dist) dist=$2; shift ;;
    --work) work=$2; shift ;;
    *) echo "usage: $0 [--check] [--dist DIR] [--work DIR]" >&2; exit 2 ;;
  esac
  shift
done
python=${PYTHON:-$root/.venv/bin/python}

start=$(date +%s)
"$python" -m PyInstaller --noconfirm --log-level WARN --distpath "$dist" --workpath "$work" \
  "$root/packaging/wiro-studio.spec"
bundle="$dist/wiro-studio"

# The freedesktop files, laid out like a prefix: packaging/install-desktop-entry.sh copies
# them into ~/.local/share (or any prefix) and points Exec= at this bundle.
share="$bundle/share"
rm -rf "$share"
mkdir -p "$share/applications" "$share/metainfo" "$share/icons"
cp "$root/packaging/$app_id.desktop" "$share/applications/"
cp "$root/packaging/$app_id.metainfo.xml" "$share/metainfo/"
cp -R "$root/resources/icons/hicolor" "$share/icons/"
cp "$root/packaging/install-desktop-entry.sh" "$bundle/"
echo "built $bundle in $(( $(date +%s) - start )) s, $(du -sh "$bundle" | cut -f1)"

if [ "$check" = 1 ]; then
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$share/applications/$app_id.desktop"
    echo "desktop-file-validate: ok"
  else
    echo "note: desktop-file-validate missing (Debian: desktop-file-utils), not checked" >&2
  fi
  if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$share/metainfo/$app_id.metainfo.xml"
  else
    echo "note: appstreamcli missing (Debian: appstream), not checked" >&2
  fi
  smoke_tmp=$(mktemp -d "${TMPDIR:-/tmp}/wiro-package.XXXXXX")
  trap 'rm -rf "$smoke_tmp"' EXIT INT TERM
  mkdir -p "$smoke_tmp/home"
  out=$(cd "$smoke_tmp" && HOME="$smoke_tmp/home" TMPDIR="$smoke_tmp" QT_QPA_PLATFORM=offscreen \
    timeout -k 10 120 "$bundle/wiro-studio" --smoke | tail -n 1)
  case "$out" in
    '{"images": 4,'*) echo "smoke: ok $(printf %s "$out" | grep -o '"seconds": [0-9.]*')" ;;
    *) echo "smoke run failed: $out" >&2; exit 1 ;;
  esac
fi
