#!/usr/bin/env bash
# Installs what versus needs on Debian 12 (only what is missing), then the npm
# dependencies and the build. Safe to run again: it does nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(docker.io qemu-system-x86 qemu-utils debootstrap openssh-client e2fsprogs
          chromium fonts-dejavu-core procps iproute2 util-linux tar
          vagrant vagrant-libvirt libvirt-daemon-system libvirt-clients libarchive-tools
          collectd-core runsc podman lxc charliecloud-runtime
          sysbench fio stress-ng iperf3 sockperf redis-server redis-tools mariadb-server python3-numpy sqlite3 openssh-server)
# sysbench, fio, stress-ng, iperf3, sockperf, redis, mariadb: the micro and network suites on the native baseline with runtime 'host'
# (the worker image installs them from the workloads' manifests); python3-numpy and
# sqlite3: the independent references the workload tests compare against. openssh-server:
# the sshd of the test hosts (network namespaces the hosts test creates), never a service.

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "setup: must run as root (installs Debian packages, builds the worker image)" >&2; exit 2
  fi
else SUDO=""; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  # no package may start a service here (openssh-server would listen on every address)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod 755 /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT # also when the install fails
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

# libvirt re-probes QEMU on every call while /dev/kvm is root-only (30-100 s per
# VM start): give it to the kvm group, as udev does on a desktop install.
if [ -e /dev/kvm ] && [ "$(stat -c %G /dev/kvm)" != kvm ] && getent group kvm >/dev/null; then
  $SUDO chgrp kvm /dev/kvm && $SUDO chmod 660 /dev/kvm
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then echo "setup: Node.js 20 or newer is needed (found $(node --version 2>/dev/null || echo none))" >&2; exit 2; fi

# npm ci only when the lock file changed since the last install.
if ! cmp -s package-lock.json node_modules/.versus-lock 2>/dev/null; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.versus-lock
fi
echo "setup: building"
npm run --silent build
