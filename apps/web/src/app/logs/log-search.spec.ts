import { LogSearch, markMatches, splitMatches } from './log-search';

describe('LogSearch', () => {
  const lines = [
    'Setting up curl',
    'done',
    'ERROR: disk full',
    'retrying',
    'error again',
  ];

  it('finds lines case-insensitively and counts them', () => {
    const search = new LogSearch();
    search.setQuery('error', lines);
    expect(search.count).toBe(2);
    expect(search.currentLine).toBe(2);
  });

  it('moves to next and previous matches, wrapping around', () => {
    const search = new LogSearch();
    search.setQuery('e', lines);
    expect(search.count).toBe(5);
    expect(search.currentLine).toBe(0);
    expect(search.next()).toBe(1);
    expect(search.previous()).toBe(0);
    expect(search.previous()).toBe(4);
    expect(search.next()).toBe(0);
  });

  it('starts at the first match at or after a given line', () => {
    const search = new LogSearch();
    search.setQuery('error', lines, 3);
    expect(search.current).toBe(1);
    expect(search.currentLine).toBe(4);
  });

  it('extends the matches with lines appended later', () => {
    const search = new LogSearch();
    const live = ['error 1'];
    search.setQuery('error', live);
    live.push('fine', 'error 2');
    expect(search.extend(live)).toBe(true);
    expect(search.count).toBe(2);
    expect(search.isMatch(2)).toBe(true);
    expect(search.isMatch(1)).toBe(false);
    expect(search.extend(live)).toBe(false);
  });

  it('reports nothing for an empty query or no match', () => {
    const search = new LogSearch();
    search.setQuery('', lines);
    expect(search.count).toBe(0);
    expect(search.next()).toBe(-1);
    search.setQuery('nothing like it', lines);
    expect(search.count).toBe(0);
    expect(search.currentLine).toBe(-1);
    expect(search.previous()).toBe(-1);
  });
});

describe('markMatches', () => {
  it('marks a match that spans segments with different styles', () => {
    const red = { fg: 'red' };
    const marked = markMatches(
      [
        { text: 'an err', style: red },
        { text: 'or here, error', style: {} },
      ],
      'ERROR',
    );
    expect(marked).toEqual([
      { text: 'an ', style: red, match: false },
      { text: 'err', style: red, match: true },
      { text: 'or', style: {}, match: true },
      { text: ' here, ', style: {}, match: false },
      { text: 'error', style: {}, match: true },
    ]);
  });

  it('returns the segments unmarked when there is no query', () => {
    expect(markMatches([{ text: 'x', style: {} }], '')).toEqual([
      { text: 'x', style: {}, match: false },
    ]);
  });
});

describe('splitMatches', () => {
  it('splits text around every match', () => {
    expect(splitMatches('a-b-a', 'A')).toEqual([
      { text: 'a', match: true },
      { text: '-b-', match: false },
      { text: 'a', match: true },
    ]);
  });
});
