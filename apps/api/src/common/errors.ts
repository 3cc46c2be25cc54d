import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 with the number of seconds to wait, sent as Retry-After. */
export class TooManyRequestsException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
