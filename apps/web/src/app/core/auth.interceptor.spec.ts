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
import { Router, provideRouter } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { authInterceptor } from './auth.interceptor';
import { AuthService } from './auth.service';
import { safeReturnUrl } from './guards';

describe('authInterceptor', () => {
  let http: HttpClient;
  let controller: HttpTestingController;
  let navigate: jest.SpyInstance;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    http = TestBed.inject(HttpClient);
    controller = TestBed.inject(HttpTestingController);
    navigate = jest
      .spyOn(TestBed.inject(Router), 'navigate')
      .mockResolvedValue(true);
  });

  afterEach(() => controller.verify());

  it('sends the user to the login page with a return URL on 401', async () => {
    const done = firstValueFrom(http.get('/api/stacks')).catch(
      (e: unknown) => e,
    );
    controller
      .expectOne('/api/stacks')
      .flush(
        { statusCode: 401, message: 'Unauthorized' },
        { status: 401, statusText: 'Unauthorized' },
      );
    await done;
    expect(navigate).toHaveBeenCalledWith(['/login'], {
      queryParams: { returnUrl: '/' },
    });
    expect(TestBed.inject(AuthService).user()).toBeNull();
  });

  it('leaves a failed login to the login page', async () => {
    const done = firstValueFrom(http.post('/api/auth/login', {})).catch(
      (e: unknown) => e,
    );
    controller
      .expectOne('/api/auth/login')
      .flush({}, { status: 401, statusText: 'Unauthorized' });
    await done;
    expect(navigate).not.toHaveBeenCalled();
  });

  it('does not redirect on other errors', async () => {
    const done = firstValueFrom(http.get('/api/stacks')).catch(
      (e: unknown) => e,
    );
    controller
      .expectOne('/api/stacks')
      .flush({}, { status: 403, statusText: 'Forbidden' });
    await done;
    expect(navigate).not.toHaveBeenCalled();
  });
});

describe('safeReturnUrl', () => {
  it('follows only paths inside the app', () => {
    expect(safeReturnUrl('/stacks/base')).toBe('/stacks/base');
    expect(safeReturnUrl('//evil.example')).toBe('/stacks');
    expect(safeReturnUrl('https://evil.example')).toBe('/stacks');
    expect(safeReturnUrl('/\\evil.example')).toBe('/stacks');
    expect(safeReturnUrl(null)).toBe('/stacks');
  });
});
