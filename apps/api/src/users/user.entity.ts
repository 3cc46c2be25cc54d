import { Unique, Check, Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@velociraptor/domain';
import { timestamptz } from '../database/columns';

@Entity('users')
@Unique('UQ_users_username', ['username'])
@Check('CHK_users_role', `"role" IN ('admin', 'member', 'viewer')`)
export class UserEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_users' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  username!: string;

  /** `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (see auth/password.service.ts). */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @Column(timestamptz('created_at'))
  createdAt!: Date;

  @Column(timestamptz('updated_at'))
  updatedAt!: Date;
}
