import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  App,
  CreateAppRequest,
  UpdateAppRequest,
} from '@velociraptor/domain';
import { call, enc } from '../core/http';

@Injectable({ providedIn: 'root' })
export class AppsApi {
  private readonly http = inject(HttpClient);

  list(): Promise<App[]> {
    return call(this.http.get<App[]>('/api/apps'));
  }

  get(id: string): Promise<App> {
    return call(this.http.get<App>(`/api/apps/${enc(id)}`));
  }

  create(request: CreateAppRequest): Promise<App> {
    return call(this.http.post<App>('/api/apps', request));
  }

  update(id: string, request: UpdateAppRequest): Promise<App> {
    return call(this.http.patch<App>(`/api/apps/${enc(id)}`, request));
  }

  delete(id: string): Promise<void> {
    return call(this.http.delete<void>(`/api/apps/${enc(id)}`));
  }
}
