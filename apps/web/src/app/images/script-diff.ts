import {
  ChangeDetectionStrategy,
  Component,
  computed,
  input,
} from '@angular/core';
import { diffStats, diffText, toHunks } from './line-diff';

/** The unified diff of two provisioning scripts. */
@Component({
  selector: 'vr-script-diff',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (hunks().length === 0) {
      <p class="muted small">The script is unchanged.</p>
    } @else {
      <p class="small">
        <span class="diff-stat-add">+{{ stats().added }}</span> /
        <span class="diff-stat-del">−{{ stats().removed }}</span> lines
      </p>
      <div class="diff" role="table" [attr.aria-label]="label()">
        @for (hunk of hunks(); track $index) {
          <div class="diff-hunk" role="row">
            <span role="cell"
              >&#64;&#64; −{{ hunk.oldStart }},{{ hunk.oldCount }} +{{
                hunk.newStart
              }},{{ hunk.newCount }} &#64;&#64;</span
            >
          </div>
          @for (line of hunk.lines; track $index) {
            <div
              class="diff-line"
              role="row"
              [class.diff-add]="line.kind === 'add'"
              [class.diff-del]="line.kind === 'del'"
            >
              <span class="no" role="cell">{{ line.oldLine ?? '' }}</span>
              <span class="no" role="cell">{{ line.newLine ?? '' }}</span>
              <span
                role="cell"
                [attr.aria-label]="
                  line.kind === 'add'
                    ? 'added'
                    : line.kind === 'del'
                      ? 'removed'
                      : null
                "
                >{{
                  line.kind === 'add' ? '+' : line.kind === 'del' ? '−' : ' '
                }}</span
              >
              <span role="cell">{{ line.text }}</span>
            </div>
          }
        }
      </div>
    }
  `,
  styles: `
    .diff-stat-add {
      color: var(--success);
      font-weight: 600;
    }
    .diff-stat-del {
      color: var(--danger);
      font-weight: 600;
    }
  `,
})
export class ScriptDiff {
  readonly before = input.required<string>();
  readonly after = input.required<string>();
  readonly label = input('Script changes');
  private readonly diff = computed(() => diffText(this.before(), this.after()));
  protected readonly hunks = computed(() => toHunks(this.diff()));
  protected readonly stats = computed(() => diffStats(this.diff()));
}
