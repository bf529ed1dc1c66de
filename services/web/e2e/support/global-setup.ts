// Once per run: the stack answers, and an operator key exists for provisioning tenants
// (`tenant-provisioning create-operator-key`, with the database URL `make up` started it with).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stack } from './stack';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', '..', '..');
export const operatorKeyFile = join(here, '..', '..', 'test-results', '.operator-key');

function envFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = line.match(/^(?:export\s+)?([A-Z0-9_]+)=(.*)$/);
    if (m) env[m[1]!] = m[2]!.replace(/^['"]|['"]$/g, '');
  }
  return env;
}

export default async function globalSetup() {
  for (const [name, url] of Object.entries(stack)) {
    const probe = name === 'sim' ? `${url}/_sim/info` : name === 'sink' ? `${url}/messages` : `${url}/healthz`;
    const res = await fetch(probe).catch(() => null);
    if (!res?.ok) throw new Error(`${name} does not answer at ${probe}: start the stack with \`make up\` first`);
  }
  const tpEnv = join(repoRoot, '.run', 'env', 'tenant-provisioning.env');
  const bin = join(repoRoot, 'target', 'debug', 'tenant-provisioning');
  if (!existsSync(tpEnv) || !existsSync(bin)) throw new Error(`${tpEnv} or ${bin} is missing: run \`make up\``);
  const env = envFile(tpEnv);
  const key = execFileSync(bin, ['create-operator-key', '--name', `e2e-${Date.now()}`], {
    env: { ...process.env, PA_TP_DATABASE__URL: env.PA_TP_DATABASE__URL ?? '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
  mkdirSync(dirname(operatorKeyFile), { recursive: true });
  writeFileSync(operatorKeyFile, key, { mode: 0o600 });
}
