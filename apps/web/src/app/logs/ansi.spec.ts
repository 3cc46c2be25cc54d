import {
  DEFAULT_STYLE,
  applySgr,
  paletteColor,
  parseAnsiLine,
  scanAnsiLine,
  stripAnsi,
  styleToCss,
} from './ansi';

const E = '\u001b';

describe('parseAnsiLine', () => {
  it('returns plain text untouched with the start style', () => {
    const line = parseAnsiLine('hello world');
    expect(line.plain).toBe('hello world');
    expect(line.segments).toEqual([
      { text: 'hello world', style: DEFAULT_STYLE },
    ]);
    expect(line.endStyle).toBe(DEFAULT_STYLE);
  });

  it('gives an empty line no segments', () => {
    expect(parseAnsiLine('').segments).toEqual([]);
  });

  it('parses the 8 basic and 8 bright foreground colours and reset', () => {
    const line = parseAnsiLine(`a${E}[31mred${E}[0mb${E}[92mgreen${E}[m`);
    expect(line.plain).toBe('aredbgreen');
    expect(line.segments).toEqual([
      { text: 'a', style: {} },
      { text: 'red', style: { fg: 'var(--ansi-1)' } },
      { text: 'b', style: {} },
      { text: 'green', style: { fg: 'var(--ansi-10)' } },
    ]);
    expect(line.endStyle).toBe(DEFAULT_STYLE);
  });

  it('parses background colours, bold and combined parameters', () => {
    const line = parseAnsiLine(`${E}[1;33;44mwarn${E}[22;49mx`);
    expect(line.segments).toEqual([
      {
        text: 'warn',
        style: { fg: 'var(--ansi-3)', bg: 'var(--ansi-4)', bold: true },
      },
      { text: 'x', style: { fg: 'var(--ansi-3)' } },
    ]);
  });

  it('parses 256-colour and truecolor foreground and background', () => {
    const line = parseAnsiLine(
      `${E}[38;5;196mA${E}[48;5;244mB${E}[38;2;10;20;30mC${E}[48:2::1:2:3mD`,
    );
    expect(line.segments.map((s) => s.style)).toEqual([
      { fg: 'rgb(255, 0, 0)' },
      { fg: 'rgb(255, 0, 0)', bg: 'rgb(128, 128, 128)' },
      { fg: 'rgb(10, 20, 30)', bg: 'rgb(128, 128, 128)' },
      { fg: 'rgb(10, 20, 30)', bg: 'rgb(1, 2, 3)' },
    ]);
  });

  it('ignores malformed extended colours without losing the rest of the sequence', () => {
    const line = parseAnsiLine(`${E}[38;5;300;1mX`);
    expect(line.segments).toEqual([{ text: 'X', style: { bold: true } }]);
  });

  it('carries the style over to the next line', () => {
    const first = parseAnsiLine(`${E}[32mstart`);
    const second = parseAnsiLine('continued', first.endStyle);
    expect(second.segments).toEqual([
      { text: 'continued', style: { fg: 'var(--ansi-2)' } },
    ]);
  });

  it('strips cursor movement, erase, OSC and charset sequences', () => {
    const line = parseAnsiLine(
      `${E}[2K${E}[1Gdone${E}]0;title\u0007 ok${E}]8;;http://x${E}\\link${E}(B${E}[?25l!`,
    );
    expect(line.plain).toBe('done oklink!');
  });

  it('redraws the line after a carriage return but keeps a trailing one harmless', () => {
    expect(stripAnsi('10%\r50%\r100%')).toBe('100%');
    expect(stripAnsi('windows line\r')).toBe('windows line');
  });

  it('drops other control characters but keeps tabs', () => {
    expect(stripAnsi('a\u0007b\tc\u0008d')).toBe('ab\tcd');
  });

  it('drops a truncated escape sequence at the end of a line', () => {
    expect(stripAnsi(`text${E}[31`)).toBe('text');
    expect(stripAnsi(`text${E}`)).toBe('text');
  });
});

describe('applySgr', () => {
  it('resets on an empty parameter list', () => {
    expect(applySgr({ bold: true }, [])).toBe(DEFAULT_STYLE);
  });
  it('sets and clears italic, underline and inverse, and default colours', () => {
    const on = applySgr(DEFAULT_STYLE, [3, 4, 7, 31, 41]);
    expect(on).toEqual({
      fg: 'var(--ansi-1)',
      bg: 'var(--ansi-1)',
      italic: true,
      underline: true,
      inverse: true,
    });
    expect(applySgr(on, [23, 24, 27, 39, 49])).toBe(DEFAULT_STYLE);
  });
});

describe('paletteColor', () => {
  it('maps the 6x6x6 cube and the grey ramp', () => {
    expect(paletteColor(16)).toBe('rgb(0, 0, 0)');
    expect(paletteColor(231)).toBe('rgb(255, 255, 255)');
    expect(paletteColor(232)).toBe('rgb(8, 8, 8)');
    expect(paletteColor(255)).toBe('rgb(238, 238, 238)');
    expect(paletteColor(7)).toBe('var(--ansi-7)');
  });
});

describe('styleToCss', () => {
  it('swaps colours for inverse, using the log defaults when unset', () => {
    expect(styleToCss({ inverse: true, fg: 'red' })).toEqual({
      color: 'var(--log-bg)',
      'background-color': 'red',
    });
    expect(styleToCss({ bold: true, underline: true })).toEqual({
      'font-weight': '700',
      'text-decoration': 'underline',
    });
  });
});

describe('scanAnsiLine', () => {
  it('gives the same text and end style as the full parse', () => {
    const E2 = '\u001b';
    for (const line of [
      'plain',
      `${E2}[1;31mbold red${E2}[22m not bold`,
      `${E2}[32mgreen\rover${E2}[0m`,
      `a\tb${E2}]0;t\u0007c`,
    ]) {
      const full = parseAnsiLine(line, { fg: 'x' });
      const scanned = scanAnsiLine(line, { fg: 'x' });
      expect(scanned.plain).toBe(full.plain);
      expect(scanned.endStyle).toEqual(full.endStyle);
    }
  });
});
