import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
} from '@angular/core';
import type { AuditEntry } from '@velociraptor/domain';
import { ApiError, toApiError } from '../core/api-error';
import { formatDateTime } from '../core/format';
import { ErrorState } from '../shared/error-state';
import { AccountApi } from './account-api';

const PAGE_SIZE = 50;

/** Admins: who did what, newest first. */
@Component({
  selector: 'vr-audit-page',
  imports: [ErrorState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      @if (loadError(); as err) {
        <vr-error-state [error]="err" (retry)="load()" />
      } @else if (entries() === null) {
        <p class="muted" role="status">Loading…</p>
      } @else if (total() === 0) {
        <div class="state"><p>Nothing has been recorded yet.</p></div>
      } @else {
        <div class="card table-wrap" style="padding: 0">
          <table class="table stack-on-mobile">
            <caption class="sr-only">
              Audit entries
              {{
                offset() + 1
              }}
              to
              {{
                offset() + entries()!.length
              }}
              of
              {{
                total()
              }}
            </caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              @for (entry of entries(); track entry.id) {
                <tr>
                  <td data-label="When">{{ formatDateTime(entry.at) }}</td>
                  <td data-label="Who">{{ entry.actorName ?? 'system' }}</td>
                  <td data-label="Action">
                    <code>{{ entry.action }}</code>
                  </td>
                  <td data-label="Target">
                    {{ entry.targetType }}
                    @if (entry.targetId) {
                      <code class="small">{{ entry.targetId }}</code>
                    }
                  </td>
                  <td data-label="Details">
                    <code class="small details">{{ details(entry) }}</code>
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
        <nav class="actions pager" aria-label="Audit pages">
          <button
            type="button"
            class="btn btn-small"
            [disabled]="offset() === 0"
            (click)="go(offset() - pageSize)"
          >
            ← Newer
          </button>
          <span class="small muted"
            >{{ offset() + 1 }}–{{ offset() + entries()!.length }} of
            {{ total() }}</span
          >
          <button
            type="button"
            class="btn btn-small"
            [disabled]="!hasMore()"
            (click)="go(offset() + pageSize)"
          >
            Older →
          </button>
        </nav>
      }
    </section>
  `,
  styles: `
    .details {
      word-break: break-word;
      white-space: pre-wrap;
    }
    .pager {
      margin-top: 0.75rem;
      justify-content: center;
    }
  `,
})
export class AuditPage {
  private readonly api = inject(AccountApi);
  protected readonly pageSize = PAGE_SIZE;
  protected readonly entries = signal<AuditEntry[] | null>(null);
  protected readonly total = signal(0);
  protected readonly offset = signal(0);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly hasMore = computed(
    () => this.offset() + (this.entries()?.length ?? 0) < this.total(),
  );
  protected readonly formatDateTime = formatDateTime;

  constructor() {
    void this.load();
  }

  protected details(entry: AuditEntry): string {
    return Object.keys(entry.details).length === 0
      ? '—'
      : JSON.stringify(entry.details);
  }

  protected go(offset: number): void {
    this.offset.set(Math.max(0, offset));
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      const page = await this.api.audit(PAGE_SIZE, this.offset());
      this.entries.set(page.items);
      this.total.set(page.total);
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }
}
