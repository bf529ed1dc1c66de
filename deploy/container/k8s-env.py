#!/usr/bin/env python3
"""Prints the environment a Deployment's (or Job's) first container gets in a rendered overlay.

    k8s-env.py RENDERED.yaml WORKLOAD [KEY=VALUE ...]
    k8s-env.py --limits RENDERED.yaml WORKLOAD      podman flags for the container's limits

Resolves `envFrom` (ConfigMaps, Secrets — base64-decoded) and `env` (values and keys of
rendered ConfigMaps/Secrets) the way the kubelet does (later sources win), then applies the
KEY=VALUE overrides. Output: KEY=VALUE lines for `podman run --env-file`. An override of a key
the manifests do not set is an error unless the key ends with `+` (KEY+=VALUE adds it), so a
renamed setting cannot slip through unnoticed; KEY- removes a key the manifests set. images-check.sh uses it so the containers run
with the very settings the manifests give them, only re-pointed at the host.
"""

import base64
import sys

import yaml


def main(rendered, workload, overrides):
    objs, container = load(rendered, workload)
    env = {}
    for src in container.get("envFrom", []):
        if "configMapRef" in src:
            env.update(data_of(objs, "ConfigMap", src["configMapRef"]["name"]))
        elif "secretRef" in src:
            env.update(data_of(objs, "Secret", src["secretRef"]["name"]))
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
            continue
        ref = e.get("valueFrom", {})
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            if key in ref:
                env[e["name"]] = data_of(objs, kind, ref[key]["name"])[ref[key]["key"]]
    for item in overrides:
        if "=" not in item and item.endswith("-"):
            if env.pop(item[:-1], None) is None:
                sys.exit(f"k8s-env.py: {workload}: removal of {item[:-1]}, which the manifests do not set")
            continue
        key, _, value = item.partition("=")
        if key.endswith("+"):
            key = key[:-1]
        elif key not in env:
            sys.exit(f"k8s-env.py: {workload}: override of {key}, which the manifests do not set")
        env[key] = value
    for key in sorted(env):
        if "\n" in env[key]:
            sys.exit(f"k8s-env.py: {key} holds a newline; --env-file cannot carry it")
        print(f"{key}={env[key]}")


def load(rendered, workload):
    docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
    objs = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    target = objs.get(("Deployment", workload)) or objs.get(("Job", workload))
    if target is None:
        sys.exit(f"k8s-env.py: no Deployment or Job {workload} in {rendered}")
    return objs, target["spec"]["template"]["spec"]["containers"][0]


def limits(rendered, workload):
    """`--memory … --cpus …` from the container's resource limits (Mi/Gi, cores or millicores)."""
    _, container = load(rendered, workload)
    lim = container.get("resources", {}).get("limits", {})
    flags = []
    memory = str(lim.get("memory", ""))
    units = {"Ki": "k", "Mi": "m", "Gi": "g"}
    if memory[-2:] in units:
        flags += ["--memory", memory[:-2] + units[memory[-2:]]]
    cpu = str(lim.get("cpu", ""))
    if cpu:
        flags += ["--cpus", str(int(cpu[:-1]) / 1000) if cpu.endswith("m") else cpu]
    print(" ".join(flags))


def data_of(objs, kind, name):
    obj = objs.get((kind, name))
    if obj is None:
        sys.exit(f"k8s-env.py: {kind} {name} is not rendered")
    data = dict(obj.get("data") or {})
    if kind == "Secret":
        data = {k: base64.b64decode(v).decode() for k, v in data.items()}
        data.update(obj.get("stringData") or {})
    return data


if __name__ == "__main__":
    if sys.argv[1] == "--limits":
        limits(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1], sys.argv[2], sys.argv[3:])
