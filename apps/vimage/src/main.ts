import {
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from 'commander';
import { buildCommand, shellCommand, type CliIo } from './app/commands';
import { loadConfig } from './app/config';
import { EXIT_OK, EXIT_USAGE } from './app/exit-codes';

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

export function createProgram(run: (code: number) => void): Command {
  const config = loadConfig();
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  };
  const program = new Command('vimage')
    .description(
      'Build OS images ("stacks") in LXC containers: base image + provisioning script -> image tarball.',
    )
    .showHelpAfterError()
    .exitOverride();

  const common = (c: Command) =>
    c
      .option(
        '--work-root <dir>',
        'where the temporary work folder is made (default: $VIMAGE_WORK_ROOT or the system temp dir)',
      )
      .option(
        '--cache-dir <dir>',
        'download cache (default: $VIMAGE_CACHE_DIR or ~/.cache/vimage)',
      )
      .addOption(
        new Option('--network <mode>', 'container network')
          .choices(['host', 'isolated'])
          .default('host'),
      );

  common(
    program
      .command('build')
      .description(
        'build the image described by a stack YAML file into NAME.tar.gz (or .tar.zst) and NAME.log in the current folder',
      )
      .argument(
        '<stack.yaml>',
        'stack file (keys: base_image_url, base_image_name, new_image_name, script_url, env, base_image_md5|base_image_sha256)',
      )
      .addOption(
        new Option('--format <format>', 'image compression')
          .choices(['gzip', 'zstd'])
          .default('gzip'),
      )
      .addOption(
        new Option(
          '--keep-work-dir [when]',
          'keep the unpacked rootfs: on-failure (default when given) or always',
        )
          .choices(['on-failure', 'always'])
          .preset('on-failure'),
      )
      .option(
        '--timeout <seconds>',
        'fail the build after this long',
        positiveSeconds,
      ),
  ).action(
    async (
      file: string,
      o: {
        format: 'gzip' | 'zstd';
        keepWorkDir?: 'on-failure' | 'always';
        timeout?: number;
        workRoot?: string;
        cacheDir?: string;
        network: 'host' | 'isolated';
      },
    ) => {
      run(
        await buildCommand(
          file,
          { ...o, keepWorkDir: o.keepWorkDir ?? 'never' },
          config,
          io,
        ),
      );
    },
  );

  common(
    program
      .command('shell')
      .description(
        'open an interactive shell (bash, else sh) in a container on the base image; nothing is kept unless --keep',
      )
      .argument('<stack.yaml>', 'stack file')
      .option(
        '--run-script',
        'run the provisioning script first (the shell opens even if it fails)',
        false,
      )
      .option('--keep', 'keep the work folder with the modified rootfs', false),
  ).action(
    async (
      file: string,
      o: {
        runScript: boolean;
        keep: boolean;
        workRoot?: string;
        cacheDir?: string;
        network: 'host' | 'isolated';
      },
    ) => {
      run(await shellCommand(file, o, config, io));
    },
  );
  return program;
}

async function main(): Promise<void> {
  let exitCode = EXIT_OK;
  try {
    const program = createProgram((code) => {
      exitCode = code;
    });
    if (process.argv.length <= 2) {
      program.outputHelp();
      process.exitCode = EXIT_USAGE;
      return;
    }
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end up here with exit code 0.
      exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    } else {
      process.stderr.write(
        `vimage: error: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      exitCode = EXIT_USAGE;
    }
  }
  process.exitCode = exitCode;
}

void main();
