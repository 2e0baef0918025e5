// Every short Docker API call is bounded: a hung engine becomes an error that says so.
import { withTimeout } from '../../util/timeout.js';

export class EngineError extends Error {}

/** Every short Docker API call is bounded: a hung engine becomes an error that says so. */
export function engineCall<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  return withTimeout(
    p,
    seconds * 1000,
    () => new EngineError(`Docker Engine stopped answering (${what}: no reply within ${seconds} s)`),
  );
}
