import {
  ChangeDetectionStrategy,
  Component,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import {
  ROLES,
  createUserSchema,
  updateUserSchema,
  type Role,
  type User,
} from '@velociraptor/domain';
import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { formatDateTime } from '../core/format';
import { validate, type FieldErrors } from '../core/validation';
import { ConfirmDialog } from '../shared/confirm-dialog';
import { ErrorState } from '../shared/error-state';
import { AccountApi } from './account-api';
import { Reveal } from '../shared/reveal.directive';

/** Admins: create users, change roles, disable, reset passwords, delete. */
@Component({
  selector: 'vr-users-page',
  imports: [Reveal, ReactiveFormsModule, ErrorState, ConfirmDialog],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './users.page.html',
})
export class UsersPage {
  private readonly api = inject(AccountApi);
  protected readonly auth = inject(AuthService);
  protected readonly roles = ROLES;
  protected readonly users = signal<User[] | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly notice = signal<string | null>(null);
  protected readonly fields = signal<FieldErrors>({});
  protected readonly busy = signal<string | null>(null);
  protected readonly pendingDelete = signal<User | null>(null);
  protected readonly passwordFor = signal<User | null>(null);
  protected readonly passwordError = signal<string | null>(null);
  protected readonly formatDateTime = formatDateTime;
  private readonly deleteDialog =
    viewChild.required<ConfirmDialog>('deleteDialog');

  protected readonly form = new FormGroup({
    username: new FormControl('', { nonNullable: true }),
    password: new FormControl('', { nonNullable: true }),
    role: new FormControl<Role>('member', { nonNullable: true }),
  });
  protected readonly newPassword = new FormControl('', { nonNullable: true });

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      this.users.set(await this.api.users());
    } catch (error) {
      this.loadError.set(toApiError(error));
    }
  }

  protected async create(): Promise<void> {
    this.error.set(null);
    this.notice.set(null);
    const raw = this.form.getRawValue();
    const checked = validate(createUserSchema, {
      ...raw,
      username: raw.username.trim(),
    });
    if (!checked.ok) {
      this.fields.set(checked.fields);
      return;
    }
    this.fields.set({});
    this.busy.set('create');
    try {
      const user = await this.api.createUser(checked.data);
      this.users.update((users) => [...(users ?? []), user]);
      this.form.reset({ username: '', password: '', role: 'member' });
      this.notice.set(`User ${user.username} created.`);
    } catch (error) {
      const apiError = toApiError(error);
      this.fields.set(apiError.fields);
      this.error.set(apiError.message);
    } finally {
      this.busy.set(null);
    }
  }

  protected setRole(user: User, role: string): Promise<void> {
    return this.update(
      user,
      { role: role as Role },
      `${user.username} is now ${role}.`,
    );
  }

  protected toggleDisabled(user: User): Promise<void> {
    return this.update(
      user,
      { disabled: !user.disabled },
      `${user.username} is ${user.disabled ? 'enabled' : 'disabled'}.`,
    );
  }

  protected startPassword(user: User): void {
    this.passwordFor.set(user);
    this.passwordError.set(null);
    this.newPassword.reset('');
  }

  protected async savePassword(): Promise<void> {
    const user = this.passwordFor();
    if (!user) return;
    const checked = validate(updateUserSchema, {
      password: this.newPassword.value,
    });
    if (!checked.ok) {
      this.passwordError.set(checked.fields['password'] ?? 'Invalid password');
      return;
    }
    await this.update(
      user,
      checked.data,
      `Password of ${user.username} changed.`,
    );
    if (this.error() === null) this.passwordFor.set(null);
  }

  private async update(
    user: User,
    change: { role?: Role; disabled?: boolean; password?: string },
    message: string,
  ): Promise<void> {
    this.error.set(null);
    this.notice.set(null);
    this.busy.set(user.id);
    try {
      const updated = await this.api.updateUser(user.id, change);
      this.users.update(
        (users) =>
          users?.map((u) => (u.id === updated.id ? updated : u)) ?? null,
      );
      this.notice.set(message);
    } catch (error) {
      this.error.set(toApiError(error).message);
      // Put the select back to the stored role.
      this.users.update(
        (users) => users?.map((u) => (u.id === user.id ? { ...u } : u)) ?? null,
      );
    } finally {
      this.busy.set(null);
    }
  }

  protected async remove(user: User): Promise<void> {
    this.pendingDelete.set(user);
    if (!(await this.deleteDialog().ask())) return;
    this.error.set(null);
    this.busy.set(user.id);
    try {
      await this.api.deleteUser(user.id);
      this.users.update(
        (users) => users?.filter((u) => u.id !== user.id) ?? null,
      );
      this.notice.set(`User ${user.username} deleted.`);
    } catch (error) {
      this.error.set(toApiError(error).message);
    } finally {
      this.busy.set(null);
    }
  }
}
