/**
 * A mistake in a user's examples (a support or query file, or a request's `support` /
 * `query`): `file` names the file or field, `where` the row or key, `reason` why. The CLI
 * turns it into exit code 2, the serve API into 400.
 */
export class ExamplesError extends Error {
  override readonly name = 'ExamplesError';
  constructor(
    readonly file: string,
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${file}: ${where ? `${where}: ` : ''}${reason}`);
  }
}
