#!/usr/bin/env bash
# Builds localhost/patient-access/<bin>:<tag> images from static release binaries (see Containerfile).
#   deploy/container/build.sh [--tag TAG] [BIN...]     default: tenant-provisioning pa-migrate, tag dev
# Needs podman (Debian's 4.3 works here with runtime=runc and cgroup_manager=cgroupfs; see
# shared engineering notes). A cold release build takes several minutes on 2 cores.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$PA_ROOT"

tag=dev
bins=()
while [ "$#" -gt 0 ]; do
    case "$1" in
    --tag)
        tag=$2
        shift 2
        ;;
    *)
        bins+=("$1")
        shift
        ;;
    esac
done
if [ "${#bins[@]}" -eq 0 ]; then bins=(tenant-provisioning pa-migrate); fi
command -v podman >/dev/null 2>&1 || die "podman not found (apt-get install podman)"

target=x86_64-unknown-linux-gnu
bin_args=()
for b in "${bins[@]}"; do bin_args+=(--bin "$b"); done
step "static release build: ${bins[*]}"
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target "$target" "${bin_args[@]}"

for b in "${bins[@]}"; do
    ctx="$PA_ROOT/target/container/$b"
    rm -rf "$ctx"
    mkdir -p "$ctx"
    cp "target/$target/release/$b" "$ctx/app"
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
    if readelf -l "$ctx/app" | grep 'program interpreter' >/dev/null; then
        die "$b is dynamically linked; it would not start in a scratch image"
    fi
    step "podman build localhost/patient-access/$b:$tag"
    podman build -f deploy/container/Containerfile --build-arg "BIN=$b" -t "localhost/patient-access/$b:$tag" "$ctx"
done
