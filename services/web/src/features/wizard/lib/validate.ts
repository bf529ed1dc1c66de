// Inline validation of what the admin types, before anything is sent (the server validates again
// and its problem, naming the field, is shown the same way).

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A DNS name with at least two labels: letters, digits and hyphens, no label starting or ending
// with a hyphen, a TLD of letters.
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const UPN = /^[^\s@]{1,113}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Why `value` is not an Entra tenant ID or a domain name (undefined when it is fine). */
export function directoryError(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Enter your tenant ID or one of your verified domains.';
  if (GUID.test(v) || DOMAIN.test(v)) return undefined;
  if (/^[0-9a-f-]{20,}$/i.test(v)) return 'A tenant ID has 32 hexadecimal digits in the form 00000000-0000-0000-0000-000000000000.';
  if (v.includes('@')) return 'Enter the domain only (the part after @), e.g. contoso.onmicrosoft.com.';
  if (/^https?:\/\//i.test(v)) return 'Enter the domain only, without https://.';
  return 'Enter a tenant ID (a GUID) or a domain name such as contoso.onmicrosoft.com.';
}

/** Why `value` is not a user principal name (undefined when it is fine). */
export function upnError(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Enter the administrator’s user principal name.';
  if (UPN.test(v)) return undefined;
  return 'A user principal name looks like an email address, e.g. dana@contoso.onmicrosoft.com.';
}
