import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** A build status as a coloured pill; the text carries the meaning, colour only helps. */
@Component({
  selector: 'vr-status-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="badge" [class]="'badge status-' + status()">{{
    status()
  }}</span>`,
})
export class StatusBadge {
  readonly status = input.required<string>();
}
