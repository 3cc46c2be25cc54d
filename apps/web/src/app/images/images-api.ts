import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Image } from '@velociraptor/domain';
import { call, enc } from '../core/http';

@Injectable({ providedIn: 'root' })
export class ImagesApi {
  private readonly http = inject(HttpClient);

  get(id: string): Promise<Image> {
    return call(this.http.get<Image>(`/api/images/${enc(id)}`));
  }

  cancel(id: string): Promise<Image> {
    return call(this.http.post<Image>(`/api/images/${enc(id)}/cancel`, {}));
  }

  activate(id: string): Promise<Image> {
    return call(this.http.post<Image>(`/api/images/${enc(id)}/activate`, {}));
  }

  delete(id: string): Promise<void> {
    return call(this.http.delete<void>(`/api/images/${enc(id)}`));
  }

  /** The raw log as the server stores it (the complete one once the build finished). */
  log(id: string): Promise<string> {
    return call(
      this.http.get(`/api/images/${enc(id)}/log`, { responseType: 'text' }),
    );
  }

  /** Plain links: the browser downloads with the session cookie, no need to buffer in memory. */
  downloadUrl(id: string): string {
    return `/api/images/${enc(id)}/download`;
  }

  logUrl(id: string): string {
    return `/api/images/${enc(id)}/log`;
  }
}
