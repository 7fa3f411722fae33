import type { PodioJsSessionStore, PodioJsSessionStoreOptions } from './podio-js-api.js';
import { createPodioJsSession } from './podio-js-session.js';

/**
 * podio-js 1.6.1's `sessionStore` on podio-auth's store and lock, so that a podio-js client uses the CLI's login:
 *
 *   new Podio({ authType: 'server', clientId, clientSecret }, { sessionStore: podioJsSessionStore() })
 *
 * podio-js refreshes by itself on a 401, under no lock, and throws an uncaught exception if that refresh fails; so
 * this store refreshes ahead of expiry, hands podio-js a live `authObject`, and writes podio-js's own refreshes
 * back compare-and-set. The reasoning, step by step, is in docs/design.md ("Login and tokens").
 */

export type { PodioJsOAuth, PodioJsSessionStore, PodioJsSessionStoreOptions } from './podio-js-api.js';

export function podioJsSessionStore(options: PodioJsSessionStoreOptions = {}): PodioJsSessionStore {
  const session = createPodioJsSession(options);
  return {
    get(_authType, callback) {
      session.track(session.load()).then(
        () => deliver(() => callback?.(session.live({}))),
        (error: unknown) => {
          session.report(error);
          deliver(() => callback?.(undefined));
        },
      );
    },
    set(podioOAuth, _authType, callback) {
      const done = () => {
        if (typeof callback === 'function') deliver(() => callback(null));
      };
      const accessToken = podioOAuth?.accessToken;
      if (typeof accessToken !== 'string' || accessToken === '') {
        // Forgets nothing (a podio-js 401 must not log the CLI out): only a sign that podio-js starts a refresh.
        session.watch.cleared();
        done();
        return;
      }
      session.track(session.writeBack({ ...podioOAuth, accessToken })).then(
        () => {
          session.live(podioOAuth);
          session.watch.refreshed();
          done();
        },
        (error: unknown) => {
          // podio-js goes on with its own new token, which works whether or not it could be stored.
          session.report(error);
          session.watch.refreshed();
          done();
        },
      );
    },
    settled: () => session.settled(),
    close: () => session.close(),
  };
}

/**
 * Calls podio-js back outside the promise chain, as a Node callback is called: an exception in its code (or the
 * app's) is neither taken for a failure of the store nor swallowed.
 */
function deliver(call: () => void): void {
  process.nextTick(call);
}
