/** An error caused by the user's input (config, data, arguments): printed without a stack, exit code 2. */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
