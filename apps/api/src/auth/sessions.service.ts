import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import { AppConfig } from '../config';
import { Clock } from '../common/clock';
import type { UserEntity } from '../users/user.entity';
import { csrfTokenFor, randomSecret, sha256Hex } from './secrets';
import { SessionEntity } from './session.entity';

export interface NewSession {
  /** Goes into the httpOnly cookie; never stored. */
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ResolvedSession {
  idHash: string;
  user: UserEntity;
}

const LAST_SEEN_RESOLUTION_MS = 60_000;

@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(SessionEntity)
    private readonly sessions: Repository<SessionEntity>,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async create(userId: string): Promise<NewSession> {
    const sessionId = randomSecret(32);
    const now = this.clock.now();
    const expiresAt = new Date(
      now.getTime() + this.config.sessionTtlHours * 3600_000,
    );
    // Expired rows would otherwise pile up; logins are rare enough to carry the cleanup.
    await this.sessions.delete({ expiresAt: LessThan(now) });
    await this.sessions.insert({
      idHash: sha256Hex(sessionId),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    });
    return { sessionId, csrfToken: csrfTokenFor(sessionId), expiresAt };
  }

  async resolve(sessionId: string): Promise<ResolvedSession | null> {
    const idHash = sha256Hex(sessionId);
    const session = await this.sessions.findOne({
      where: { idHash },
      relations: { user: true },
    });
    const now = this.clock.now();
    if (!session?.user || session.expiresAt <= now) return null;
    if (
      now.getTime() - session.lastSeenAt.getTime() >
      LAST_SEEN_RESOLUTION_MS
    ) {
      await this.sessions.update({ idHash }, { lastSeenAt: now });
    }
    return { idHash, user: session.user };
  }

  async destroy(idHash: string): Promise<void> {
    await this.sessions.delete({ idHash });
  }
}
