// RFC 9457 problem details as our services send them (pa_http::Problem): a stable `code`, and
// `errors` naming each field. The generated clients type the bodies; this narrows any error body.

export interface FieldProblem {
  field: string;
  message: string;
  code?: string | null;
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldProblem[];
  readonly body: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const title = typeof b.title === 'string' ? b.title : `Request failed (${status})`;
    super(typeof b.detail === 'string' ? b.detail : title);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = typeof b.code === 'string' ? b.code : 'unknown';
    this.title = title;
    this.detail = typeof b.detail === 'string' ? b.detail : undefined;
    this.errors = Array.isArray(b.errors) ? b.errors.filter(isFieldProblem) : [];
    this.body = b;
  }

  /** The message for one field (`field` or a path under it), if the problem names it. */
  fieldError(field: string): string | undefined {
    const hit = this.errors.find((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`));
    return hit?.message;
  }
}

function isFieldProblem(e: unknown): e is FieldProblem {
  return typeof e === 'object' && e !== null && typeof (e as FieldProblem).field === 'string' && typeof (e as FieldProblem).message === 'string';
}

/** Unwraps an openapi-fetch result: the data, or an ApiProblem thrown. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.error === undefined) return result.data as T;
  throw new ApiProblem(result.response.status, result.error);
}

export function isProblem(e: unknown, code?: string): e is ApiProblem {
  return e instanceof ApiProblem && (code === undefined || e.code === code);
}

/** The text to show for any error. */
export function problemMessage(e: unknown): string {
  if (e instanceof ApiProblem) return e.detail ?? e.title;
  if (e instanceof Error) return e.message;
  return 'Something went wrong.';
}
