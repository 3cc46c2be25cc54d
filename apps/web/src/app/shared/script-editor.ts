import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  afterNextRender,
  forwardRef,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { NG_VALUE_ACCESSOR, type ControlValueAccessor } from '@angular/forms';
import type { EditorView } from '@codemirror/view';

/**
 * A shell-script editor (CodeMirror 6 with the legacy shell mode). CodeMirror is imported when
 * the editor first renders, so only the stack form's chunk carries it. Until then, and if it
 * fails to load, a plain textarea edits the same value.
 */
@Component({
  selector: 'vr-script-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  providers: [
    {
      provide: NG_VALUE_ACCESSOR,
      useExisting: forwardRef(() => ScriptEditor),
      multi: true,
    },
  ],
  template: `
    <div #host class="code-editor" [class.hidden]="!ready()"></div>
    @if (!ready()) {
      <textarea
        class="mono code-fallback"
        [id]="inputId()"
        [attr.aria-describedby]="describedBy() || null"
        [value]="value"
        [disabled]="disabled"
        rows="16"
        spellcheck="false"
        (input)="fallbackInput($event)"
        (blur)="touched()"
      ></textarea>
    }
  `,
})
export class ScriptEditor implements ControlValueAccessor {
  readonly inputId = input.required<string>();
  /** The id of the visible label (a contenteditable cannot be the target of <label for>). */
  readonly labelId = input.required<string>();
  readonly describedBy = input('');
  private readonly host = viewChild.required<ElementRef<HTMLElement>>('host');
  protected readonly ready = signal(false);
  protected value = '';
  protected disabled = false;
  private view: EditorView | null = null;
  private onChange: (value: string) => void = () => undefined;
  protected touched: () => void = () => undefined;

  constructor() {
    const destroyRef = inject(DestroyRef);
    afterNextRender(() => {
      this.mount().catch((error: unknown) =>
        console.error(
          'Script editor unavailable, using a plain textarea',
          error,
        ),
      );
    });
    destroyRef.onDestroy(() => this.view?.destroy());
  }

  writeValue(value: string | null): void {
    this.value = value ?? '';
    const view = this.view;
    if (view && view.state.doc.toString() !== this.value) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: this.value },
      });
    }
  }

  registerOnChange(fn: (value: string) => void): void {
    this.onChange = fn;
  }

  registerOnTouched(fn: () => void): void {
    this.touched = fn;
  }

  setDisabledState(disabled: boolean): void {
    this.disabled = disabled;
  }

  protected fallbackInput(event: Event): void {
    this.value = (event.target as HTMLTextAreaElement).value;
    this.onChange(this.value);
  }

  private async mount(): Promise<void> {
    const [
      { basicSetup },
      { EditorView },
      { EditorState },
      { StreamLanguage },
      { shell },
    ] = await Promise.all([
      import('codemirror'),
      import('@codemirror/view'),
      import('@codemirror/state'),
      import('@codemirror/language'),
      import('@codemirror/legacy-modes/mode/shell'),
    ]);
    const attributes: Record<string, string> = {
      id: this.inputId(),
      'aria-multiline': 'true',
      'aria-labelledby': this.labelId(),
    };
    if (this.describedBy()) attributes['aria-describedby'] = this.describedBy();
    this.view = new EditorView({
      parent: this.host().nativeElement,
      state: EditorState.create({
        doc: this.value,
        extensions: [
          basicSetup,
          StreamLanguage.define(shell),
          EditorView.contentAttributes.of(attributes),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) {
              this.value = update.state.doc.toString();
              this.onChange(this.value);
            }
            if (update.focusChanged && !update.view.hasFocus) this.touched();
          }),
        ],
      }),
    });
    this.ready.set(true);
  }
}
