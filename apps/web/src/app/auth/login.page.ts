import {
  ChangeDetectionStrategy,
  Component,
  inject,
  input,
  signal,
} from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { loginSchema } from '@velociraptor/domain';
import { toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { safeReturnUrl } from '../core/guards';
import { validate, type FieldErrors } from '../core/validation';

@Component({
  selector: 'vr-login-page',
  imports: [ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './login.page.html',
  styleUrl: './login.page.css',
})
export class LoginPage {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  /** Where to go after signing in (bound from the query string). */
  readonly returnUrl = input<string | undefined>();

  protected readonly form = new FormGroup({
    username: new FormControl('', { nonNullable: true }),
    password: new FormControl('', { nonNullable: true }),
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly fields = signal<FieldErrors>({});

  protected async submit(): Promise<void> {
    this.error.set(null);
    const checked = validate(loginSchema, this.form.getRawValue());
    if (!checked.ok) {
      this.fields.set(checked.fields);
      return;
    }
    this.fields.set({});
    this.busy.set(true);
    try {
      await this.auth.login(checked.data);
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl() ?? null));
    } catch (error) {
      const apiError = toApiError(error);
      this.error.set(
        apiError.status === 401
          ? 'Wrong username or password.'
          : apiError.message,
      );
      this.fields.set(apiError.fields);
    } finally {
      this.busy.set(false);
    }
  }
}
