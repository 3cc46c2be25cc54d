import { Unique, Check, Column, Entity, PrimaryColumn } from 'typeorm';
import type { NetworkMode } from '@velociraptor/domain';
import { timestamptz } from '../database/columns';

@Entity('stacks')
@Unique('UQ_stacks_name', ['name'])
@Check('CHK_stacks_network', `"network" IN ('host', 'isolated')`)
export class StackEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_stacks' })
  id!: string;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ name: 'base_image_url', type: 'text' })
  baseImageUrl!: string;

  @Column({ name: 'base_image_checksum', type: 'text', nullable: true })
  baseImageChecksum!: string | null;

  @Column({ type: 'text' })
  script!: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  env!: Record<string, string>;

  @Column({ name: 'timeout_seconds', type: 'integer' })
  timeoutSeconds!: number;

  @Column({ type: 'varchar', length: 16 })
  network!: NetworkMode;

  @Column(timestamptz('created_at'))
  createdAt!: Date;

  @Column(timestamptz('updated_at'))
  updatedAt!: Date;
}
