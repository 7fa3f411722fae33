/**
 * The emulator's demo accounts and Podio's token lifetimes: what a client signs in with, in one place that every
 * route module can import without importing the server.
 */

export const DEMO_CLIENT = { clientId: 'demo-client', clientSecret: 'demo-secret-0123456789' };
export const USER = {
  user_id: 4242,
  mail: 'ada@example.com',
  name: 'Ada Lovelace',
  password: 'correct horse battery',
};
/** A user whose account has two-factor authentication: the password grant answers with a nonce. */
export const TWO_FACTOR_USER = { mail: 'grace@example.com', password: 'hopper' };
export const APP = { app_id: '777', app_token: 'app-token-0123456789abcdef' };

/** Who a token stands for: a user or an app. */
export interface Ref {
  type: string;
  id: number;
}

export const USER_REF: Ref = { type: 'user', id: USER.user_id };

/** Podio's lifetimes (developers.podio.com/authentication). */
export const ACCESS_TOKEN_SECONDS = 8 * 3600;
export const REFRESH_TOKEN_SECONDS = 28 * 24 * 3600;
