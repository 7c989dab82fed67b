#!/usr/bin/env bash
# Starts a Docker engine here when none answers and this machine can run one (root with apt-get:
# Debian's docker.io, debootstrap for the base image, docker-compose are installed when missing),
# for the compose stack's test and the Docker sandbox. Says on one line why when it cannot; exits 0.
set -uo pipefail
LOG=/var/log/lbi-dockerd.log

docker info >/dev/null 2>&1 && { echo "docker: the engine answers"; exit 0; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=""
  for package in docker.io debootstrap docker-compose; do dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"; done
  if [ -n "$missing" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1) \
      || { echo "docker: no engine here (could not install$missing)"; exit 0; }
  fi
fi
command -v dockerd >/dev/null || { echo "docker: no engine here (dockerd is not installed and cannot be as $(id -un))"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "docker: no engine here (dockerd needs root)"; exit 0; }
setsid dockerd >"$LOG" 2>&1 </dev/null &
for _ in $(seq 60); do
  if docker info >/dev/null 2>&1; then echo "docker: engine started (log: $LOG)"; exit 0; fi
  kill -0 $! 2>/dev/null || break
  sleep 1
done
echo "docker: no engine here (dockerd did not start: $(tail -n 1 "$LOG" 2>/dev/null))"
