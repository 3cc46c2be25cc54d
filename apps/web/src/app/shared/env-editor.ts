import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import {
  FormArray,
  FormControl,
  FormGroup,
  ReactiveFormsModule,
} from '@angular/forms';

export type EnvRow = FormGroup<{
  key: FormControl<string>;
  value: FormControl<string>;
}>;

export function envRow(key = '', value = ''): EnvRow {
  return new FormGroup({
    key: new FormControl(key, { nonNullable: true }),
    value: new FormControl(value, { nonNullable: true }),
  });
}

export function envRowsFrom(env: Record<string, string>): EnvRow[] {
  return Object.entries(env).map(([key, value]) => envRow(key, value));
}

/** Rows with an empty name are ignored; a later row wins over an earlier one with the same name. */
export function envFromRows(rows: FormArray<EnvRow>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const row of rows.controls) {
    const key = row.controls.key.value.trim();
    if (key !== '') env[key] = row.controls.value.value;
  }
  return env;
}

/** Environment variables as editable name/value rows. */
@Component({
  selector: 'vr-env-editor',
  imports: [ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <fieldset class="env">
      <legend>Environment variables</legend>
      @if (rows().length === 0) {
        <p class="muted small">No variables.</p>
      }
      @for (row of rows().controls; track row; let i = $index) {
        <div class="env-row" [formGroup]="row">
          <label class="sr-only" [for]="idPrefix() + '-key-' + i"
            >Name of variable {{ i + 1 }}</label
          >
          <input
            [id]="idPrefix() + '-key-' + i"
            formControlName="key"
            placeholder="NAME"
            autocomplete="off"
            spellcheck="false"
            class="mono"
          />
          <label class="sr-only" [for]="idPrefix() + '-value-' + i"
            >Value of variable {{ i + 1 }}</label
          >
          <input
            [id]="idPrefix() + '-value-' + i"
            formControlName="value"
            placeholder="value"
            autocomplete="off"
            spellcheck="false"
            class="mono"
          />
          <button
            type="button"
            class="btn btn-small"
            (click)="remove(i)"
            [attr.aria-label]="'Remove variable ' + (i + 1)"
          >
            Remove
          </button>
        </div>
      }
      @for (message of errors(); track message) {
        <p class="field-error" role="alert">{{ message }}</p>
      }
      <button type="button" class="btn btn-small" (click)="add()">
        Add variable
      </button>
    </fieldset>
  `,
})
export class EnvEditor {
  readonly rows = input.required<FormArray<EnvRow>>();
  readonly errors = input<string[]>([]);
  readonly idPrefix = input('env');

  protected add(): void {
    this.rows().push(envRow());
  }

  protected remove(index: number): void {
    this.rows().removeAt(index);
  }
}
