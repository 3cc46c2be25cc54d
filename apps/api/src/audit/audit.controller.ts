import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { AuditEntry, Page } from '@velociraptor/domain';
import { MinRole } from '../auth/decorators';
import { ZodValidationPipe } from '../common/pipes/zod-validation.pipe';
import { AuditService } from './audit.service';

const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

@ApiTags('audit')
@Controller('audit')
@MinRole('admin')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit log, newest first (admin only)' })
  list(
    @Query(new ZodValidationPipe(auditQuerySchema))
    query: z.output<typeof auditQuerySchema>,
  ): Promise<Page<AuditEntry>> {
    return this.audit.list(query.limit, query.offset);
  }
}
