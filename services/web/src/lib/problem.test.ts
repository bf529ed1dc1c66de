import { describe, expect, it } from 'vitest';
import { ApiProblem, unwrap } from './problem';

describe('problem details', () => {
  it('names the field a problem points at', () => {
    const p = new ApiProblem(422, {
      code: 'invalid_field',
      title: 'Invalid field',
      detail: 'directory is not a GUID or domain',
      errors: [{ field: 'directory', message: 'not a GUID or a domain name' }],
    });
    expect(p.code).toBe('invalid_field');
    expect(p.fieldError('directory')).toBe('not a GUID or a domain name');
    expect(p.fieldError('upn')).toBeUndefined();
    expect(p.message).toBe('directory is not a GUID or domain');
  });

  it('unwrap throws the problem of a failed response and returns the data of a good one', () => {
    const bad = { error: { code: 'conflict', title: 'Conflict' }, response: new Response(null, { status: 409 }) };
    expect(() => unwrap(bad)).toThrow(ApiProblem);
    expect(unwrap({ data: { ok: 1 }, response: new Response(null, { status: 200 }) })).toEqual({ ok: 1 });
  });
});
