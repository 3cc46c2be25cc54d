import { lxc } from './lxc';

describe('lxc', () => {
  it('should work', () => {
    expect(lxc()).toEqual('lxc');
  });
});
