import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'vr-not-found-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <div class="state">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <a class="btn" routerLink="/stacks">Back to stacks</a>
      </div>
    </div>
  `,
})
export class NotFoundPage {}
