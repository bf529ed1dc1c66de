#!/usr/bin/env bash
# Builds localhost/patient-access/<bin>:<tag> scratch images from static release binaries
# (see Containerfile). Nothing is pulled from a registry.
#   deploy/container/build.sh [--tag TAG] [--git REV | --no-cargo] [BIN...]
#       BIN: tenant-provisioning consent sync-dispatch admin-console pa-migrate (default: all five)
#       --git REV   build the committed source of REV (exported with git archive into
#                   target/container/src), not the working tree: reproducible, and unaffected
#                   by half-done edits in a shared tree (the target dir is shared, so only the
#                   workspace's own crates build again)
#       --no-cargo  package the binaries already in target/x86_64-unknown-linux-gnu/release
# consent and admin-console also get the web front-end (services/web/dist, built with npm when
# missing) at /web. Needs podman: Debian's 4.3 with runtime=runc and cgroup_manager=cgroupfs
# (deploy/container/containers.conf, used unless CONTAINERS_CONF is set). A cold release build
# takes 10+ minutes on 2 cores; later ones only rebuild the workspace's crates.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$PA_ROOT"

ALL_BINS=(tenant-provisioning consent sync-dispatch admin-console pa-migrate)
WEB_BINS=" consent admin-console "
tag=dev
cargo_build=true
git_rev=""
bins=()
while [ "$#" -gt 0 ]; do
    case "$1" in
    --tag)
        tag=$2
        shift 2
        ;;
    --no-cargo)
        cargo_build=false
        shift
        ;;
    --git)
        git_rev=$2
        shift 2
        ;;
    -*) die "unknown option $1" ;;
    *)
        bins+=("$1")
        shift
        ;;
    esac
done
if [ "${#bins[@]}" -eq 0 ]; then bins=("${ALL_BINS[@]}"); fi
command -v podman >/dev/null 2>&1 || die "podman not found (apt-get install podman runc)"
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PA_ROOT/deploy/container/containers.conf}

target=x86_64-unknown-linux-gnu
release="$PA_ROOT/target/$target/release"
if [ "$cargo_build" = true ]; then
    bin_args=()
    for b in "${bins[@]}"; do bin_args+=(--bin "$b"); done
    manifest=(--manifest-path "$PA_ROOT/Cargo.toml")
    if [ -n "$git_rev" ]; then
        commit=$(git rev-parse --verify "$git_rev^{commit}") || die "no commit $git_rev"
        src="$PA_ROOT/target/container/src"
        rm -rf "$src"
        mkdir -p "$src"
        git archive "$commit" | tar -x -C "$src"
        manifest=(--manifest-path "$src/Cargo.toml")
        step "static release build of ${commit:0:12} (git archive): ${bins[*]}"
    else
        step "static release build of the working tree: ${bins[*]}"
    fi
    # --target keeps these flags away from build scripts and proc macros (and from everyone
    # else's target/release).
    RUSTFLAGS='-C target-feature=+crt-static' CARGO_TARGET_DIR="$PA_ROOT/target" \
        cargo build "${manifest[@]}" --release --target "$target" "${bin_args[@]}"
fi

for b in "${bins[@]}"; do
    if [[ "$WEB_BINS" == *" $b "* ]] && [ ! -f services/web/dist/index.html ]; then
        step "building the web front-end (services/web/dist)"
        command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 or newer"
        (cd services/web && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } &&
            npm run --silent build >/dev/null) || die "building services/web failed"
        break
    fi
done

for b in "${bins[@]}"; do
    [ -x "$release/$b" ] || die "$release/$b missing (run without --no-cargo)"
    if readelf -l "$release/$b" | grep -q 'program interpreter'; then
        die "$b is dynamically linked; it would not start in a scratch image"
    fi
    ctx="$PA_ROOT/target/container/$b"
    rm -rf "$ctx"
    mkdir -p "$ctx/rootfs/etc/ssl/certs"
    # Line tables stay in target/ for backtraces; the image gets the binary without them.
    objcopy --strip-debug "$release/$b" "$ctx/rootfs/app"
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
    if [[ "$WEB_BINS" == *" $b "* ]]; then
        cp -r services/web/dist "$ctx/rootfs/web"
    fi
    step "podman build localhost/patient-access/$b:$tag"
    podman build --quiet -f deploy/container/Containerfile --build-arg "BIN=$b" \
        -t "localhost/patient-access/$b:$tag" "$ctx" >/dev/null
    size=$(podman image inspect --format '{{.Size}}' "localhost/patient-access/$b:$tag")
    info "localhost/patient-access/$b:$tag  $((size / 1024 / 1024)) MiB"
done
