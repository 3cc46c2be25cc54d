import {
  Unique,
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import type {
  ImageFormat,
  ImageStatus,
  NetworkMode,
} from '@velociraptor/domain';
import { bigintAsNumber, timestamptz } from '../database/columns';
import { StackEntity } from '../stacks/stack.entity';

/** One build of a stack. The `snapshot_*` columns freeze what it was built from. */
@Entity('images')
@Unique('UQ_images_name', ['name'])
@Check(
  'CHK_images_status',
  `"status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')`,
)
@Check('CHK_images_format', `"format" IN ('zstd', 'gzip')`)
@Check('CHK_images_active_succeeded', `NOT "active" OR "status" = 'succeeded'`)
// At most one active image per stack, enforced by the database rather than by care.
@Index('UQ_images_one_active_per_stack', ['stackId'], {
  unique: true,
  where: '"active"',
})
@Index('IDX_images_stack_queued_at', ['stackId', 'queuedAt'])
export class ImageEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_images' })
  id!: string;

  @Column({ name: 'stack_id', type: 'uuid' })
  stackId!: string;

  @ManyToOne(() => StackEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'stack_id',
    foreignKeyConstraintName: 'FK_images_stack_id',
  })
  stack?: StackEntity;

  /** `<stack>_<YYYYMMDD>_<n>` */
  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Index('IDX_images_status')
  @Column({ type: 'varchar', length: 16 })
  status!: ImageStatus;

  @Column({ type: 'varchar', length: 8 })
  format!: ImageFormat;

  @Column({ name: 'snapshot_base_image_url', type: 'text' })
  snapshotBaseImageUrl!: string;

  @Column({
    name: 'snapshot_base_image_checksum',
    type: 'text',
    nullable: true,
  })
  snapshotBaseImageChecksum!: string | null;

  @Column({ name: 'snapshot_script', type: 'text' })
  snapshotScript!: string;

  @Column({ name: 'snapshot_env', type: 'jsonb' })
  snapshotEnv!: Record<string, string>;

  @Column({ name: 'snapshot_timeout_seconds', type: 'integer' })
  snapshotTimeoutSeconds!: number;

  @Column({ name: 'snapshot_network', type: 'varchar', length: 16 })
  snapshotNetwork!: NetworkMode;

  /** Username of who queued it, kept even if that user is deleted later. */
  @Column({ name: 'triggered_by', type: 'varchar', length: 64, nullable: true })
  triggeredBy!: string | null;

  @Column({ name: 'builder_id', type: 'varchar', length: 255, nullable: true })
  builderId!: string | null;

  @Column(timestamptz('queued_at'))
  queuedAt!: Date;

  @Column(timestamptz('started_at', true))
  startedAt!: Date | null;

  @Column(timestamptz('finished_at', true))
  finishedAt!: Date | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  size!: number | null;

  @Column({ type: 'char', length: 32, nullable: true })
  md5!: string | null;

  @Column({ type: 'char', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ name: 'storage_key', type: 'text', nullable: true })
  storageKey!: string | null;

  @Column({ name: 'log_key', type: 'text', nullable: true })
  logKey!: string | null;

  @Column({ type: 'boolean', default: false })
  active!: boolean;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;
}
