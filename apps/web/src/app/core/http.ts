import { firstValueFrom, type Observable } from 'rxjs';
import { toApiError } from './api-error';

/** Awaits one HTTP response, turning failures into ApiError. */
export async function call<T>(request: Observable<T>): Promise<T> {
  try {
    return await firstValueFrom(request);
  } catch (error) {
    throw toApiError(error);
  }
}

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}
