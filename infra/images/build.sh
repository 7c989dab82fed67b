#!/usr/bin/env bash
# Builds the compose stack's images and the Docker sandbox's image here, where no image registry may
# answer: the base image (debian:bookworm-slim) is pulled, or else made with debootstrap from this
# machine's Debian mirror, with this machine's certificate authorities and pip index settings, so
# that apt and pip inside the builds reach the same package registries as the machine does.
# An image whose inputs (base, Dockerfile, context) are unchanged is kept.
#   infra/images/build.sh [postgres] [prefect] [object-store] [worker] [sandbox]   (default: all)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/infra/images
BASE=debian:bookworm-slim
SUITE=bookworm
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

say() { echo "images: $*"; }

if ! docker info >/dev/null 2>&1; then say "no Docker engine answers; nothing built" >&2; exit 1; fi

debian_mirror() {
  { sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n' || true
    sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
  } | grep -E '/debian/?$' | sed -n 1p
}

# pip's settings on this machine that a container can use too: indexes over HTTP(S) and trusted hosts.
pip_conf() {
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n'
  python3 -m pip config list 2>/dev/null \
    | sed -n "s/^[a-z:]*\.\(index-url\|extra-index-url\|trusted-host\)='\(.*\)'\$/\1 \2/p" \
    | while read -r key values; do
        kept=""
        for value in $values; do
          case $key:$value in trusted-host:*|*:http://*|*:https://*) kept="$kept $value" ;; esac
        done
        [ -z "$kept" ] || echo "$key =$kept"
      done
}

# The directories of wheels pip reads on this machine (find-links), e.g. torch's CPU build.
wheel_dirs() {
  python3 -m pip config list 2>/dev/null | sed -n "s/^[a-z:]*\.find-links='\(.*\)'\$/\1/p" | tr ' ' '\n' \
    | sed 's|^file://||' | sort -u | while read -r dir; do [ -d "$dir" ] && echo "$dir"; done
}

base_image() {
  docker image inspect "$BASE" >/dev/null 2>&1 && return
  if timeout 60 docker pull --quiet "$BASE" >/dev/null 2>&1; then say "pulled $BASE"; return; fi
  command -v debootstrap >/dev/null || { say "$BASE cannot be pulled and debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  local started=$SECONDS rootfs=$WORK/rootfs mirror
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { say "no Debian mirror in this machine's apt sources" >&2; exit 1; }
  debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log"; say "debootstrap failed" >&2; exit 1; }
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  pip_conf > "$rootfs/etc/pip.conf"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$rootfs"
  say "made $BASE with debootstrap in $((SECONDS - started)) s"
}

# build TAG DOCKERFILE CONTEXT: skipped when the image carries the same inputs label. The image the tag
# named before is removed once the new one has the tag (unless a container still uses it), so rebuilds
# leave no untagged copies behind.
build() {
  local tag=$1 dockerfile=$2 context=$3 inputs started=$SECONDS previous
  inputs=$( { docker image inspect --format '{{.Id}}' "$BASE"; sha256sum < "$dockerfile"
              (cd "$context" && find . -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum); } \
            | sha256sum | cut -c1-16)
  if [ "$(docker image inspect --format '{{index .Config.Labels "lbi.inputs"}}' "$tag" 2>/dev/null)" = "$inputs" ]; then
    say "$tag is up to date"; return
  fi
  previous=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  if ! docker build --network host --force-rm --label "lbi.inputs=$inputs" --tag "$tag" --file "$dockerfile" "$context" \
       > "$WORK/build.log" 2>&1; then
    tail -30 "$WORK/build.log"; say "building $tag failed" >&2; exit 1
  fi
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]; then
    docker image rm "$previous" >/dev/null 2>&1 || true
  fi
  say "built $tag in $((SECONDS - started)) s"
}

# The worker's context: the project's files and the machine's wheels.
worker_context() {
  local context=$WORK/worker
  mkdir -p "$context/wheels"
  tar -C "$ROOT" --exclude=__pycache__ --exclude='*.pyc' -c pyproject.toml README.md prefect.yaml lbi flows tasks db \
    | tar -C "$context" -x
  wheel_dirs | while read -r dir; do cp -l "$dir"/*.whl "$context/wheels/" 2>/dev/null || cp "$dir"/*.whl "$context/wheels/" 2>/dev/null || true; done
  echo "$context"
}

base_image
for name in "${@:-postgres prefect object-store worker sandbox}"; do
  for name in $name; do
    case $name in
      postgres) build lbi-postgres:18.6.3 "$HERE/postgres.Dockerfile" "$HERE" ;;
      prefect) build lbi-prefect:3.8.8 "$HERE/prefect-server.Dockerfile" "$HERE" ;;
      object-store) build lbi-object-store:5.2.6 "$HERE/object-store.Dockerfile" "$HERE" ;;
      worker) build lbi-worker:0.1.0 "$ROOT/infra/worker.Dockerfile" "$(worker_context)" ;;
      sandbox) build lbi-sandbox:1 "$ROOT/infra/sandbox/Dockerfile" "$ROOT/infra/sandbox" ;;
      *) say "unknown image '$name' (postgres, prefect, object-store, worker, sandbox)" >&2; exit 2 ;;
    esac
  done
done
