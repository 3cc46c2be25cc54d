import { readCookie } from './cookies';

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('a=1; vr_csrf=x%20y; b=2', 'vr_csrf')).toBe('x y');
  });
  it('does not match a cookie whose name only ends with the name', () => {
    expect(readCookie('old_vr_csrf=1', 'vr_csrf')).toBeNull();
  });
  it('keeps "=" inside values and tolerates bad encoding', () => {
    expect(readCookie('t=a=b', 't')).toBe('a=b');
    expect(readCookie('t=%E0%A4%A', 't')).toBe('%E0%A4%A');
  });
  it('returns null for an empty cookie string', () => {
    expect(readCookie('', 'vr_csrf')).toBeNull();
  });
});
