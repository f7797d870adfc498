#!/bin/sh
# Installs the Debian/Ubuntu packages SynScope needs to build, run and test; installs nothing that
# is already there. Usage: packaging/install-deps.sh   (as root, or with sudo available)
set -eu

PACKAGES="cmake ninja-build g++ pkg-config
qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev libpcap-dev libqt6sql6-sqlite
iproute2 ethtool libcap2-bin procps util-linux tcpdump tcpreplay
curl tinyproxy nginx-light openssl python3
dpkg-dev file"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing:$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
