import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ApiToken,
  AuditEntry,
  CreateTokenRequest,
  CreateUserRequest,
  CreatedApiToken,
  Page,
  UpdateUserRequest,
  User,
} from '@velociraptor/domain';
import { call, enc } from '../core/http';

@Injectable({ providedIn: 'root' })
export class AccountApi {
  private readonly http = inject(HttpClient);

  tokens(): Promise<ApiToken[]> {
    return call(this.http.get<ApiToken[]>('/api/tokens'));
  }

  createToken(request: CreateTokenRequest): Promise<CreatedApiToken> {
    return call(this.http.post<CreatedApiToken>('/api/tokens', request));
  }

  revokeToken(id: string): Promise<void> {
    return call(this.http.delete<void>(`/api/tokens/${enc(id)}`));
  }

  users(): Promise<User[]> {
    return call(this.http.get<User[]>('/api/users'));
  }

  createUser(request: CreateUserRequest): Promise<User> {
    return call(this.http.post<User>('/api/users', request));
  }

  updateUser(id: string, request: UpdateUserRequest): Promise<User> {
    return call(this.http.patch<User>(`/api/users/${enc(id)}`, request));
  }

  deleteUser(id: string): Promise<void> {
    return call(this.http.delete<void>(`/api/users/${enc(id)}`));
  }

  audit(limit: number, offset: number): Promise<Page<AuditEntry>> {
    return call(
      this.http.get<Page<AuditEntry>>('/api/audit', {
        params: { limit, offset },
      }),
    );
  }
}
