export class LxcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The host cannot run containers (not root, LXC missing). One-line message. */
export class LxcUnavailableError extends LxcError {}

/** The caller passed options we refuse (bad path, name in use, ...). */
export class LxcInputError extends LxcError {}

/** LXC could not start the container; `log` holds LXC's own error lines. */
export class LxcStartError extends LxcError {
  constructor(
    message: string,
    readonly log: string[],
  ) {
    super(message);
  }
}
