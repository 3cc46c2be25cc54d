import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import {
  FormArray,
  FormControl,
  FormGroup,
  ReactiveFormsModule,
} from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import {
  DEFAULT_BUILD_TIMEOUT_SECONDS,
  MAX_SCRIPT_BYTES,
  createStackSchema,
  formatBytes,
  updateStackSchema,
  type App,
  type NetworkMode,
  type SaveStackResponse,
  type Stack,
} from '@velociraptor/domain';
import { AppsApi } from '../apps/apps-api';
import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { errorsUnder, validate, type FieldErrors } from '../core/validation';
import { ConfirmDialog } from '../shared/confirm-dialog';
import {
  EnvEditor,
  envFromRows,
  envRowsFrom,
  type EnvRow,
} from '../shared/env-editor';
import { ErrorState } from '../shared/error-state';
import { ScriptEditor } from '../shared/script-editor';
import { StacksApi } from './stacks-api';
import { Reveal } from '../shared/reveal.directive';

const SCRIPT_TEMPLATE = `#!/bin/sh
set -eu
# Runs inside the container as root. Install what your apps need, e.g.:
# apt-get update && apt-get install -y --no-install-recommends curl
`;

/** Create (/stacks/new) or edit (/stacks/:name/edit) a stack. */
@Component({
  selector: 'vr-stack-form-page',
  imports: [
    Reveal,
    ReactiveFormsModule,
    RouterLink,
    EnvEditor,
    ScriptEditor,
    ConfirmDialog,
    ErrorState,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './stack-form.page.html',
})
export class StackFormPage {
  private readonly api = inject(StacksApi);
  private readonly appsApi = inject(AppsApi);
  private readonly router = inject(Router);
  protected readonly auth = inject(AuthService);

  /** Route parameter; absent when creating. */
  readonly name = input<string | undefined>();
  protected readonly editing = computed(() => this.name() !== undefined);

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true }),
    description: new FormControl('', { nonNullable: true }),
    baseImageUrl: new FormControl('', { nonNullable: true }),
    baseImageChecksum: new FormControl('', { nonNullable: true }),
    script: new FormControl(SCRIPT_TEMPLATE, { nonNullable: true }),
    env: new FormArray<EnvRow>([]),
    timeoutSeconds: new FormControl<number | null>(
      DEFAULT_BUILD_TIMEOUT_SECONDS,
    ),
    network: new FormControl<NetworkMode>('host', { nonNullable: true }),
  });

  protected readonly stack = signal<Stack | null>(null);
  protected readonly linkedApps = signal<App[]>([]);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly loading = signal(false);
  protected readonly saving = signal<'save' | 'build' | 'delete' | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly fields = signal<FieldErrors>({});
  protected readonly maxScript = formatBytes(MAX_SCRIPT_BYTES);
  private readonly deleteDialog =
    viewChild.required<ConfirmDialog>('deleteDialog');

  constructor() {
    effect(() => {
      const name = this.name();
      untracked(() => {
        if (name !== undefined) void this.load(name);
      });
    });
  }

  protected readonly linkedNames = computed(() =>
    this.linkedApps()
      .map((app) => app.name)
      .join(', '),
  );

  protected fieldError(key: string): string | null {
    return this.fields()[key] ?? null;
  }

  protected envErrors(): string[] {
    return errorsUnder(this.fields(), 'env');
  }

  protected async load(name: string): Promise<void> {
    this.loading.set(true);
    this.loadError.set(null);
    try {
      const [stack, apps] = await Promise.all([
        this.api.get(name),
        this.appsApi.list().catch(() => [] as App[]),
      ]);
      this.stack.set(stack);
      this.linkedApps.set(apps.filter((app) => app.stackId === stack.id));
      this.form.reset({
        name: stack.name,
        description: stack.description,
        baseImageUrl: stack.baseImageUrl,
        baseImageChecksum: stack.baseImageChecksum ?? '',
        script: stack.script,
        timeoutSeconds: stack.timeoutSeconds,
        network: stack.network,
      });
      this.form.setControl('env', new FormArray(envRowsFrom(stack.env)));
    } catch (error) {
      this.loadError.set(toApiError(error));
    } finally {
      this.loading.set(false);
    }
  }

  protected async uploadScript(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > MAX_SCRIPT_BYTES) {
      this.fields.update((f) => ({
        ...f,
        script: `must be at most ${this.maxScript} (the file is ${formatBytes(file.size)})`,
      }));
    } else {
      this.form.controls.script.setValue(await file.text());
      this.fields.update((fields) => {
        const rest = { ...fields };
        delete rest['script'];
        return rest;
      });
    }
    input.value = '';
  }

  protected async save(build: boolean): Promise<void> {
    this.error.set(null);
    const raw = this.form.getRawValue();
    const payload = {
      name: raw.name.trim(),
      description: raw.description,
      baseImageUrl: raw.baseImageUrl.trim(),
      baseImageChecksum:
        raw.baseImageChecksum.trim() === ''
          ? null
          : raw.baseImageChecksum.trim(),
      script: raw.script,
      env: envFromRows(this.form.controls.env),
      timeoutSeconds: raw.timeoutSeconds ?? undefined,
      network: raw.network,
      build,
    };
    const current = this.stack();
    const checked = current
      ? validate(updateStackSchema, payload)
      : validate(createStackSchema, payload);
    if (!checked.ok) {
      this.fields.set(checked.fields);
      this.error.set('Please correct the highlighted fields.');
      return;
    }
    this.fields.set({});
    this.saving.set(build ? 'build' : 'save');
    try {
      const saved: SaveStackResponse = current
        ? await this.api.update(current.name, payload)
        : await this.api.create(payload);
      if (saved.queuedImage) {
        await this.router.navigate([
          '/stacks',
          saved.name,
          'images',
          saved.queuedImage.id,
          'log',
        ]);
      } else {
        await this.router.navigate(['/stacks', saved.name]);
      }
    } catch (error) {
      const apiError = toApiError(error);
      this.fields.set(apiError.fields);
      this.error.set(apiError.message);
    } finally {
      this.saving.set(null);
    }
  }

  protected async remove(): Promise<void> {
    const stack = this.stack();
    if (!stack || !(await this.deleteDialog().ask())) return;
    this.error.set(null);
    this.saving.set('delete');
    try {
      await this.api.delete(stack.name);
      await this.router.navigate(['/stacks']);
    } catch (error) {
      const apiError = toApiError(error);
      this.error.set(
        apiError.status === 409
          ? `The stack was not deleted: ${apiError.message}`
          : apiError.message,
      );
    } finally {
      this.saving.set(null);
    }
  }
}
