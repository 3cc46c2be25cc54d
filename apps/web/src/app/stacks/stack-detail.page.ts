import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { isFinished, type Image, type Stack } from '@velociraptor/domain';
import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { formatDateTime, formatElapsed, formatSize } from '../core/format';
import { SocketService } from '../core/socket.service';
import { ImagesApi } from '../images/images-api';
import { ScriptDiff } from '../images/script-diff';
import { ConfirmDialog } from '../shared/confirm-dialog';
import { ErrorState } from '../shared/error-state';
import { StatusBadge } from '../shared/status-badge';
import { StacksApi } from './stacks-api';
import { Reveal } from '../shared/reveal.directive';

/** A stack and its image history (newest first), with per-image actions and script diffs. */
@Component({
  selector: 'vr-stack-detail-page',
  imports: [
    Reveal,
    RouterLink,
    StatusBadge,
    ErrorState,
    ConfirmDialog,
    ScriptDiff,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './stack-detail.page.html',
  styleUrl: './stack-detail.page.css',
})
export class StackDetailPage {
  private readonly stacksApi = inject(StacksApi);
  protected readonly imagesApi = inject(ImagesApi);
  private readonly router = inject(Router);
  protected readonly auth = inject(AuthService);

  readonly name = input.required<string>();
  protected readonly stack = signal<Stack | null>(null);
  protected readonly images = signal<Image[] | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly actionError = signal<string | null>(null);
  protected readonly notice = signal<string | null>(null);
  protected readonly busy = signal<string | null>(null);
  protected readonly openDiffs = signal<ReadonlySet<string>>(new Set());
  protected readonly pendingDelete = signal<Image | null>(null);
  /** Ticks every second while a build runs, so durations count up. */
  protected readonly now = signal(Date.now());
  protected readonly running = computed(
    () => this.images()?.some((image) => !isFinished(image.status)) ?? false,
  );
  private readonly deleteDialog =
    viewChild.required<ConfirmDialog>('deleteDialog');

  protected readonly formatDateTime = formatDateTime;
  protected readonly formatSize = formatSize;

  constructor() {
    effect(() => {
      const name = this.name();
      untracked(() => void this.load(name));
    });
    const timer = setInterval(() => {
      if (this.running()) this.now.set(Date.now());
    }, 1000);
    const subscription = inject(SocketService).dashboardEvents.subscribe(
      (event) => {
        if (event.type !== 'progress') this.applyImage(event.image);
      },
    );
    inject(DestroyRef).onDestroy(() => {
      clearInterval(timer);
      subscription.unsubscribe();
    });
  }

  protected async load(name = this.name()): Promise<void> {
    this.loadError.set(null);
    try {
      const [stack, images] = await Promise.all([
        this.stacksApi.get(name),
        this.stacksApi.images(name),
      ]);
      this.stack.set(stack);
      this.images.set(images);
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }

  protected duration(image: Image): string {
    return formatElapsed(image.startedAt, image.finishedAt, this.now());
  }

  /** The image built just before this one (the list is newest first). */
  protected previous(index: number): Image | null {
    return this.images()?.[index + 1] ?? null;
  }

  protected toggleDiff(image: Image): void {
    this.openDiffs.update((open) => {
      const next = new Set(open);
      if (next.has(image.id)) next.delete(image.id);
      else next.add(image.id);
      return next;
    });
  }

  protected async build(): Promise<void> {
    const stack = this.stack();
    if (!stack) return;
    await this.run('build', async () => {
      const image = await this.stacksApi.build(stack.name);
      this.applyImage(image);
      await this.router.navigate([
        '/stacks',
        stack.name,
        'images',
        image.id,
        'log',
      ]);
    });
  }

  protected cancel(image: Image): Promise<void> {
    return this.run(image.id, async () => {
      this.applyImage(await this.imagesApi.cancel(image.id));
      this.notice.set(`Cancelling ${image.name}.`);
    });
  }

  protected activate(image: Image): Promise<void> {
    return this.run(image.id, async () => {
      this.applyImage(await this.imagesApi.activate(image.id));
      this.notice.set(
        `${image.name} is now the active image; new app builds use it.`,
      );
    });
  }

  protected async remove(image: Image): Promise<void> {
    this.pendingDelete.set(image);
    if (!(await this.deleteDialog().ask())) return;
    await this.run(image.id, async () => {
      await this.imagesApi.delete(image.id);
      this.images.update(
        (images) => images?.filter((i) => i.id !== image.id) ?? null,
      );
      this.notice.set(`${image.name} was deleted.`);
    });
  }

  private async run(key: string, action: () => Promise<void>): Promise<void> {
    this.actionError.set(null);
    this.notice.set(null);
    this.busy.set(key);
    try {
      await action();
    } catch (error) {
      this.actionError.set(toApiError(error).message);
    } finally {
      this.busy.set(null);
    }
  }

  /** Inserts or replaces an image; activating one deactivates the others. */
  private applyImage(image: Image): void {
    const stack = this.stack();
    if (!stack || image.stackId !== stack.id) return;
    this.images.update((images) => {
      if (images === null) return images;
      let next = images.some((i) => i.id === image.id)
        ? images.map((i) => (i.id === image.id ? image : i))
        : [image, ...images];
      if (image.active)
        next = next.map((i) =>
          i.id !== image.id && i.active ? { ...i, active: false } : i,
        );
      return next;
    });
    if (image.active) this.stack.set({ ...stack, activeImageId: image.id });
  }
}
