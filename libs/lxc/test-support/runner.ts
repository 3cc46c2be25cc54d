/**
 * Child process used by the integration tests, for what a jest worker cannot
 * do itself: own a terminal (shell) or die abruptly in the middle of a run.
 *   runner.ts shell <lxcPath> <rootfs>   interactive shell, exits with its code
 *   runner.ts hang  <lxcPath> <rootfs> <name>   starts a long container, prints READY
 */
import { Lxc } from '../src';

async function main(): Promise<void> {
  const [mode, lxcPath, rootfs, name] = process.argv.slice(2);
  const lxc = new Lxc({ lxcPath });
  if (mode === 'shell') {
    process.exitCode = await lxc.shell({
      rootfs,
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        TERM: 'dumb',
        HOME: '/root',
      },
    });
    return;
  }
  if (mode === 'hang') {
    await lxc.run({
      rootfs,
      name,
      command: ['/bin/sh', '-c', 'echo up; exec sleep 987654'],
      onLine: (line) => {
        if (line === 'up') process.stdout.write('READY\n');
      },
    });
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
