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
import { StackEntity } from '../stacks/stack.entity';

@Entity('apps')
@Unique('UQ_apps_name', ['name'])
export class AppEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_apps' })
  id!: string;

  @Column({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'text' })
  repository!: string;

  @Column({ name: 'build_command', type: 'text', default: '' })
  buildCommand!: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  env!: Record<string, string>;

  /** RESTRICT: a stack cannot be deleted while apps use it (the API answers 409 first). */
  @Index('IDX_apps_stack_id')
  @Column({ name: 'stack_id', type: 'uuid', nullable: true })
  stackId!: string | null;

  @ManyToOne(() => StackEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'stack_id',
    foreignKeyConstraintName: 'FK_apps_stack_id',
  })
  stack?: StackEntity;

  @Column(timestamptz('created_at'))
  createdAt!: Date;

  @Column(timestamptz('updated_at'))
  updatedAt!: Date;
}
