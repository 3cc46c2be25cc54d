import {
  ChangeDetectionStrategy,
  Component,
  computed,
  input,
  output,
} from '@angular/core';
import type { ApiError } from '../core/api-error';

/** What a page shows when loading failed: API down, no permission, not found, or the API's message. */
@Component({
  selector: 'vr-error-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="state state-error" role="alert">
      <h2>{{ title() }}</h2>
      <p>{{ error().message }}</p>
      @if (error().requestId) {
        <p class="muted small">
          Request id: <code>{{ error().requestId }}</code>
        </p>
      }
      <button type="button" class="btn" (click)="retry.emit()">
        Try again
      </button>
    </div>
  `,
})
export class ErrorState {
  readonly error = input.required<ApiError>();
  readonly retry = output<void>();
  protected readonly title = computed(() => {
    const error = this.error();
    if (error.unreachable) return 'The API is not reachable';
    if (error.forbidden) return 'No permission';
    if (error.status === 404) return 'Not found';
    return 'Something went wrong';
  });
}
