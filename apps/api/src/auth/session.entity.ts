import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { timestamptz } from '../database/columns';
import { UserEntity } from '../users/user.entity';

/** A login session; the cookie holds the secret id, the table only its sha256. */
@Entity('sessions')
export class SessionEntity {
  /** sha256 (hex) of the session id sent in the cookie. */
  @PrimaryColumn({
    name: 'id_hash',
    type: 'char',
    length: 64,
    primaryKeyConstraintName: 'PK_sessions',
  })
  idHash!: string;

  @Index('IDX_sessions_user_id')
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'user_id',
    foreignKeyConstraintName: 'FK_sessions_user_id',
  })
  user?: UserEntity;

  @Column(timestamptz('created_at'))
  createdAt!: Date;

  @Column(timestamptz('last_seen_at'))
  lastSeenAt!: Date;

  @Index('IDX_sessions_expires_at')
  @Column(timestamptz('expires_at'))
  expiresAt!: Date;
}
