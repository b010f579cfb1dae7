#!/bin/sh
# Adds Wiro Studio to the desktop's application menu: the .desktop file, the AppStream
# metainfo and the icons, under ~/.local/share (or --prefix DIR/share).
#
#   install-desktop-entry.sh [--prefix DIR] [--exec COMMAND]
#
# Run from an unpacked bundle (dist/wiro-studio/install-desktop-entry.sh) it points Exec= at
# that bundle's executable. Run from a checkout (packaging/install-desktop-entry.sh) it keeps
# Exec=wiro-studio, the launcher that `pipx install .` puts on PATH.
set -eu
app_id=io.github.wirostudio.WiroStudio
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
exec_cmd=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) data="$2/share"; shift ;;
    --exec) exec_cmd=$2; shift ;;
    *) echo "usage: $0 [--prefix DIR] [--exec COMMAND]" >&2; exit 2 ;;
  esac
  shift
done

if [ -d "$here/share/applications" ]; then  # an unpacked bundle
  desktop="$here/share/applications/$app_id.desktop"
  metainfo="$here/share/metainfo/$app_id.metainfo.xml"
  icons="$here/share/icons/hicolor"
  [ -n "$exec_cmd" ] || exec_cmd="$here/wiro-studio"
else  # a checkout
  desktop="$here/$app_id.desktop"
  metainfo="$here/$app_id.metainfo.xml"
  icons="$here/../resources/icons/hicolor"
fi

mkdir -p "$data/applications" "$data/metainfo" "$data/icons"
if [ -n "$exec_cmd" ]; then
  case "$exec_cmd" in
    *\"* | *\\* | *\`* | *\$*) echo "unsupported characters in --exec: $exec_cmd" >&2; exit 2 ;;
    *" "*) quoted="\"$exec_cmd\"" ;;
    *) quoted=$exec_cmd ;;
  esac
  # Exec= takes a quoted argument; TryExec= takes the bare path.
  sed -e "s|^Exec=.*|Exec=$quoted|" -e "s|^TryExec=.*|TryExec=$exec_cmd|" "$desktop" \
    >"$data/applications/$app_id.desktop"
else
  cp "$desktop" "$data/applications/$app_id.desktop"
fi
cp "$metainfo" "$data/metainfo/$app_id.metainfo.xml"
cp -R "$icons" "$data/icons/"

command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "installed $data/applications/$app_id.desktop"
