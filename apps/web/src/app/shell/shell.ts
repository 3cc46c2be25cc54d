import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  HostListener,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import {
  NavigationEnd,
  Router,
  RouterLink,
  RouterLinkActive,
  RouterOutlet,
} from '@angular/router';
import { AuthService } from '../core/auth.service';
import { SocketService } from '../core/socket.service';

/** The signed-in frame: top menu (Platform → Stacks / Apps, Settings, user, sign out) and the connection banner. */
@Component({
  selector: 'vr-shell',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './shell.html',
  styleUrl: './shell.css',
})
export class Shell {
  protected readonly auth = inject(AuthService);
  protected readonly socket = inject(SocketService);
  private readonly router = inject(Router);
  protected readonly platformOpen = signal(false);
  protected readonly navOpen = signal(false);
  private readonly platformMenu =
    viewChild<ElementRef<HTMLElement>>('platformMenu');

  constructor() {
    void this.socket.connect();
    const subscription = this.router.events.subscribe((event) => {
      if (event instanceof NavigationEnd) {
        this.platformOpen.set(false);
        this.navOpen.set(false);
      }
    });
    inject(DestroyRef).onDestroy(() => {
      subscription.unsubscribe();
      this.socket.disconnect();
    });
  }

  protected togglePlatform(): void {
    this.platformOpen.update((open) => !open);
  }

  protected toggleNav(): void {
    this.navOpen.update((open) => !open);
  }

  @HostListener('document:click', ['$event'])
  protected closeOnOutsideClick(event: MouseEvent): void {
    const menu = this.platformMenu()?.nativeElement;
    if (menu && !menu.contains(event.target as Node))
      this.platformOpen.set(false);
  }

  @HostListener('document:keydown.escape')
  protected closeOnEscape(): void {
    this.platformOpen.set(false);
  }

  protected async signOut(): Promise<void> {
    this.socket.disconnect();
    await this.auth.logout();
  }
}
