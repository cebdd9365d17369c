#!/usr/bin/env bash
# Install the named Debian packages that are missing (default: all the tests need),
# where apt-get can run as root; elsewhere say what to install and fail.
#   chromium               the browser check of the built HTML
#   fonts-wqy-zenhei       a CJK font, so the screenshots show the glossary's Chinese terms
#   dataset-fashion-mnist  the quick profile's data, offline
set -u
[ $# -gt 0 ] || set -- chromium fonts-wqy-zenhei dataset-fashion-mnist
missing=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null && exit 0
fi
echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
