import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  input,
  viewChild,
} from '@angular/core';

/**
 * A modal confirmation on the native <dialog> (focus trap, Escape and backdrop for free).
 * `ask()` resolves true when the user confirms.
 */
@Component({
  selector: 'vr-confirm-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <dialog
      #dialog
      class="dialog"
      [attr.aria-labelledby]="titleId"
      (close)="closed()"
    >
      <form method="dialog">
        <h2 [id]="titleId">{{ heading() }}</h2>
        <div class="dialog-body"><ng-content /></div>
        <div class="actions">
          <button type="submit" value="cancel" class="btn" autofocus>
            Cancel
          </button>
          <button
            type="submit"
            value="confirm"
            class="btn"
            [class.btn-danger]="danger()"
            [class.btn-primary]="!danger()"
          >
            {{ confirmLabel() }}
          </button>
        </div>
      </form>
    </dialog>
  `,
})
export class ConfirmDialog {
  private static nextId = 0;
  readonly heading = input.required<string>();
  readonly confirmLabel = input('Confirm');
  readonly danger = input(false);
  protected readonly titleId = `confirm-title-${ConfirmDialog.nextId++}`;
  private readonly dialog =
    viewChild.required<ElementRef<HTMLDialogElement>>('dialog');
  private resolve: ((confirmed: boolean) => void) | null = null;

  ask(): Promise<boolean> {
    const dialog = this.dialog().nativeElement;
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => (this.resolve = resolve));
  }

  protected closed(): void {
    const confirmed = this.dialog().nativeElement.returnValue === 'confirm';
    this.resolve?.(confirmed);
    this.resolve = null;
  }
}
