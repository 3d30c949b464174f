/**
 * A start that cannot go on, for a reason the user can act on; its message is the one sentence
 * they read (what is wrong and what to do), so it is printed without a stack trace.
 */
export class StartError extends Error {
  override name = 'StartError';
}
