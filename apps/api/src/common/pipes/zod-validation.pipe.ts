import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/** The 400 a validation failure turns into; the exception filter copies `fields` into the body. */
export class ValidationFailedException extends BadRequestException {
  constructor(
    message: string,
    readonly fields: Record<string, string>,
  ) {
    super(message);
  }
}

/** Maps zod issues to `{ "dotted.path": "message" }`; unknown keys each get their own entry. */
export function issuesToFields(
  issues: readonly z.core.$ZodIssue[],
): Record<string, string> {
  const fields: Record<string, string> = {};
  const add = (path: readonly PropertyKey[], message: string) => {
    const key = path.map(String).join('.') || '(body)';
    fields[key] ??= message;
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        add([...issue.path, key], 'is not a known field');
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      add(issue.path, 'is required');
    } else {
      add(issue.path, issue.message);
    }
  }
  return fields;
}

export function validationException(
  issues: readonly z.core.$ZodIssue[],
): ValidationFailedException {
  const fields = issuesToFields(issues);
  const summary = Object.entries(fields)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ');
  return new ValidationFailedException(`Invalid request: ${summary}`, fields);
}

/** Validates (and fills defaults of) a body or query against a domain schema. */
export class ZodValidationPipe<S extends z.ZodType>
  implements PipeTransform<unknown, z.output<S>>
{
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    // reportInput lets us tell "missing" from "wrong type"; inputs are never echoed back.
    const result = this.schema.safeParse(value ?? {}, { reportInput: true });
    if (!result.success) throw validationException(result.error.issues);
    return result.data;
  }
}
