import { DOCUMENT } from '@angular/common';
import {
  HttpClient,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { csrfInterceptor } from './csrf.interceptor';

describe('csrfInterceptor', () => {
  let http: HttpClient;
  let controller: HttpTestingController;
  let cookie: string;

  beforeEach(() => {
    cookie = 'other=1; vr_csrf=abc%2F123; theme=dark';
    const fakeDocument = {
      get cookie() {
        return cookie;
      },
    };
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([csrfInterceptor])),
        provideHttpClientTesting(),
        { provide: DOCUMENT, useValue: fakeDocument },
      ],
    });
    http = TestBed.inject(HttpClient);
    controller = TestBed.inject(HttpTestingController);
  });

  afterEach(() => controller.verify());

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
    'sends the cookie value as X-CSRF-Token on %s',
    async (method) => {
      const done = firstValueFrom(
        http.request(method, '/api/stacks', { body: {} }),
      );
      const request = controller.expectOne('/api/stacks');
      expect(request.request.headers.get('X-CSRF-Token')).toBe('abc/123');
      expect(request.request.withCredentials).toBe(true);
      request.flush({});
      await done;
    },
  );

  it('sends no token on GET but still sends credentials', async () => {
    const done = firstValueFrom(http.get('/api/stacks'));
    const request = controller.expectOne('/api/stacks');
    expect(request.request.headers.has('X-CSRF-Token')).toBe(false);
    expect(request.request.withCredentials).toBe(true);
    request.flush([]);
    await done;
  });

  it('sends no header when the cookie is absent (before login)', async () => {
    cookie = 'other=1';
    const done = firstValueFrom(http.post('/api/auth/login', {}));
    const request = controller.expectOne('/api/auth/login');
    expect(request.request.headers.has('X-CSRF-Token')).toBe(false);
    request.flush({});
    await done;
  });

  it('never sends the token or cookies to another origin', async () => {
    const done = firstValueFrom(http.post('https://example.com/api/x', {}));
    const request = controller.expectOne('https://example.com/api/x');
    expect(request.request.headers.has('X-CSRF-Token')).toBe(false);
    expect(request.request.withCredentials).toBe(false);
    request.flush({});
    await done;
  });
});
