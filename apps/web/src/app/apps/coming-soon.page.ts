import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
} from '@angular/core';
import { ActivatedRoute, RouterLink } from '@angular/router';

/** The place app builds and deploys will take; there is honestly nothing to show yet. */
@Component({
  selector: 'vr-coming-soon-page',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <p class="breadcrumb">
        <a routerLink="/apps">Apps</a> /
        <a [routerLink]="['/apps', id()]">App</a>
      </p>
      <div class="state">
        <h1>{{ title() }} are coming soon</h1>
        <p>{{ description() }}</p>
        <a class="btn" [routerLink]="['/apps', id()]">Back to the app</a>
      </div>
    </div>
  `,
})
export class ComingSoonPage {
  readonly id = input.required<string>();
  private readonly feature = inject(ActivatedRoute).snapshot.data['feature'] as
    | 'builds'
    | 'deploys';
  protected readonly title = computed(() =>
    this.feature === 'builds' ? 'App builds' : 'Deploys',
  );
  protected readonly description = computed(() =>
    this.feature === 'builds'
      ? 'Building an app inside its stack’s active OS image is not available yet. Stacks and their OS images work today.'
      : 'Deploying an app build is not available yet. Stacks and their OS images work today.',
  );
}
