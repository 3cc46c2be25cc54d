import { HttpClient } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import {
  roleAtLeast,
  type LoginRequest,
  type User,
} from '@velociraptor/domain';
import { firstValueFrom } from 'rxjs';
import { toApiError } from './api-error';

/** The signed-in user. `undefined` until the first /api/auth/me answer, `null` when signed out. */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);
  private readonly state = signal<User | null | undefined>(undefined);
  private loading: Promise<User | null> | null = null;

  readonly user = this.state.asReadonly();
  readonly canWrite = computed(() => {
    const user = this.state();
    return user ? roleAtLeast(user.role, 'member') : false;
  });
  readonly isAdmin = computed(() => this.state()?.role === 'admin');

  /** Loads the session once; resolves null when not signed in, rejects when the API is unreachable. */
  ensureLoaded(): Promise<User | null> {
    const known = this.state();
    if (known !== undefined) return Promise.resolve(known);
    this.loading ??= firstValueFrom(this.http.get<User>('/api/auth/me')).then(
      (user) => {
        this.state.set(user);
        return user;
      },
      (error: unknown) => {
        this.loading = null;
        const apiError = toApiError(error);
        if (apiError.status === 401) {
          this.state.set(null);
          return null;
        }
        throw apiError;
      },
    );
    return this.loading;
  }

  async login(request: LoginRequest): Promise<User> {
    try {
      const user = await firstValueFrom(
        this.http.post<User>('/api/auth/login', request),
      );
      this.state.set(user);
      return user;
    } catch (error) {
      throw toApiError(error);
    }
  }

  async logout(): Promise<void> {
    try {
      await firstValueFrom(this.http.post<void>('/api/auth/logout', {}));
    } finally {
      this.markSignedOut();
      await this.router.navigate(['/login']);
    }
  }

  /** The session expired or was revoked: forget the user and ask for a new sign-in. */
  handleUnauthorized(returnUrl: string): void {
    this.markSignedOut();
    if (returnUrl.startsWith('/login')) return;
    void this.router.navigate(['/login'], { queryParams: { returnUrl } });
  }

  private markSignedOut(): void {
    this.loading = null;
    this.state.set(null);
  }
}
