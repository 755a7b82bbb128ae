import type { z } from 'zod';

/** An error caused by the user's input (config, data, arguments): printed without a stack, exit code 2. */
export class UserError extends Error {
  readonly exitCode = 2;
  /** The validation problems, each with its field path, when the input failed a schema (config, options). */
  readonly issues: readonly z.core.$ZodIssue[];
  constructor(message: string, issues: readonly z.core.$ZodIssue[] = []) {
    super(message);
    this.name = 'UserError';
    this.issues = issues;
  }
}
