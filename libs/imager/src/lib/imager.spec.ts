import { imager } from './imager';

describe('imager', () => {
  it('should work', () => {
    expect(imager()).toEqual('imager');
  });
});
