export {
  Lxc,
  DEFAULT_LXC_PATH,
  DEFAULT_NAME_PREFIX,
  KILLED_EXIT_CODE,
  generateName,
} from './lib/lxc';
export {
  renderConfig,
  writeConfig,
  renderLimits,
  escapeMountField,
  CPU_PERIOD_US,
  DROPPED_CAPABILITIES,
  type CgroupVersion,
  type LxcConfigOptions,
  type MountEntry,
} from './lib/config';
export { LineSplitter, MAX_LINE_LENGTH } from './lib/line-splitter';
export {
  LxcError,
  LxcUnavailableError,
  LxcInputError,
  LxcStartError,
} from './lib/errors';
export type {
  NetworkMode,
  ResourceLimits,
  BindMount,
  OutputStream,
  RunOptions,
  RunResult,
  ShellOptions,
  LxcLogger,
  LxcOptions,
} from './lib/types';
