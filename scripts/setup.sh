#!/usr/bin/env bash
# Installs what building and testing need, each piece only when it is missing:
#   - libclang-dev (bindgen), libvulkan1 (the Vulkan loader Dawn opens at run time),
#   - Mesa 25 lavapipe from bookworm-backports (Vulkan on the CPU; bookworm's Mesa 22 is rejected by Dawn),
#   - the pinned Dawn kit under third_party/dawn (skipped when DAWN_DIR points at your own Dawn).
# Safe to run again: a second run does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

lavapipe_ok() {
  # Mesa >= 25 provides a lavapipe Dawn accepts.
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25
}

apt_updated=0
apt_update() { [ $apt_updated = 1 ] || { sudo_if_needed apt-get update -qq; apt_updated=1; }; }

if command -v apt-get >/dev/null; then
  missing=()
  for p in libclang-dev libvulkan1; do have_pkg "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt_update
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! lavapipe_ok; then
    . /etc/os-release
    if [ "${VERSION_CODENAME:-}" = bookworm ]; then
      list=/etc/apt/sources.list.d/bookworm-backports.sources
      if [ ! -f "$list" ]; then
        # Reuse the mirror this machine already uses for bookworm, adding only the backports suite.
        uri=$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $2}')
        [ -n "$uri" ] || uri=$(grep -h -m1 -E '^deb .* bookworm main' /etc/apt/sources.list 2>/dev/null | awk '{print $2}')
        [ -n "$uri" ] || { echo "setup: cannot find this machine's Debian mirror to add bookworm-backports" >&2; exit 1; }
        printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
          | sudo_if_needed tee "$list" >/dev/null
        apt_updated=0
      fi
      echo "setup: installing Mesa 25 lavapipe from bookworm-backports"
      apt_update
      sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
    else
      echo "setup: installing mesa-vulkan-drivers"
      apt_update
      sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers >/dev/null
    fi
  fi
fi

if [ -z "${DAWN_DIR:-}" ]; then
  python3 third_party/fetch.py
fi
