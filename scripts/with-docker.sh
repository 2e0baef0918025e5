#!/usr/bin/env bash
# Runs a command with a Docker Engine answering. Starts dockerd when none answers
# (no default bridge, no iptables: workload containers run without a network) and
# stops it afterwards; an engine that was already running is left alone.
set -uo pipefail
if [ $# -eq 0 ]; then echo "usage: with-docker.sh COMMAND [ARGS...]" >&2; exit 2; fi

started_pid=""
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null; then echo "with-docker: dockerd missing (run scripts/setup.sh)" >&2; exit 2; fi
  log=/var/log/versus-dockerd.log
  # gVisor's runsc as an OCI runtime of this engine (the gvisor environment): the ptrace
  # platform works without KVM; --network=none, or runsc refuses a network-less container
  # in the root network namespace. runsc-net: the same with --network=host, for workers with
  # a network (the namespace the engine made for the container; runsc's own stack refuses here)
  config=/run/versus-dockerd.json
  if command -v runsc >/dev/null; then
    r=$(command -v runsc)
    printf '{"runtimes": {"runsc": {"path": "%s", "runtimeArgs": ["--platform=ptrace", "--network=none"]}, "runsc-net": {"path": "%s", "runtimeArgs": ["--platform=ptrace", "--network=host"]}}}\n' "$r" "$r" >"$config"
  else
    echo '{}' >"$config"
  fi
  echo "with-docker: starting dockerd (log: $log)"
  dockerd --config-file "$config" --bridge=none --iptables=false --ip6tables=false >"$log" 2>&1 &
  started_pid=$!
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    if ! kill -0 "$started_pid" 2>/dev/null; then echo "with-docker: dockerd exited; see $log" >&2; tail -5 "$log" >&2; exit 1; fi
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "with-docker: dockerd did not answer within 30 s; see $log" >&2; kill "$started_pid"; exit 1; }
fi

stop_engine() {
  if [ -n "$started_pid" ] && kill -0 "$started_pid" 2>/dev/null; then
    echo "with-docker: stopping the dockerd it started"
    kill "$started_pid"
    for _ in $(seq 1 40); do kill -0 "$started_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$started_pid" 2>/dev/null || true
  fi
}
trap stop_engine EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$@"
