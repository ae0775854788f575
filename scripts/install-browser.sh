#!/usr/bin/env bash
# Installs what the browser test (crates/xuecheng/tests/browser.rs) needs on Debian: Chromium,
# its WebDriver (chromedriver) and Chinese fonts (fonts-noto-cjk), so that screenshots show
# Chinese text instead of empty boxes. Idempotent: installs only what is missing, and does
# nothing (not even `apt-get update`) when everything is already there.
#
# Usage: scripts/install-browser.sh        (as root, or as a user who may use sudo)
set -euo pipefail

packages=()
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    packages+=(chromium chromium-driver)
fi
if ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed'; then
    packages+=(fonts-noto-cjk)
fi

if [[ ${#packages[@]} -eq 0 ]]; then
    echo "install-browser: chromium, chromedriver and fonts-noto-cjk are already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; this script is for Debian." >&2
    echo "Install Chromium, chromedriver and a CJK font by hand: ${packages[*]}" >&2
    exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "install-browser: installing ${packages[*]} needs root, and sudo is not available." >&2
        echo "Run this script as root (e.g. in the CI container), or install them by hand:" >&2
        echo "  apt-get install ${packages[*]}" >&2
        exit 1
    fi
fi

echo "install-browser: installing ${packages[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
    if [[ ! -x $tool ]]; then
        echo "install-browser: $tool is still missing after the installation" >&2
        exit 1
    fi
done
echo "install-browser: done ($(/usr/bin/chromium --version 2>/dev/null || echo chromium), $(/usr/bin/chromedriver --version 2>/dev/null | cut -d' ' -f1-2))"
