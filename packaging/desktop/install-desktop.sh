#!/bin/sh
# Install Reelbox's .desktop entry and icon for the current user (XDG base dirs; `make install-desktop`).
#   install-desktop.sh [REELBOX_EXECUTABLE]
# The executable defaults to the bundle (build/bundle/dist/reelbox/reelbox) when built, else the
# venv's console script; Exec= and TryExec= get its absolute path so the menu works without PATH.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
exe=${1:-}
if [ -z "$exe" ]; then
  if [ -x "$repo/build/bundle/dist/reelbox/reelbox" ]; then exe="$repo/build/bundle/dist/reelbox/reelbox"
  else exe="$repo/.venv/bin/reelbox"; fi
fi
exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor"
mkdir -p "$apps" "$icons/scalable/apps" "$icons/256x256/apps"
sed -e "s|^Exec=reelbox |Exec=$exe |" -e "s|^TryExec=reelbox\$|TryExec=$exe|" "$here/reelbox.desktop" > "$apps/reelbox.desktop.tmp"
mv "$apps/reelbox.desktop.tmp" "$apps/reelbox.desktop"
install -m 0644 "$here/reelbox.svg" "$icons/scalable/apps/reelbox.svg"
install -m 0644 "$here/reelbox.png" "$icons/256x256/apps/reelbox.png"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$apps/reelbox.desktop"
else
  echo "desktop-file-validate not found (apt install desktop-file-utils): entry not validated" >&2
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
echo "installed $apps/reelbox.desktop (Exec=$exe ui) and the reelbox icon under $icons"
