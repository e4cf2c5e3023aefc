/** What a standalone function returns: a value, or an error (never thrown for API errors). */
export type Result<T, E> =
  | { ok: true; value: T; error?: never }
  | { ok: false; error: E; value?: never };

/** Returns the value of a Result, or throws its error (what the client's methods do). */
export function unwrap<T, E>(result: Result<T, E>): T {
  if (result.ok) return result.value;
  throw result.error;
}
