import type { Request } from 'express';
import type { User } from '@velociraptor/domain';

/** Who made a request and how they proved it. */
export interface Principal {
  user: User;
  via: 'session' | 'token';
  /** sha256 of the session id (session auth) or the token id (token auth). */
  credentialId: string;
}

/** The express request as the API sees it after its middleware and guards. */
export interface ApiRequest extends Request {
  requestId?: string;
  principal?: Principal;
}

export const REQUEST_ID_HEADER = 'x-request-id';
