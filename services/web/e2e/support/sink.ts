// The SMTP sink's read API (tests/smtp-sink): the mails the services sent.
import { expect } from '@playwright/test';
import { json, stack } from './stack';

export interface Mail {
  id: number;
  rcpt_to: string[];
  subject: string | null;
  links: string[];
  text_body: string | null;
}

export async function mailsTo(to: string): Promise<Mail[]> {
  const res = await fetch(`${stack.sink}/messages?to=${encodeURIComponent(to)}`);
  return json<Mail[]>(res, 'smtp sink');
}

/** The first link matching `pattern` in the newest mail to `to`, waiting for it to arrive. */
export async function linkMailedTo(to: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(
      async () => {
        for (const m of (await mailsTo(to)).reverse()) {
          const link = m.links.find((l) => pattern.test(l)) ?? (m.text_body ?? '').match(pattern)?.[0];
          if (link) {
            found = link;
            return true;
          }
        }
        return false;
      },
      { timeout: timeoutMs, message: `a mail to ${to} with a link matching ${pattern}` },
    )
    .toBe(true);
  return found!;
}
