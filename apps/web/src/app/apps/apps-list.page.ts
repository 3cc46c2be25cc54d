import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import type { App, StackSummary } from '@velociraptor/domain';
import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { ErrorState } from '../shared/error-state';
import { StacksApi } from '../stacks/stacks-api';
import { AppsApi } from './apps-api';

/** Platform → Apps. */
@Component({
  selector: 'vr-apps-list-page',
  imports: [RouterLink, ErrorState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <div class="page-header">
        <div>
          <p class="breadcrumb">Platform</p>
          <h1>Apps</h1>
          <p class="muted">
            An app is built and deployed inside its stack's active OS image.
          </p>
        </div>
        @if (auth.canWrite()) {
          <a class="btn btn-primary" routerLink="/apps/new">New app</a>
        }
      </div>
      @if (loadError(); as error) {
        <vr-error-state [error]="error" (retry)="load()" />
      } @else if (apps() === null) {
        <p class="muted" role="status">Loading apps…</p>
      } @else if (apps()!.length === 0) {
        <div class="state">
          <h2>No apps yet</h2>
          @if (auth.canWrite()) {
            <p>
              Create an app, point it at its repository and link it to a stack.
            </p>
            <a class="btn btn-primary" routerLink="/apps/new"
              >Create the first app</a
            >
          } @else {
            <p>
              Nobody has created an app yet. Members and admins can create them.
            </p>
          }
        </div>
      } @else {
        <div class="card table-wrap" style="padding: 0">
          <table class="table stack-on-mobile">
            <caption class="sr-only">
              Apps
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Repository</th>
                <th scope="col">Stack</th>
              </tr>
            </thead>
            <tbody>
              @for (app of apps(); track app.id) {
                <tr>
                  <td data-label="Name">
                    <a [routerLink]="['/apps', app.id]"
                      ><strong>{{ app.name }}</strong></a
                    >
                  </td>
                  <td data-label="Repository" class="mono">
                    {{ app.repository }}
                  </td>
                  <td data-label="Stack">
                    @if (stackName(app); as stack) {
                      <a [routerLink]="['/stacks', stack]">{{ stack }}</a>
                    } @else {
                      <span class="muted">none</span>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    </div>
  `,
})
export class AppsListPage {
  protected readonly auth = inject(AuthService);
  private readonly api = inject(AppsApi);
  private readonly stacksApi = inject(StacksApi);
  protected readonly apps = signal<App[] | null>(null);
  private readonly stacks = signal<StackSummary[]>([]);
  protected readonly loadError = signal<ApiError | null>(null);
  private readonly stackNames = computed(
    () => new Map(this.stacks().map((s) => [s.id, s.name])),
  );

  constructor() {
    void this.load();
  }

  protected stackName(app: App): string | null {
    return app.stackId ? (this.stackNames().get(app.stackId) ?? null) : null;
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      const [apps, stacks] = await Promise.all([
        this.api.list(),
        this.stacksApi.list(),
      ]);
      this.stacks.set(stacks);
      this.apps.set(apps);
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }
}
