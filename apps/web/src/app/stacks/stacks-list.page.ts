import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  inject,
  signal,
} from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import type { Image, StackSummary } from '@velociraptor/domain';
import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { formatDateTime, formatRelative } from '../core/format';
import { SocketService } from '../core/socket.service';
import { ErrorState } from '../shared/error-state';
import { StatusBadge } from '../shared/status-badge';
import { StacksApi } from './stacks-api';
import { Reveal } from '../shared/reveal.directive';

/** Platform → Stacks: every stack with its active image and last build. */
@Component({
  selector: 'vr-stacks-list-page',
  imports: [Reveal, RouterLink, StatusBadge, ErrorState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './stacks-list.page.html',
})
export class StacksListPage {
  protected readonly auth = inject(AuthService);
  private readonly api = inject(StacksApi);
  private readonly router = inject(Router);
  protected readonly stacks = signal<StackSummary[] | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly actionError = signal<string | null>(null);
  protected readonly building = signal<ReadonlySet<string>>(new Set());
  protected readonly formatRelative = formatRelative;
  protected readonly formatDateTime = formatDateTime;

  constructor() {
    void this.load();
    const subscription = inject(SocketService).dashboardEvents.subscribe(
      (event) => {
        if (event.type !== 'progress') this.applyImage(event.image);
      },
    );
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      this.stacks.set(await this.api.list());
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }

  protected async build(stack: StackSummary): Promise<void> {
    this.actionError.set(null);
    this.building.update((set) => new Set(set).add(stack.id));
    try {
      const image = await this.api.build(stack.name);
      this.applyImage(image);
      await this.router.navigate([
        '/stacks',
        stack.name,
        'images',
        image.id,
        'log',
      ]);
    } catch (error) {
      this.actionError.set(
        `Could not start a build of ${stack.name}: ${toApiError(error).message}`,
      );
    } finally {
      this.building.update((set) => {
        const next = new Set(set);
        next.delete(stack.id);
        return next;
      });
    }
  }

  /** A live image event: update that stack's last build (and active image) in place. */
  private applyImage(image: Image): void {
    this.stacks.update(
      (stacks) =>
        stacks?.map((stack) => {
          if (stack.id !== image.stackId) return stack;
          let next = stack;
          const last = stack.lastImage;
          if (
            last === null ||
            last.id === image.id ||
            image.queuedAt >= last.queuedAt
          ) {
            next = {
              ...next,
              lastImage: {
                id: image.id,
                name: image.name,
                status: image.status,
                queuedAt: image.queuedAt,
                finishedAt: image.finishedAt,
              },
            };
          }
          if (image.active)
            next = {
              ...next,
              activeImageId: image.id,
              activeImageName: image.name,
            };
          return next;
        }) ?? null,
    );
  }
}
