import { Injectable } from '@nestjs/common';

/** The time source; unit tests swap it to control expiry. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
