import { PodioAuthError } from '../errors.js';
import { isTokenExpiredAnswer } from '../podio/answers.js';
import { type FreshToken, type GetTokenInput, getToken, type TokenDeps } from './get-token.js';

/**
 * Calls Podio with a token, the way Podio's own clients do: when Podio answers 401 `expired_token` or
 * `invalid_token` (it ended the token early, or this clock is behind), refresh once and call again. A second
 * rejection is final (`token_rejected`, exit 4).
 */
export async function withToken<T>(
  input: GetTokenInput,
  deps: TokenDeps,
  call: (fresh: FreshToken) => Promise<T>,
): Promise<{ result: T; fresh: FreshToken }> {
  const first = await getToken(input, deps);
  try {
    return { result: await call(first), fresh: first };
  } catch (error) {
    if (!(error instanceof PodioAuthError) || error.code !== 'token_rejected' || !isTokenExpiredAnswer(error.podio))
      throw error;
    const second = await getToken({ ...input, rejectedToken: first.tokens.accessToken }, deps);
    return { result: await call(second), fresh: second };
  }
}
