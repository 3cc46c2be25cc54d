import type { IsoDate } from '../common/primitives';

export interface AuditEntry {
  id: string;
  at: IsoDate;
  actorId: string | null;
  actorName: string | null;
  /** e.g. `stack.create`, `user.update`, `token.revoke` */
  action: string;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
}
