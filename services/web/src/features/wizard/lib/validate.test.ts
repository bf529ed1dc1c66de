import { describe, expect, it } from 'vitest';
import { directoryError, upnError } from './validate';

describe('directory entry', () => {
  it('accepts a tenant GUID and a domain name', () => {
    expect(directoryError('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBeUndefined();
    expect(directoryError(' contosohealth.onmicrosoft.com ')).toBeUndefined();
    expect(directoryError('clinic.example.org')).toBeUndefined();
  });
  it('explains what is wrong with a malformed value', () => {
    expect(directoryError('')).toMatch(/Enter your tenant ID/);
    expect(directoryError('72f988bf-86f1-41af-91ab-2d7cd011db4')).toMatch(/32 hexadecimal digits/);
    expect(directoryError('admin@contoso.com')).toMatch(/domain only/);
    expect(directoryError('https://contoso.com')).toMatch(/without https/);
    expect(directoryError('not a domain')).toMatch(/tenant ID \(a GUID\) or a domain/);
  });
});

describe('user principal name', () => {
  it('accepts name@domain and refuses anything else', () => {
    expect(upnError('dana@contoso.onmicrosoft.com')).toBeUndefined();
    expect(upnError('dana')).toMatch(/looks like an email/);
    expect(upnError('')).toMatch(/Enter/);
  });
});
