import type { Session } from './session.ts';

/** How the console reaches the API: the same app, in process, with the browser's connection info. */
export type ApiFetch = (request: Request, env: unknown) => Response | Promise<Response>;

export interface ApiReply<T> {
  status: number;
  ok: boolean;
  body: T;
  headers: Headers;
}

/** An RFC 9457 problem as the API sends it. */
export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}

/** A failed API call, rendered by the console as an error page with the API's own status. */
export class ApiFailure extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

const ORIGIN = 'http://console.internal';

/**
 * The API as the signed-in user: every call carries the session's credential, so the API's
 * authentication, rate limits, authorization and audit trail apply exactly as for any client.
 */
export class ConsoleApi {
  constructor(
    private readonly fetchApi: ApiFetch,
    private readonly session: Session,
    private readonly env: unknown,
    private readonly userAgent: string | undefined,
  ) {}

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${this.session.token}`,
        ...(this.userAgent ? { 'user-agent': this.userAgent } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    return Promise.resolve(this.fetchApi(new Request(ORIGIN + path, init), this.env));
  }

  /** A JSON call; a problem answer throws ApiFailure. */
  async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiReply<T>> {
    const res = await this.request(method, path, body, headers);
    const parsed: unknown = await res.json().catch(() => null);
    if (!res.ok) throw new ApiFailure(asProblem(res.status, parsed));
    return { status: res.status, ok: true, body: parsed as T, headers: res.headers };
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path).then((r) => r.body);
  }
}

function asProblem(status: number, body: unknown): Problem {
  const p = (body ?? {}) as Partial<Problem>;
  return { status, code: typeof p.code === 'string' ? p.code : 'error', detail: typeof p.detail === 'string' ? p.detail : `the API answered ${status}`, ...(p.title ? { title: p.title } : {}), ...(Array.isArray(p.errors) ? { errors: p.errors } : {}) };
}

/** A query string of the non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
