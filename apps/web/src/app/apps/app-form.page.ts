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
  createAppSchema,
  updateAppSchema,
  type App,
  type StackSummary,
} from '@velociraptor/domain';
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
import { StacksApi } from '../stacks/stacks-api';
import { AppsApi } from './apps-api';
import { Reveal } from '../shared/reveal.directive';

/** Create (/apps/new) or view and edit (/apps/:id) an app. Builds and deploys are not built yet. */
@Component({
  selector: 'vr-app-form-page',
  imports: [
    Reveal,
    ReactiveFormsModule,
    RouterLink,
    EnvEditor,
    ErrorState,
    ConfirmDialog,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './app-form.page.html',
})
export class AppFormPage {
  private readonly api = inject(AppsApi);
  private readonly stacksApi = inject(StacksApi);
  private readonly router = inject(Router);
  protected readonly auth = inject(AuthService);

  readonly id = input<string | undefined>();
  protected readonly editing = computed(() => this.id() !== undefined);
  protected readonly app = signal<App | null>(null);
  protected readonly stacks = signal<StackSummary[]>([]);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly loading = signal(true);
  protected readonly saving = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly notice = signal<string | null>(null);
  protected readonly fields = signal<FieldErrors>({});
  private readonly deleteDialog =
    viewChild.required<ConfirmDialog>('deleteDialog');

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true }),
    repository: new FormControl('', { nonNullable: true }),
    buildCommand: new FormControl('', { nonNullable: true }),
    stackId: new FormControl<string>('', { nonNullable: true }),
    env: new FormArray<EnvRow>([]),
  });

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.load(id));
    });
  }

  protected fieldError(key: string): string | null {
    return this.fields()[key] ?? null;
  }

  protected envErrors(): string[] {
    return errorsUnder(this.fields(), 'env');
  }

  protected async load(id = this.id()): Promise<void> {
    this.loading.set(true);
    this.loadError.set(null);
    try {
      const [stacks, app] = await Promise.all([
        this.stacksApi.list(),
        id ? this.api.get(id) : Promise.resolve(null),
      ]);
      this.stacks.set(stacks);
      this.app.set(app);
      if (app) {
        this.form.reset({
          name: app.name,
          repository: app.repository,
          buildCommand: app.buildCommand,
          stackId: app.stackId ?? '',
        });
        this.form.setControl('env', new FormArray(envRowsFrom(app.env)));
      }
      if (!this.auth.canWrite()) this.form.disable();
    } catch (error) {
      this.loadError.set(toApiError(error));
    } finally {
      this.loading.set(false);
    }
  }

  protected async save(): Promise<void> {
    this.error.set(null);
    this.notice.set(null);
    const raw = this.form.getRawValue();
    const payload = {
      name: raw.name.trim(),
      repository: raw.repository.trim(),
      buildCommand: raw.buildCommand,
      env: envFromRows(this.form.controls.env),
      stackId: raw.stackId === '' ? null : raw.stackId,
    };
    const current = this.app();
    const checked = current
      ? validate(updateAppSchema, payload)
      : validate(createAppSchema, payload);
    if (!checked.ok) {
      this.fields.set(checked.fields);
      this.error.set('Please correct the highlighted fields.');
      return;
    }
    this.fields.set({});
    this.saving.set(true);
    try {
      if (current) {
        this.app.set(await this.api.update(current.id, payload));
        this.notice.set('Saved.');
      } else {
        const created = await this.api.create(payload);
        await this.router.navigate(['/apps', created.id]);
      }
    } catch (error) {
      const apiError = toApiError(error);
      this.fields.set(apiError.fields);
      this.error.set(apiError.message);
    } finally {
      this.saving.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const app = this.app();
    if (!app || !(await this.deleteDialog().ask())) return;
    this.saving.set(true);
    try {
      await this.api.delete(app.id);
      await this.router.navigate(['/apps']);
    } catch (error) {
      this.error.set(toApiError(error).message);
    } finally {
      this.saving.set(false);
    }
  }
}
