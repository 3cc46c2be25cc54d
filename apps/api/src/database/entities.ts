import { AppEntity } from '../apps/app.entity';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { SessionEntity } from '../auth/session.entity';
import { ImageEntity } from '../images/image.entity';
import { StackEntity } from '../stacks/stack.entity';
import { ApiTokenEntity } from '../tokens/api-token.entity';
import { UserEntity } from '../users/user.entity';

/** Listed explicitly: the API is bundled by webpack, so glob patterns would find nothing. */
export const ENTITIES = [
  UserEntity,
  SessionEntity,
  ApiTokenEntity,
  AuditEntryEntity,
  StackEntity,
  ImageEntity,
  AppEntity,
];
