import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '../core/auth.service';

@Component({
  selector: 'vr-settings-layout',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page">
      <h1>Settings</h1>
      <nav class="tabs" aria-label="Settings">
        <a
          routerLink="tokens"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          >API tokens</a
        >
        @if (auth.isAdmin()) {
          <a
            routerLink="users"
            routerLinkActive="active"
            ariaCurrentWhenActive="page"
            >Users</a
          >
          <a
            routerLink="audit"
            routerLinkActive="active"
            ariaCurrentWhenActive="page"
            >Audit log</a
          >
        }
      </nav>
      <router-outlet />
    </div>
  `,
  styles: `
    .tabs {
      display: flex;
      gap: 0.25rem;
      border-bottom: 1px solid var(--border);
      margin: 0.75rem 0 1rem;
      overflow-x: auto;
    }
    .tabs a {
      padding: 0.5rem 0.9rem;
      text-decoration: none;
      color: var(--muted);
      border-bottom: 3px solid transparent;
      white-space: nowrap;
    }
    .tabs a.active {
      color: var(--text);
      border-bottom-color: var(--primary);
      font-weight: 600;
    }
  `,
})
export class SettingsLayout {
  protected readonly auth = inject(AuthService);
}
