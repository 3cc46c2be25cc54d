import {
  CSRF_COOKIE,
  CSRF_HEADER,
  isFinished,
  SESSION_COOKIE,
  type CreateStackRequest,
  type CreatedApiToken,
  type Image,
  type SaveStackResponse,
  type Stack,
} from '@velociraptor/domain';
import { eventually } from './processes';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} → HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** A small REST client for the tests, authenticated with an API token. */
export class ApiClient {
  token = '';

  constructor(readonly baseUrl: string) {}

  /** Signs in with the password, creates an API token and returns it. */
  async createAdminToken(username: string, password: string): Promise<string> {
    const login = await fetch(`${this.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (login.status !== 200)
      throw new ApiError(login.status, await login.text(), 'login');
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]);
    const csrf =
      cookies.find((c) => c.startsWith(`${CSRF_COOKIE}=`))?.split('=')[1] ?? '';
    const session = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    const res = await fetch(`${this.baseUrl}/api/tokens`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: cookies.join('; '),
        [CSRF_HEADER]: decodeURIComponent(csrf),
      },
      body: JSON.stringify({ name: 'e2e' }),
    });
    if (res.status !== 201 || !session)
      throw new ApiError(res.status, await res.text(), 'create token');
    return ((await res.json()) as CreatedApiToken).token;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    const parsed: unknown =
      text && res.headers.get('content-type')?.includes('json')
        ? JSON.parse(text)
        : text;
    if (res.status >= 400)
      throw new ApiError(res.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  raw(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  createStack(stack: CreateStackRequest): Promise<SaveStackResponse> {
    return this.request('POST', '/stacks', stack);
  }

  getStack(idOrName: string): Promise<Stack> {
    return this.request('GET', `/stacks/${idOrName}`);
  }

  build(stack: string): Promise<Image> {
    return this.request('POST', `/stacks/${stack}/builds`);
  }

  image(id: string): Promise<Image> {
    return this.request('GET', `/images/${id}`);
  }

  images(stack: string): Promise<Image[]> {
    return this.request('GET', `/stacks/${stack}/images`);
  }

  cancel(id: string): Promise<Image> {
    return this.request('POST', `/images/${id}/cancel`);
  }

  activate(id: string): Promise<Image> {
    return this.request('POST', `/images/${id}/activate`);
  }

  deleteImage(id: string): Promise<string> {
    return this.request('DELETE', `/images/${id}`);
  }

  async log(id: string): Promise<string> {
    const res = await this.raw('GET', `/images/${id}/log`);
    if (res.status !== 200)
      throw new ApiError(res.status, await res.text(), 'log');
    return res.text();
  }

  /** Waits until the image has one of `statuses` (by default: any final one). */
  waitForImage(
    id: string,
    statuses: readonly Image['status'][] | 'finished' = 'finished',
    timeoutMs = 300_000,
  ): Promise<Image> {
    return eventually(
      `image ${id} to be ${String(statuses)}`,
      async () => {
        const image = await this.image(id);
        const done =
          statuses === 'finished'
            ? isFinished(image.status)
            : statuses.includes(image.status);
        return done ? image : undefined;
      },
      timeoutMs,
      250,
    );
  }
}
