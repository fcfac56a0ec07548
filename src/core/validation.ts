import type { z } from 'zod';
import { TallyError } from './errors.js';

/** Turns schema issues into "where: path: reason" lines a person can act on. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], source: string): string[] {
  return issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
    return `${source}: ${path}: ${issue.message}`;
  });
}

/** Validates input that crossed a boundary; failures become one `invalid-input` error. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, source: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = formatIssues(result.error.issues, source);
    throw new TallyError('invalid-input', problems.join('; '), { problems });
  }
  return result.data;
}
