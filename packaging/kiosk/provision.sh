#!/bin/sh
# Provision a Reelbox kiosk box (run as root once, after installing the bundle in /opt/reelbox).
# Writes $REELBOX_HOME/config/config.toml and pre-downloads the titles listed in titles.txt as the
# kiosk user, so the box can play them when the backend is unreachable. See PROVISIONING.md.
#   BACKEND=https://api.example.com PIN=4711 EMAIL=box42@example.com PASSWORD=... ./provision.sh
set -eu
REELBOX_HOME=${REELBOX_HOME:-/var/lib/reelbox}
REELBOX=${REELBOX:-/opt/reelbox/reelbox}
KIOSK_USER=${KIOSK_USER:-reelbox}
TITLES=${TITLES:-$(dirname "$0")/titles.txt}
: "${BACKEND:?set BACKEND to the API URL}" "${PIN:?set PIN (the operator PIN to leave kiosk mode)}"
: "${EMAIL:?set EMAIL (the box account)}" "${PASSWORD:?set PASSWORD}"

install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0750 "$REELBOX_HOME" "$REELBOX_HOME/config"
umask 027
cat > "$REELBOX_HOME/config/config.toml" <<TOML
[app]
backend_url = "$BACKEND"
email = "$EMAIL"
download_quality = "medium"
download_parallelism = 2
last_screen = "downloads"
TOML
chown "$KIOSK_USER:$KIOSK_USER" "$REELBOX_HOME/config/config.toml"
# the PIN goes in on stdin and is stored as a salted scrypt hash, never in clear
printf '%s\n' "$PIN" | runuser -u "$KIOSK_USER" -- env REELBOX_HOME="$REELBOX_HOME" "$REELBOX" kiosk-pin

grep -v '^[[:space:]]*\(#\|$\)' "$TITLES" | while read -r title quality; do
  echo "pre-downloading $title (${quality:-best})"
  runuser -u "$KIOSK_USER" -- env REELBOX_HOME="$REELBOX_HOME" REELBOX_EMAIL="$EMAIL" REELBOX_PASSWORD="$PASSWORD" \
    "$REELBOX" download "$title" --quality "${quality:-best}" --backend "$BACKEND"
done
runuser -u "$KIOSK_USER" -- env REELBOX_HOME="$REELBOX_HOME" "$REELBOX" downloads list
