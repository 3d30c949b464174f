import { ValidationError } from '../domain/errors.js';

/** Runs a domain parse and names the request field in the problem if it fails. */
export function fieldError<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`${path}: ${err.message}`, { errors: [{ path, message: err.message }] });
    throw err;
  }
}
