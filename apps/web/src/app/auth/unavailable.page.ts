import {
  ChangeDetectionStrategy,
  Component,
  inject,
  input,
} from '@angular/core';
import { Router } from '@angular/router';
import { safeReturnUrl } from '../core/guards';

/** Shown when the API did not answer at sign-in check: retrying re-runs the guards. */
@Component({
  selector: 'vr-unavailable-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <div class="state state-error" role="alert">
        <h1>The Velociraptor API is not reachable</h1>
        <p>
          The server did not answer. It may be restarting or your network may be
          down.
        </p>
        <button type="button" class="btn btn-primary" (click)="retry()">
          Try again
        </button>
      </div>
    </div>
  `,
})
export class UnavailablePage {
  private readonly router = inject(Router);
  readonly returnUrl = input<string | undefined>();

  protected retry(): void {
    void this.router.navigateByUrl(safeReturnUrl(this.returnUrl() ?? null));
  }
}
