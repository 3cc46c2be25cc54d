import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The first schema: accounts, audit log, stacks, images and apps. */
export class Initial1767225600000 implements MigrationInterface {
  name = 'Initial1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "stacks" ("id" uuid NOT NULL, "name" character varying(63) NOT NULL, "description" text NOT NULL DEFAULT '', "base_image_url" text NOT NULL, "base_image_checksum" text, "script" text NOT NULL, "env" jsonb NOT NULL DEFAULT '{}', "timeout_seconds" integer NOT NULL, "network" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "UQ_stacks_name" UNIQUE ("name"), CONSTRAINT "CHK_stacks_network" CHECK ("network" IN ('host', 'isolated')), CONSTRAINT "PK_stacks" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "apps" ("id" uuid NOT NULL, "name" character varying(63) NOT NULL, "repository" text NOT NULL, "build_command" text NOT NULL DEFAULT '', "env" jsonb NOT NULL DEFAULT '{}', "stack_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "UQ_apps_name" UNIQUE ("name"), CONSTRAINT "PK_apps" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_apps_stack_id" ON "apps" ("stack_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL, "username" character varying(64) NOT NULL, "password_hash" text NOT NULL, "role" character varying(16) NOT NULL, "disabled" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "UQ_users_username" UNIQUE ("username"), CONSTRAINT "CHK_users_role" CHECK ("role" IN ('admin', 'member', 'viewer')), CONSTRAINT "PK_users" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_id" uuid, "actor_name" character varying(64), "action" character varying(64) NOT NULL, "target_type" character varying(32) NOT NULL, "target_id" character varying(64), "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_audit_log" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_log_at" ON "audit_log" ("at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "sessions" ("id_hash" character(64) NOT NULL, "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_sessions" PRIMARY KEY ("id_hash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sessions_user_id" ON "sessions" ("user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sessions_expires_at" ON "sessions" ("expires_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "images" ("id" uuid NOT NULL, "stack_id" uuid NOT NULL, "name" character varying(128) NOT NULL, "status" character varying(16) NOT NULL, "format" character varying(8) NOT NULL, "snapshot_base_image_url" text NOT NULL, "snapshot_base_image_checksum" text, "snapshot_script" text NOT NULL, "snapshot_env" jsonb NOT NULL, "snapshot_timeout_seconds" integer NOT NULL, "snapshot_network" character varying(16) NOT NULL, "triggered_by" character varying(64), "builder_id" character varying(255), "queued_at" TIMESTAMP WITH TIME ZONE NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "size" bigint, "md5" character(32), "sha256" character(64), "storage_key" text, "log_key" text, "active" boolean NOT NULL DEFAULT false, "error_message" text, CONSTRAINT "UQ_images_name" UNIQUE ("name"), CONSTRAINT "CHK_images_active_succeeded" CHECK (NOT "active" OR "status" = 'succeeded'), CONSTRAINT "CHK_images_format" CHECK ("format" IN ('zstd', 'gzip')), CONSTRAINT "CHK_images_status" CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')), CONSTRAINT "PK_images" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_images_status" ON "images" ("status")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_images_stack_queued_at" ON "images" ("stack_id", "queued_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_images_one_active_per_stack" ON "images" ("stack_id") WHERE "active"`,
    );
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "name" character varying(100) NOT NULL, "token_hash" character(64) NOT NULL, "prefix" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_used_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_api_tokens_token_hash" UNIQUE ("token_hash"), CONSTRAINT "PK_api_tokens" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_api_tokens_user_id" ON "api_tokens" ("user_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "apps" ADD CONSTRAINT "FK_apps_stack_id" FOREIGN KEY ("stack_id") REFERENCES "stacks"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_log" ADD CONSTRAINT "FK_audit_log_actor_id" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_sessions_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "images" ADD CONSTRAINT "FK_images_stack_id" FOREIGN KEY ("stack_id") REFERENCES "stacks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_tokens" ADD CONSTRAINT "FK_api_tokens_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "api_tokens" DROP CONSTRAINT "FK_api_tokens_user_id"`,
    );
    await queryRunner.query(
      `ALTER TABLE "images" DROP CONSTRAINT "FK_images_stack_id"`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" DROP CONSTRAINT "FK_sessions_user_id"`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_log" DROP CONSTRAINT "FK_audit_log_actor_id"`,
    );
    await queryRunner.query(
      `ALTER TABLE "apps" DROP CONSTRAINT "FK_apps_stack_id"`,
    );
    await queryRunner.query(`DROP INDEX "public"."IDX_api_tokens_user_id"`);
    await queryRunner.query(`DROP TABLE "api_tokens"`);
    await queryRunner.query(
      `DROP INDEX "public"."UQ_images_one_active_per_stack"`,
    );
    await queryRunner.query(`DROP INDEX "public"."IDX_images_stack_queued_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_images_status"`);
    await queryRunner.query(`DROP TABLE "images"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_sessions_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_sessions_user_id"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_log_at"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_apps_stack_id"`);
    await queryRunner.query(`DROP TABLE "apps"`);
    await queryRunner.query(`DROP TABLE "stacks"`);
  }
}
