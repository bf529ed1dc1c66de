#!/usr/bin/env python3
"""Checks a rendered overlay (kubectl kustomize output) against what the services need.

    check.py RENDERED.yaml KUSTOMIZATION.yaml

kubernetes-validate proves the manifests are well-formed Kubernetes; this proves they deploy the
Patient Access services correctly: every service and its migration Job present; each container's
settings carry its own env prefix, its HTTP bind port matches the container port, required
settings are set (non-secret ones in the ConfigMap, secret ones in the Secret — or, for a Secret
the overlay does not generate, named with every key in the overlay's kustomization.yaml so the
operator knows what to create); nothing secret-looking sits in a ConfigMap; the restricted pod
security profile (non-root, read-only root, no privilege escalation, all capabilities dropped,
RuntimeDefault seccomp, no service-account token); requests and limits; probes; Services,
PodDisruptionBudgets and HorizontalPodAutoscalers point at existing Deployments, and a PDB never
blocks every drain. Exit status 1 with one line per problem.
"""

import base64
import re
import sys

import yaml

# Deployment (or Job) → (env prefix, HTTP port or None, image, required ConfigMap keys,
# required Secret keys). Keys are without the prefix. The same table is in deploy/README.md.
SERVICES = {
    "tenant-provisioning": (
        "PA_TP_", 8081, "tenant-provisioning",
        ["HTTP__BIND", "HTTP__PUBLIC_BASE_URL", "SETUP_LINKS__WIZARD_BASE_URL", "SMTP__HOST"],
        ["DATABASE__URL", "AMQP__URL", "SETUP_LINKS__TOKEN_KEY"],
    ),
    "consent": (
        "PA_CONSENT_", 8082, "consent",
        ["HTTP__BIND", "HTTP__PUBLIC_BASE_URL", "WEB__DIR", "ENTRA__CLIENT_ID",
         "WIZARD__FRONTEND_URL", "CONSOLE__BASE_URL", "SMTP__HOST"],
        ["DATABASE__URL", "AMQP__URL", "ENTRA__CREDENTIAL__SECRET"],
    ),
    "sync-dispatch": (
        "PA_SYNC_", 8083, "sync-dispatch",
        ["HTTP__BIND", "HTTP__PUBLIC_BASE_URL", "ENTRA__CLIENT_ID"],
        ["DATABASE__URL", "AMQP__URL", "ENTRA__CREDENTIAL__SECRET"],
    ),
    "sync-dispatch-worker": (
        "PA_SYNC_", 8083, "sync-dispatch",
        ["HTTP__BIND", "ENTRA__CLIENT_ID"],
        ["DATABASE__URL", "AMQP__URL", "ENTRA__CREDENTIAL__SECRET"],
    ),
    "admin-console": (
        "PA_CONSOLE_", 8084, "admin-console",
        ["HTTP__BIND", "HTTP__PUBLIC_BASE_URL", "WEB__DIR", "ENTRA__CLIENT_ID",
         "CONSOLE__FRONTEND_URL"],
        ["DATABASE__URL", "AMQP__URL", "ENTRA__CREDENTIAL__SECRET", "EMERGENCY__TOTP_KEY"],
    ),
    "pa-migrate": ("PA_MIGRATE_", None, "pa-migrate", [], ["DATABASE_URL"]),
}
# The PostgreSQL role each workload connects as (deploy/postgres/bootstrap-roles.sql, 0053):
# least privilege, so never the shared pa_app or the owner, except for the migration.
DB_ROLE = {
    "tenant-provisioning": "pa_tp", "consent": "pa_consent", "sync-dispatch": "pa_sync",
    "sync-dispatch-worker": "pa_sync", "admin-console": "pa_console", "pa-migrate": "pa_owner",
}
# Setting names that hold secrets: never in a ConfigMap.
SECRET_NAME = re.compile(r"(DATABASE_?_URL|AMQP__URL|PASSWORD|SECRET|TOKEN_KEY|TOTP_KEY|KEY_PEM)$")
# A URL with a password in it.
URL_WITH_PASSWORD = re.compile(r"://[^/@:\s]+:[^/@\s]+@")

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def main(rendered_path, kustomization_path):
    docs = [d for d in yaml.safe_load_all(open(rendered_path)) if d]
    kustomization_text = open(kustomization_path).read()
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    configmaps = by_kind.get("ConfigMap", {})
    secrets = by_kind.get("Secret", {})
    deployments = by_kind.get("Deployment", {})
    jobs = by_kind.get("Job", {})

    for ns in by_kind.get("Namespace", {}).values():
        labels = ns["metadata"].get("labels", {})
        if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
            problem(f"Namespace/{ns['metadata']['name']}", "pod security admission must enforce 'restricted'")

    for name in SERVICES:
        if name not in deployments and name not in jobs:
            problem("overlay", f"no Deployment or Job {name}")
    for name, workload in list(deployments.items()) + list(jobs.items()):
        if name not in SERVICES:
            problem(f"{workload['kind']}/{name}", "not a Patient Access service this check knows")
            continue
        check_workload(workload, configmaps, secrets, kustomization_text)

    for name, cm in configmaps.items():
        for key, value in (cm.get("data") or {}).items():
            if SECRET_NAME.search(key) or URL_WITH_PASSWORD.search(str(value)):
                problem(f"ConfigMap/{name}", f"{key} looks secret: put it in the Secret")

    for name, svc in by_kind.get("Service", {}).items():
        selector = svc["spec"].get("selector", {})
        targets = [d for d in deployments.values() if matches(selector, pod_labels(d))]
        if len(targets) != 1:
            problem(f"Service/{name}", f"selector {selector} matches {len(targets)} Deployments, not 1")
            continue
        ports = {p.get("name") for c in containers(targets[0]) for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            if isinstance(port["targetPort"], str) and port["targetPort"] not in ports:
                problem(f"Service/{name}", f"targetPort {port['targetPort']} is not a container port")

    hpa_min = {}
    for name, hpa in by_kind.get("HorizontalPodAutoscaler", {}).items():
        ref = hpa["spec"]["scaleTargetRef"]
        target = deployments.get(ref["name"]) if ref["kind"] == "Deployment" else None
        if target is None:
            problem(f"HorizontalPodAutoscaler/{name}", f"scales {ref['kind']}/{ref['name']}, which is not rendered")
            continue
        lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
        replicas = target["spec"].get("replicas", 1)
        if not lo <= replicas <= hi:
            problem(f"HorizontalPodAutoscaler/{name}", f"replicas {replicas} outside {lo}..{hi}")
        hpa_min[ref["name"]] = lo

    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        selector = pdb["spec"]["selector"]["matchLabels"]
        targets = [d for d in deployments.values() if matches(selector, pod_labels(d))]
        if len(targets) != 1:
            problem(f"PodDisruptionBudget/{name}", f"selects {len(targets)} Deployments, not 1")
            continue
        target = targets[0]
        fewest = hpa_min.get(target["metadata"]["name"], target["spec"].get("replicas", 1))
        if pdb["spec"].get("minAvailable", 0) >= fewest and fewest > 0:
            problem(f"PodDisruptionBudget/{name}", f"minAvailable {pdb['spec']['minAvailable']} with as few as {fewest} replicas blocks every drain")

    for p in problems:
        print(f"    problem: {p}")
    if not problems:
        external = sorted({ref for w in list(deployments.values()) + list(jobs.values())
                           for ref in secret_refs(w) if ref not in secrets})
        print(f"    checked {len(deployments)} Deployments, {len(jobs)} Job(s): settings, security, probes, references")
        if external:
            print(f"    Secrets to create before applying: {', '.join(external)}")
    return 1 if problems else 0


def check_workload(workload, configmaps, secrets, kustomization_text):
    kind, name = workload["kind"], workload["metadata"]["name"]
    where = f"{kind}/{name}"
    prefix, port, image, need_config, need_secret = SERVICES[name]
    pod = workload["spec"]["template"]["spec"]
    if pod.get("automountServiceAccountToken") is not False:
        problem(where, "mounts a service-account token (automountServiceAccountToken: false)")
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True or not psc.get("runAsUser"):
        problem(where, "must run as a non-root numeric user")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problem(where, "seccompProfile must be RuntimeDefault")
    for c in containers(workload):
        cwhere = f"{where} container {c['name']}"
        repo, _, tag = c["image"].rpartition(":")
        if not repo.endswith(f"patient-access/{image}") or not tag or tag == "latest":
            problem(cwhere, f"image {c['image']} is not patient-access/{image} with a pinned tag")
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False or sc.get("readOnlyRootFilesystem") is not True:
            problem(cwhere, "needs allowPrivilegeEscalation: false and readOnlyRootFilesystem: true")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            problem(cwhere, "must drop ALL capabilities")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(part, {}):
                    problem(cwhere, f"no {part}.{r}")
        if kind == "Deployment":
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe not in c:
                    problem(cwhere, f"no {probe}")
            if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
                problem(cwhere, "readiness must be /readyz (PostgreSQL and RabbitMQ reachable)")
            if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
                problem(cwhere, "liveness must be /healthz (a database outage must not restart pods)")
        settings, secret_keys = {}, set()
        for src in c.get("envFrom", []):
            if "configMapRef" in src:
                ref = src["configMapRef"]["name"]
                if ref not in configmaps:
                    problem(cwhere, f"ConfigMap {ref} is not rendered")
                    continue
                settings.update(configmaps[ref].get("data") or {})
            elif "secretRef" in src:
                ref = src["secretRef"]["name"]
                if ref in secrets:
                    data = secrets[ref].get("data") or {}
                    settings.update({k: base64.b64decode(v).decode() for k, v in data.items()})
                    secret_keys.update(data)
                else:
                    # Created out of band: the overlay must name it and every required key.
                    for key in [ref] + [prefix + k for k in need_secret]:
                        if key not in kustomization_text:
                            problem(cwhere, f"external Secret {ref}: {key} is not documented in the overlay's kustomization.yaml")
                    secret_keys.update(prefix + k for k in need_secret)
        for e in c.get("env", []):
            settings[e["name"]] = e.get("value", "<from valueFrom>")
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                secret_keys.add(e["name"])
                data = (secrets.get(ref["name"]) or {}).get("data") or {}
                if ref["key"] in data:
                    settings[e["name"]] = base64.b64decode(data[ref["key"]]).decode()
                else:
                    settings[e["name"]] = ""
                if ref["name"] not in secrets and (ref["name"] not in kustomization_text or ref["key"] not in kustomization_text):
                    problem(cwhere, f"external Secret {ref['name']}: {ref['key']} is not documented in the overlay's kustomization.yaml")
                elif ref["name"] in secrets and ref["key"] not in (secrets[ref["name"]].get("data") or {}):
                    problem(cwhere, f"Secret {ref['name']} has no key {ref['key']}")
        for key in settings:
            if not key.startswith(prefix) and key != "RUST_LOG":
                problem(cwhere, f"setting {key} lacks the service's prefix {prefix}")
        for key in need_config:
            if prefix + key not in settings:
                problem(cwhere, f"{prefix}{key} is not set")
            elif prefix + key in secret_keys:
                problem(cwhere, f"{prefix}{key} is not secret: put it in the ConfigMap")
        for key in need_secret:
            if prefix + key not in secret_keys:
                problem(cwhere, f"{prefix}{key} must come from a Secret")
        db_key = prefix + ("DATABASE_URL" if name == "pa-migrate" else "DATABASE__URL")
        url = settings.get(db_key, "")
        role = re.match(r"postgres(?:ql)?://([^:@/]+)", url)
        if url and (not role or role.group(1) != DB_ROLE[name]):
            problem(cwhere, f"{db_key} must connect as {DB_ROLE[name]}, not {role.group(1) if role else '?'}")
        if port is not None:
            bind = settings.get(prefix + "HTTP__BIND", "")
            declared = [p["containerPort"] for p in c.get("ports", []) if p.get("name") == "http"]
            if not bind.startswith("0.0.0.0:") or declared != [int(bind.rsplit(":", 1)[1] or 0)]:
                problem(cwhere, f"{prefix}HTTP__BIND={bind} must listen on 0.0.0.0 at the container port 'http' {declared}")


def containers(workload):
    return workload["spec"]["template"]["spec"]["containers"]


def pod_labels(deployment):
    return deployment["spec"]["template"]["metadata"].get("labels", {})


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def secret_refs(workload):
    for c in containers(workload):
        for src in c.get("envFrom", []):
            if "secretRef" in src:
                yield src["secretRef"]["name"]
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                yield ref["name"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
