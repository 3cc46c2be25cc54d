import { Directive, ElementRef, effect, inject, input } from '@angular/core';

/**
 * Brings a message into view and focus whenever it changes, so an error shown at the top of a
 * long form is seen (and read by screen readers) after clicking a button at the bottom.
 */
@Directive({
  selector: '[vrReveal]',
  host: { tabindex: '-1' },
})
export class Reveal {
  readonly vrReveal = input<unknown>();
  private readonly element = inject<ElementRef<HTMLElement>>(ElementRef);

  constructor() {
    effect(() => {
      if (!this.vrReveal()) return;
      const element = this.element.nativeElement;
      // Not every environment implements scrollIntoView (jsdom does not).
      element.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
      element.focus({ preventScroll: true });
    });
  }
}
