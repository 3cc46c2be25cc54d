import { imageName, isFinished, storageKeys } from './image';

describe('images', () => {
  it('names images <stack>_<YYYYMMDD>_<n> in UTC', () => {
    expect(imageName('web', new Date('2026-01-05T23:59:00Z'), 3)).toBe(
      'web_20260105_3',
    );
  });
  it('lays out object keys by stack', () => {
    expect(storageKeys.image('web', 'web_20260105_3')).toBe(
      'images/web/web_20260105_3.tar.zst',
    );
    expect(storageKeys.image('web', 'web_20260105_3', 'gzip')).toBe(
      'images/web/web_20260105_3.tar.gz',
    );
    expect(storageKeys.imageLog('web', 'web_20260105_3')).toBe(
      'logs/images/web/web_20260105_3.log',
    );
  });
  it('knows which statuses are final', () => {
    expect(isFinished('running')).toBe(false);
    expect(isFinished('cancelled')).toBe(true);
  });
});
