/**
 * The two interceptor primitives of a weapp-login manager, which is all an adapter
 * needs of it (REFERENCE.md beside this package's README, "LoginManager": `authorize`,
 * `check`). A `LoginManager` from `createLoginManager` is one.
 */
export interface Interceptable {
  /**
   * Waits for a valid login state (one login shared with everything else) and resolves
   * with a copy of `options` carrying the token when `options.url` is trusted, and an
   * opaque ticket. Pass the previous ticket as `options.ticket` to authorize a replay.
   */
  authorize<O extends { url: string }>(options: O & { ticket?: unknown }): Promise<{ options: O; ticket: unknown }>;
  /**
   * `'ok'` unless the answer is an auth failure; then waits for the one shared renewal
   * and resolves `'replay'`, or rejects `RETRY_LIMIT` past `retryLimit` (`LOGGED_OUT` after logout).
   */
  check(ticket: unknown, response: { statusCode: number; data?: unknown; header?: Record<string, unknown> }): Promise<'ok' | 'replay'>;
}
