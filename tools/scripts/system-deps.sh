#!/usr/bin/env bash
# The one place that installs what tests need from Debian: real peers and servers.
set -euo pipefail
# openssl: tests make their own CAs and certificates (TLS on client and member links).
packages=(zookeeper python3-kazoo redis-server openjdk-17-jdk-headless libcurator-recipes-java libcurator-discovery-java chromium openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
