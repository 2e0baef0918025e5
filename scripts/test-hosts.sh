#!/usr/bin/env bash
# Test hosts on this machine, for the many-hosts tests: network namespaces vs-h1 … vs-hN
# on a bridge in the namespace vs-lan (10.88.0.0/24, addresses inside these namespaces
# only), each host with its own sshd and its own dockerd (own data-root, exec-root,
# socket, pid file, cgroup parent, containerd namespace). The harness reaches a host's
# sshd through a proxy command that runs in vs-lan (printed by `up`), as it would
# reach a real machine through a jump host. Daemons enter the host's network namespace
# alone (nsenter --net): `ip netns exec` would also hide the cgroup mounts under a fresh /sys.
# Each host keeps versus's files (VM disks, image tree, workloads) in a cache folder of
# its own under /var/lib/versus-hosts, kept across `down` like the engines' images.
#   scripts/test-hosts.sh up N     start (or keep) N hosts; prints one JSON line per host
#   scripts/test-hosts.sh down     stop every daemon and remove the namespaces (image caches stay)
#   scripts/test-hosts.sh kill-docker NAME   stop one host's dockerd (a failing host)
#   scripts/test-hosts.sh unplug NAME | plug NAME   take a host off the network and back (SSH lost)
set -euo pipefail
RUN=/run/versus-hosts
LIB=/var/lib/versus-hosts
LAN=vs-lan
KEY=$LIB/id_ed25519
PROXY="$(cd "$(dirname "$0")" && pwd)/test-host-proxy.mjs"

addr() { echo "10.88.0.$1"; }

up_lan() {
  ip netns list | grep -qw "$LAN" && return 0
  ip netns add "$LAN"
  ip -n "$LAN" link set lo up
  ip -n "$LAN" link add br0 type bridge
  ip -n "$LAN" addr add 10.88.0.254/24 dev br0
  ip -n "$LAN" link set br0 up
}

up_host() {
  local i=$1 ns="vs-h$1" dir="$RUN/h$1" lib="$LIB/h$1"
  mkdir -p "$dir" "$lib" /run/sshd
  if ! ip netns list | grep -qw "$ns"; then
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "vs-h$i-eth0" netns "$ns" type veth peer name "vs-h$i-br" netns "$LAN"
    ip -n "$LAN" link set "vs-h$i-br" master br0 up
    ip -n "$ns" addr add "$(addr "$i")/24" dev "vs-h$i-eth0"
    ip -n "$ns" link set "vs-h$i-eth0" up
  fi
  [ -f "$lib/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$lib/ssh_host_ed25519_key"
  cat >"$dir/sshd_config" <<CONF
ListenAddress $(addr "$i")
Port 22
HostKey $lib/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $LIB/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
SetEnv DOCKER_HOST=unix://$dir/docker.sock
Subsystem sftp internal-sftp
CONF
  if ! { [ -f "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; }; then
    nsenter --net="/run/netns/$ns" /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
  fi
  if ! docker -H "unix://$dir/docker.sock" info >/dev/null 2>&1; then
    # gVisor's runsc as this engine's runtimes (runsc-net for workers with a network), as scripts/with-docker.sh registers them
    if command -v runsc >/dev/null; then
      printf '{"runtimes": {"runsc": {"path": "%s", "runtimeArgs": ["--platform=ptrace", "--network=none"]}, "runsc-net": {"path": "%s", "runtimeArgs": ["--platform=ptrace", "--network=host"]}}}\n' "$(command -v runsc)" "$(command -v runsc)" >"$dir/daemon.json"
    else echo '{}' >"$dir/daemon.json"; fi
    nsenter --net="/run/netns/$ns" dockerd --config-file "$dir/daemon.json" --data-root "$lib/docker" --exec-root "$dir/exec" \
      --pidfile "$dir/docker.pid" -H "unix://$dir/docker.sock" --shutdown-timeout 2 --bridge=none --iptables=false --ip6tables=false \
      --cgroup-parent "/versus-h$i" --containerd-namespace "versus-h$i" --containerd-plugins-namespace "versus-h$i-plugins" \
      >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do
      docker -H "unix://$dir/docker.sock" info >/dev/null 2>&1 && break
      sleep 0.5
    done
    docker -H "unix://$dir/docker.sock" info >/dev/null 2>&1 || { echo "test-hosts: dockerd of $ns did not start; see $dir/dockerd.log" >&2; tail -5 "$dir/dockerd.log" >&2; exit 1; }
  fi
  printf '{"name":"h%s","address":"%s","key":"%s","hostKey":"%s","dockerSocket":"%s","cacheDir":"%s","proxyCommand":["nsenter","--net=/run/netns/%s","node","%s","%s","22"]}\n' \
    "$i" "$(addr "$i")" "$KEY" "$(cut -d' ' -f2 "$lib/ssh_host_ed25519_key.pub")" "$dir/docker.sock" "$lib/cache" "$LAN" "$PROXY" "$(addr "$i")"
}

stop_pidfile() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "${1:-}" in
  up)
    n=${2:-2}
    mkdir -p "$LIB" "$RUN"
    [ -f "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -f "$KEY"
    cp "$KEY.pub" "$LIB/authorized_keys"
    up_lan
    for i in $(seq 1 "$n"); do up_host "$i"; done
    ;;
  kill-docker)
    # the engine crashes and takes its containers with it: dockerd, its containerd and
    # shims, and every process in the host's cgroup parent, all SIGKILLed
    h=${2#vs-}; dir="$RUN/$h"
    [ -f "$dir/docker.pid" ] && kill -9 "$(cat "$dir/docker.pid")" 2>/dev/null || true
    pkill -9 -f -- "$dir/exec" || true
    pkill -9 -f -- "-namespace versus-$h( |$)" || true
    for f in /proc/[0-9]*/cgroup; do
      grep -q "/versus-$h/" "$f" 2>/dev/null && { p=${f#/proc/}; kill -9 "${p%/cgroup}" 2>/dev/null || true; }
    done
    rm -f "$dir/docker.pid"
    ;;
  unplug|plug)
    h=${2#vs-}
    ip -n "vs-$h" link set "vs-$h-eth0" "$([ "$1" = unplug ] && echo down || echo up)"
    ;;
  down)
    for dir in "$RUN"/h*; do
      [ -d "$dir" ] || continue
      stop_pidfile "$dir/docker.pid"
      stop_pidfile "$dir/sshd.pid"
    done
    for ns in $(ip netns list | awk '{print $1}' | grep -E '^vs-(h[0-9]+|lan)$' || true); do ip netns del "$ns"; done
    # the engines' cgroup parents, empty once they stopped (a killed engine leaves its containers' folders: depth first)
    for d in /sys/fs/cgroup/*/versus-h[0-9]* /sys/fs/cgroup/versus-h[0-9]*; do
      [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    rm -rf "$RUN"
    ;;
  *)
    echo "usage: test-hosts.sh up N | down | kill-docker NAME | unplug NAME | plug NAME" >&2; exit 2 ;;
esac
