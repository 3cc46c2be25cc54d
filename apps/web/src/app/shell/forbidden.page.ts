import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'vr-forbidden-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <div class="state">
        <h1>No permission</h1>
        <p>
          Your role does not allow this page. Ask an administrator if you need
          access.
        </p>
        <a class="btn" routerLink="/stacks">Back to stacks</a>
      </div>
    </div>
  `,
})
export class ForbiddenPage {}
