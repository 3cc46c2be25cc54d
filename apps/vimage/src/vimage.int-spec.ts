import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '../../..');
const cli = join(repo, 'dist/apps/vimage/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function vimage(args: string[], cwd: string): Promise<Run> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [cli, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', rej);
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** Drives a command through a pseudo-terminal: waits for `expect` after each input line. */
const PTY = `
import os, pty, select, sys, time
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b""
def read_until(token, timeout=120):
    global out
    end = time.time() + timeout
    while token not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
read_until(b"#")
os.write(fd, b"echo answer=$((6*7)); uname -n\\n")
read_until(b"answer=42")
os.write(fd, b"exit 3\\n")
read_until(b"\\x00", timeout=30)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;

describe('vimage CLI', () => {
  let dir: string;
  let busybox: string;

  beforeAll(() => {
    if (!existsSync(cli))
      throw new Error(`${cli} missing: run nx build vimage`);
    busybox = execFileSync(
      join(repo, 'scripts/fixtures/make-base-images.sh'),
      ['busybox'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
      .toString()
      .trim();
    dir = mkdtempSync(join(tmpdir(), 'vimage-it-'));
    writeFileSync(
      join(dir, 'provision.sh'),
      '#!/bin/sh\necho "provisioning $GREETING"\necho warn >&2\ntouch /root/done\n',
    );
    writeFileSync(
      join(dir, 'fail.sh'),
      '#!/bin/sh\necho about to fail\nexit 7\n',
    );
    const yaml = (name: string, script: string) =>
      `base_image_url: ${busybox}\nbase_image_name: busybox\nnew_image_name: ${name}\nscript_url: ${script}\nenv:\n  GREETING: hello\n`;
    writeFileSync(
      join(dir, 'my_image.yaml'),
      yaml('my_awesome_image_20141031', 'provision.sh'),
    );
    writeFileSync(join(dir, 'fail.yaml'), yaml('failing_image', './fail.sh'));
    writeFileSync(
      join(dir, 'unknown.yaml'),
      `${yaml('x', 'provision.sh')}colour: blue\n`,
    );
    writeFileSync(join(dir, 'bad.yaml'), 'base_image_url: [oops\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('build leaves NAME.log and NAME.tar.gz and shows the script output', async () => {
    const r = await vimage(['build', 'my_image.yaml'], dir);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('provisioning hello');
    // the script's stderr is merged into its stdout, in the order written
    expect(r.stdout).toMatch(/provisioning hello[\s\S]*warn/);
    const log = readFileSync(
      join(dir, 'my_awesome_image_20141031.log'),
      'utf8',
    );
    expect(log).toContain('provisioning hello');
    const listing = execFileSync('tar', [
      '-tzf',
      join(dir, 'my_awesome_image_20141031.tar.gz'),
    ]).toString();
    expect(listing).toContain('./root/done');
  });

  it('build --format zstd writes NAME.tar.zst', async () => {
    const r = await vimage(['build', '--format', 'zstd', 'my_image.yaml'], dir);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'my_awesome_image_20141031.tar.zst'))).toBe(
      true,
    );
  });

  it("exits with the script's exit code and leaves no image behind", async () => {
    const r = await vimage(['build', 'fail.yaml'], dir);
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('about to fail');
    expect(r.stderr).toMatch(
      /^vimage: error: provisioning script failed with exit code 7$/m,
    );
    expect(
      readdirSync(dir).filter(
        (f) => f.startsWith('failing_image') || f.includes('partial'),
      ),
    ).toEqual(['failing_image.log']);
  });

  it('rejects an unknown key naming it, with exit code 2', async () => {
    const r = await vimage(['build', 'unknown.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^vimage: error: unknown\.yaml: unknown key "colour"/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('rejects bad YAML in one line, with exit code 2', async () => {
    const r = await vimage(['build', 'bad.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^vimage: error: bad\.yaml: invalid YAML/),
    ]);
  });

  it('shell opens an interactive shell in a pseudo-terminal', () => {
    let out: string;
    let code = 0;
    try {
      out = execFileSync(
        'python3',
        ['-c', PTY, process.execPath, cli, 'shell', 'my_image.yaml'],
        {
          cwd: dir,
          timeout: 180000,
        },
      ).toString();
    } catch (err) {
      const e = err as { status: number; stdout: Buffer };
      code = e.status;
      out = e.stdout.toString();
    }
    expect(out).toContain('answer=42');
    expect(code).toBe(3);
  });

  it('--help works for every command', async () => {
    for (const args of [['--help'], ['build', '--help'], ['shell', '--help']]) {
      const r = await vimage(args, dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: vimage/);
    }
  });
});
