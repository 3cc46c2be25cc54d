/**
 * A small ANSI SGR parser for build logs: colours (8/16/256/truecolor, fg and bg), bold, dim,
 * italic, underline, inverse and reset. Every other escape sequence is stripped. Pure functions,
 * no DOM, so the log view can parse only the rows it shows.
 */

export interface AnsiStyle {
  /** A CSS colour: `var(--ansi-N)` for the 16 theme colours, `rgb(...)` otherwise. */
  readonly fg?: string;
  readonly bg?: string;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly inverse?: boolean;
}

export interface AnsiSegment {
  readonly text: string;
  readonly style: AnsiStyle;
}

export interface AnsiLine {
  readonly segments: AnsiSegment[];
  /** The text without any escape sequence. */
  readonly plain: string;
  /** The style in effect after the line, which the next line starts with (terminals carry it over). */
  readonly endStyle: AnsiStyle;
}

export const DEFAULT_STYLE: AnsiStyle = Object.freeze({});

export function isDefaultStyle(style: AnsiStyle): boolean {
  return (
    style === DEFAULT_STYLE ||
    (style.fg === undefined &&
      style.bg === undefined &&
      !style.bold &&
      !style.dim &&
      !style.italic &&
      !style.underline &&
      !style.inverse)
  );
}

const ESC = '\u001b';

/** The colour of palette entry `n` (0–255) of the xterm 256-colour table. */
export function paletteColor(n: number): string {
  if (n < 16) return `var(--ansi-${n})`;
  if (n < 232) {
    const i = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
  }
  const gray = 8 + (n - 232) * 10;
  return `rgb(${gray}, ${gray}, ${gray})`;
}

function clampByte(value: number | undefined): number | null {
  if (
    value === undefined ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > 255
  )
    return null;
  return value;
}

/**
 * Reads an extended colour (`38;5;n` or `38;2;r;g;b`) starting at params[i] (the 5 or 2).
 * Returns the colour (null when malformed) and how many parameters it used.
 */
function extendedColor(
  params: number[],
  i: number,
): { color: string | null; used: number } {
  const mode = params[i];
  if (mode === 5) {
    const n = clampByte(params[i + 1]);
    return { color: n === null ? null : paletteColor(n), used: 2 };
  }
  if (mode === 2) {
    const r = clampByte(params[i + 1]);
    const g = clampByte(params[i + 2]);
    const b = clampByte(params[i + 3]);
    return {
      color:
        r === null || g === null || b === null ? null : `rgb(${r}, ${g}, ${b})`,
      used: 4,
    };
  }
  return { color: null, used: 1 };
}

type MutableStyle = { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] };

/** Applies one SGR sequence's parameters (`ESC [ params m`) to a style. */
export function applySgr(style: AnsiStyle, params: number[]): AnsiStyle {
  const next: MutableStyle = { ...style };
  applySgrTo(next, params);
  return compact(next);
}

/** In-place variant: the parser keeps one mutable style per line instead of a copy per sequence. */
function applySgrTo(next: MutableStyle, params: number[]): void {
  if (params.length === 0) {
    resetStyle(next);
    return;
  }
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) resetStyle(next);
    else if (p === 1) next.bold = true;
    else if (p === 2) next.dim = true;
    else if (p === 3) next.italic = true;
    else if (p === 4) next.underline = true;
    else if (p === 7) next.inverse = true;
    else if (p === 22) {
      next.bold = false;
      next.dim = false;
    } else if (p === 23) next.italic = false;
    else if (p === 24) next.underline = false;
    else if (p === 27) next.inverse = false;
    else if (p >= 30 && p <= 37) next.fg = paletteColor(p - 30);
    else if (p >= 90 && p <= 97) next.fg = paletteColor(p - 90 + 8);
    else if (p === 39) next.fg = undefined;
    else if (p >= 40 && p <= 47) next.bg = paletteColor(p - 40);
    else if (p >= 100 && p <= 107) next.bg = paletteColor(p - 100 + 8);
    else if (p === 49) next.bg = undefined;
    else if (p === 38 || p === 48) {
      const { color, used } = extendedColor(params, i + 1);
      if (color !== null) {
        if (p === 38) next.fg = color;
        else next.bg = color;
      }
      i += used;
    }
    // Anything else (blink, conceal, fonts, …) has no meaning in a log view: ignored.
  }
}

function resetStyle(style: MutableStyle): void {
  style.fg = undefined;
  style.bg = undefined;
  style.bold = false;
  style.dim = false;
  style.italic = false;
  style.underline = false;
  style.inverse = false;
}

/** Drops unset keys so equal styles compare equal and the default style stays `{}`. */
function compact(style: AnsiStyle): AnsiStyle {
  const out: { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] } = {};
  if (style.fg !== undefined) out.fg = style.fg;
  if (style.bg !== undefined) out.bg = style.bg;
  if (style.bold) out.bold = true;
  if (style.dim) out.dim = true;
  if (style.italic) out.italic = true;
  if (style.underline) out.underline = true;
  if (style.inverse) out.inverse = true;
  return isDefaultStyle(out) ? DEFAULT_STYLE : out;
}

function parseParams(raw: string): number[] {
  if (raw === '') return [];
  // `:` separates sub-parameters (e.g. `38:2::r:g:b`); it is read like `;`, except that an empty
  // sub-parameter (the colour-space id) is skipped rather than read as 0.
  const colon = raw.includes(':');
  const params: number[] = [];
  let value = 0;
  let empty = true;
  for (let i = 0; i <= raw.length; i++) {
    const code = i < raw.length ? raw.charCodeAt(i) : 0x3b;
    if (code >= 0x30 && code <= 0x39) {
      value = value * 10 + (code - 0x30);
      empty = false;
    } else {
      if (!empty || !colon) params.push(value);
      value = 0;
      empty = true;
    }
  }
  return params;
}

function isFinalByte(code: number): boolean {
  return code >= 0x40 && code <= 0x7e;
}

/**
 * Parses one log line. `startStyle` is the style the previous line ended with.
 * A carriage return starts the line over (progress bars redraw themselves that way);
 * other control characters except tab are dropped.
 */
export function parseAnsiLine(
  line: string,
  startStyle: AnsiStyle = DEFAULT_STYLE,
): AnsiLine {
  return scan(line, startStyle, true);
}

/**
 * The plain text and end style only, without building segments: what the log buffer needs for
 * every line it receives (segments are built later, for the rows on screen).
 */
export function scanAnsiLine(
  line: string,
  startStyle: AnsiStyle = DEFAULT_STYLE,
): { plain: string; endStyle: AnsiStyle } {
  return scan(line, startStyle, false);
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a === b ||
    (a.fg === b.fg &&
      a.bg === b.bg &&
      !a.bold === !b.bold &&
      !a.dim === !b.dim &&
      !a.italic === !b.italic &&
      !a.underline === !b.underline &&
      !a.inverse === !b.inverse)
  );
}

function scan(
  line: string,
  startStyle: AnsiStyle,
  withSegments: boolean,
): AnsiLine {
  // Fast path: most lines of most logs carry no control characters at all.
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line)) {
    return {
      segments:
        !withSegments || line === '' ? [] : [{ text: line, style: startStyle }],
      plain: line,
      endStyle: startStyle,
    };
  }
  let segments: AnsiSegment[] = [];
  let plain = '';
  // One mutable style per line; an immutable snapshot is taken only when text follows a change.
  const current: MutableStyle = { ...startStyle };
  let style = startStyle;
  let changed = false;
  let text = '';
  const flush = () => {
    if (text === '') return;
    plain += text;
    if (withSegments) {
      if (changed) {
        style = compact(current);
        changed = false;
      }
      const last = segments[segments.length - 1];
      if (last !== undefined && sameStyle(last.style, style)) {
        segments[segments.length - 1] = {
          text: last.text + text,
          style: last.style,
        };
      } else {
        segments.push({ text, style });
      }
    }
    text = '';
  };
  const n = line.length;
  let runStart = 0;
  let i = 0;
  while (i < n) {
    const code = line.charCodeAt(i);
    if (code === 0x09 || (code >= 0x20 && code !== 0x7f)) {
      i++;
      continue;
    }
    // A control character ends the run of printable text before it.
    if (i > runStart) text += line.slice(runStart, i);
    if (code === 0x1b) {
      const kind = line[i + 1];
      if (kind === '[') {
        // CSI: parameter bytes 0x30–0x3f, intermediate bytes 0x20–0x2f, one final byte.
        let j = i + 2;
        while (
          j < n &&
          line.charCodeAt(j) >= 0x30 &&
          line.charCodeAt(j) <= 0x3f
        )
          j++;
        const paramsEnd = j;
        while (
          j < n &&
          line.charCodeAt(j) >= 0x20 &&
          line.charCodeAt(j) <= 0x2f
        )
          j++;
        if (j >= n || !isFinalByte(line.charCodeAt(j))) {
          i = j; // truncated or malformed sequence: drop what we have seen of it
        } else {
          const raw = line.slice(i + 2, paramsEnd);
          if (line[j] === 'm' && paramsEnd === j && /^[0-9;:]*$/.test(raw)) {
            flush();
            applySgrTo(current, parseParams(raw));
            changed = true;
          }
          i = j + 1;
        }
      } else if (
        kind === ']' ||
        kind === 'P' ||
        kind === '_' ||
        kind === '^' ||
        kind === 'X'
      ) {
        // OSC / DCS / APC / PM / SOS: a string terminated by BEL or ESC \ (or the end of the line).
        let j = i + 2;
        while (j < n) {
          if (line[j] === '\u0007') {
            j += 1;
            break;
          }
          if (line[j] === ESC && line[j + 1] === '\\') {
            j += 2;
            break;
          }
          j++;
        }
        i = j;
      } else if (
        kind === '(' ||
        kind === ')' ||
        kind === '*' ||
        kind === '+' ||
        kind === '#' ||
        kind === '%'
      ) {
        i += 3; // charset designation, e.g. ESC ( B
      } else {
        i += kind === undefined ? 1 : 2; // any other two-byte escape (ESC =, ESC M, …)
      }
    } else if (code === 0x0d) {
      // A trailing CR (CRLF endings) changes nothing; one in the middle redraws the line.
      if (i + 1 < n) {
        text = '';
        plain = '';
        segments = [];
      }
      i++;
    } else {
      i++; // other control characters are dropped
    }
    runStart = Math.min(i, n);
  }
  if (n > runStart) text += line.slice(runStart, n);
  flush();
  return { segments, plain, endStyle: changed ? compact(current) : style };
}

/** The text of a line without escape sequences (same rules as parseAnsiLine). */
export function stripAnsi(line: string): string {
  return scanAnsiLine(line).plain;
}

/** Inline CSS for a segment's style; `inverse` swaps the colours with the log's defaults. */
export function styleToCss(style: AnsiStyle): Record<string, string> {
  if (style === DEFAULT_STYLE) return {};
  const css: Record<string, string> = {};
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) {
    fg = style.bg ?? 'var(--log-bg)';
    bg = style.fg ?? 'var(--log-fg)';
  }
  if (fg !== undefined) css['color'] = fg;
  if (bg !== undefined) css['background-color'] = bg;
  if (style.bold) css['font-weight'] = '700';
  if (style.dim) css['opacity'] = '0.7';
  if (style.italic) css['font-style'] = 'italic';
  if (style.underline) css['text-decoration'] = 'underline';
  return css;
}
