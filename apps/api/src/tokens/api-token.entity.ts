import {
  Unique,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { timestamptz } from '../database/columns';
import { UserEntity } from '../users/user.entity';

/** A personal API token; only its sha256 is stored. */
@Entity('api_tokens')
@Unique('UQ_api_tokens_token_hash', ['tokenHash'])
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_api_tokens' })
  id!: string;

  @Index('IDX_api_tokens_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'FK_api_tokens_user_id',
  })
  user?: UserEntity;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** sha256 (hex) of the whole token. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  /** The first characters of the token, shown in lists to recognise it. */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @Column(timestamptz('created_at'))
  createdAt!: Date;

  @Column(timestamptz('last_used_at', true))
  lastUsedAt!: Date | null;

  @Column(timestamptz('expires_at', true))
  expiresAt!: Date | null;

  @Column(timestamptz('revoked_at', true))
  revokedAt!: Date | null;
}
