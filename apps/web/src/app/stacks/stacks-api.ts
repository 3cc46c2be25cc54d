import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CreateStackRequest,
  Image,
  SaveStackResponse,
  Stack,
  StackSummary,
  UpdateStackRequest,
} from '@velociraptor/domain';
import { call, enc } from '../core/http';

@Injectable({ providedIn: 'root' })
export class StacksApi {
  private readonly http = inject(HttpClient);

  list(): Promise<StackSummary[]> {
    return call(this.http.get<StackSummary[]>('/api/stacks'));
  }

  get(idOrName: string): Promise<Stack> {
    return call(this.http.get<Stack>(`/api/stacks/${enc(idOrName)}`));
  }

  create(request: CreateStackRequest): Promise<SaveStackResponse> {
    return call(this.http.post<SaveStackResponse>('/api/stacks', request));
  }

  update(
    idOrName: string,
    request: UpdateStackRequest,
  ): Promise<SaveStackResponse> {
    return call(
      this.http.patch<SaveStackResponse>(
        `/api/stacks/${enc(idOrName)}`,
        request,
      ),
    );
  }

  delete(idOrName: string): Promise<void> {
    return call(this.http.delete<void>(`/api/stacks/${enc(idOrName)}`));
  }

  build(idOrName: string): Promise<Image> {
    return call(
      this.http.post<Image>(`/api/stacks/${enc(idOrName)}/builds`, {}),
    );
  }

  images(idOrName: string): Promise<Image[]> {
    return call(this.http.get<Image[]>(`/api/stacks/${enc(idOrName)}/images`));
  }
}
