import type { Route } from '@angular/router';
import { adminGuard, authGuard, signedOutGuard } from './core/guards';

export const appRoutes: Route[] = [
  {
    path: 'login',
    canActivate: [signedOutGuard],
    title: 'Sign in · Velociraptor',
    loadComponent: () => import('./auth/login.page').then((m) => m.LoginPage),
  },
  {
    path: 'unavailable',
    title: 'API unavailable · Velociraptor',
    loadComponent: () =>
      import('./auth/unavailable.page').then((m) => m.UnavailablePage),
  },
  {
    path: '',
    canActivate: [authGuard],
    loadComponent: () => import('./shell/shell').then((m) => m.Shell),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'stacks' },
      {
        path: 'stacks',
        title: 'Stacks · Velociraptor',
        loadComponent: () =>
          import('./stacks/stacks-list.page').then((m) => m.StacksListPage),
      },
      {
        path: 'stacks/new',
        title: 'New stack · Velociraptor',
        loadComponent: () =>
          import('./stacks/stack-form.page').then((m) => m.StackFormPage),
      },
      {
        path: 'stacks/:name',
        title: 'Stack · Velociraptor',
        loadComponent: () =>
          import('./stacks/stack-detail.page').then((m) => m.StackDetailPage),
      },
      {
        path: 'stacks/:name/edit',
        title: 'Edit stack · Velociraptor',
        loadComponent: () =>
          import('./stacks/stack-form.page').then((m) => m.StackFormPage),
      },
      {
        path: 'stacks/:name/images/:id/log',
        title: 'Build log · Velociraptor',
        loadComponent: () =>
          import('./logs/log-view.page').then((m) => m.LogViewPage),
      },
      {
        path: 'apps',
        title: 'Apps · Velociraptor',
        loadComponent: () =>
          import('./apps/apps-list.page').then((m) => m.AppsListPage),
      },
      {
        path: 'apps/new',
        title: 'New app · Velociraptor',
        loadComponent: () =>
          import('./apps/app-form.page').then((m) => m.AppFormPage),
      },
      {
        path: 'apps/:id',
        title: 'App · Velociraptor',
        loadComponent: () =>
          import('./apps/app-form.page').then((m) => m.AppFormPage),
      },
      {
        path: 'apps/:id/builds',
        title: 'App builds · Velociraptor',
        data: { feature: 'builds' },
        loadComponent: () =>
          import('./apps/coming-soon.page').then((m) => m.ComingSoonPage),
      },
      {
        path: 'apps/:id/deploys',
        title: 'App deploys · Velociraptor',
        data: { feature: 'deploys' },
        loadComponent: () =>
          import('./apps/coming-soon.page').then((m) => m.ComingSoonPage),
      },
      {
        path: 'settings',
        loadComponent: () =>
          import('./settings/settings.layout').then((m) => m.SettingsLayout),
        children: [
          { path: '', pathMatch: 'full', redirectTo: 'tokens' },
          {
            path: 'tokens',
            title: 'API tokens · Velociraptor',
            loadComponent: () =>
              import('./settings/tokens.page').then((m) => m.TokensPage),
          },
          {
            path: 'users',
            canActivate: [adminGuard],
            title: 'Users · Velociraptor',
            loadComponent: () =>
              import('./settings/users.page').then((m) => m.UsersPage),
          },
          {
            path: 'audit',
            canActivate: [adminGuard],
            title: 'Audit log · Velociraptor',
            loadComponent: () =>
              import('./settings/audit.page').then((m) => m.AuditPage),
          },
        ],
      },
      {
        path: 'forbidden',
        title: 'No permission · Velociraptor',
        loadComponent: () =>
          import('./shell/forbidden.page').then((m) => m.ForbiddenPage),
      },
      {
        path: '**',
        title: 'Not found · Velociraptor',
        loadComponent: () =>
          import('./shell/not-found.page').then((m) => m.NotFoundPage),
      },
    ],
  },
];
