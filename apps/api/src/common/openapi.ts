import { applyDecorators } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchemaObject = Record<string, unknown>;

/** Documents a request body with the JSON Schema of the same zod schema that validates it. */
export function ApiZodBody(schema: z.ZodType, description?: string) {
  const jsonSchema = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchemaObject;
  delete jsonSchema['$schema'];
  return applyDecorators(ApiBody({ description, schema: jsonSchema }));
}
