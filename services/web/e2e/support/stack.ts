// Where the running local stack is (`make up`); overridable for another layout.
export const stack = {
  provisioning: process.env.PA_E2E_PROVISIONING_URL ?? 'http://127.0.0.1:8081',
  consent: process.env.PA_E2E_CONSENT_URL ?? 'http://127.0.0.1:8082',
  console: process.env.PA_E2E_CONSOLE_URL ?? 'http://127.0.0.1:8084',
  sim: process.env.PA_E2E_SIM_URL ?? 'http://127.0.0.1:8400',
  sink: process.env.PA_E2E_SINK_URL ?? 'http://127.0.0.1:8025',
};

export async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
