import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import {
  createTokenSchema,
  type ApiToken,
  type CreatedApiToken,
} from '@velociraptor/domain';
import { ApiError, toApiError } from '../core/api-error';
import { formatDateTime } from '../core/format';
import { validate, type FieldErrors } from '../core/validation';
import { ConfirmDialog } from '../shared/confirm-dialog';
import { ErrorState } from '../shared/error-state';
import { AccountApi } from './account-api';
import { Reveal } from '../shared/reveal.directive';

/** The signed-in user's personal API tokens (for vimage, scripts and CI). */
@Component({
  selector: 'vr-tokens-page',
  imports: [Reveal, ReactiveFormsModule, ErrorState, ConfirmDialog],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './tokens.page.html',
})
export class TokensPage {
  private readonly api = inject(AccountApi);
  protected readonly tokens = signal<ApiToken[] | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly fields = signal<FieldErrors>({});
  protected readonly created = signal<CreatedApiToken | null>(null);
  protected readonly copied = signal(false);
  protected readonly busy = signal(false);
  protected readonly pendingRevoke = signal<ApiToken | null>(null);
  protected readonly formatDateTime = formatDateTime;
  private readonly revokeDialog =
    viewChild.required<ConfirmDialog>('revokeDialog');

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true }),
    expiresInDays: new FormControl<number | null>(90),
  });

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      this.tokens.set(await this.api.tokens());
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }

  protected async create(): Promise<void> {
    this.error.set(null);
    const raw = this.form.getRawValue();
    const checked = validate(createTokenSchema, {
      name: raw.name.trim(),
      expiresInDays: raw.expiresInDays ?? undefined,
    });
    if (!checked.ok) {
      this.fields.set(checked.fields);
      return;
    }
    this.fields.set({});
    this.busy.set(true);
    try {
      const token = await this.api.createToken(checked.data);
      this.created.set(token);
      this.copied.set(false);
      this.form.reset({ name: '', expiresInDays: 90 });
      this.tokens.update((tokens) => [token, ...(tokens ?? [])]);
    } catch (error) {
      const apiError = toApiError(error);
      this.fields.set(apiError.fields);
      this.error.set(apiError.message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async copy(token: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(token);
      this.copied.set(true);
    } catch {
      this.error.set(
        'Could not copy automatically; select the token and copy it.',
      );
    }
  }

  protected async revoke(token: ApiToken): Promise<void> {
    this.pendingRevoke.set(token);
    if (!(await this.revokeDialog().ask())) return;
    this.error.set(null);
    try {
      await this.api.revokeToken(token.id);
      this.tokens.update(
        (tokens) => tokens?.filter((t) => t.id !== token.id) ?? null,
      );
      if (this.created()?.id === token.id) this.created.set(null);
    } catch (error) {
      this.error.set(toApiError(error).message);
    }
  }
}
