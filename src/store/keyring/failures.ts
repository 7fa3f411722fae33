/**
 * What a failed keyring call tells the user: one line naming the cause, and a hint naming the fix. The library's
 * messages are many layers deep and differ by platform, so they are sorted into a few causes here, by their words.
 */
import { PodioAuthError } from '../../errors.js';

const STORE_FILE_HINT = 'use the file store: `podio-auth login --store file`';
const HEADLESS_KEYRING = '`gnome-keyring-daemon --unlock --components=secrets`, password on standard input';
const START_BUS = `start a bus with \`dbus-run-session\` and a keyring in it (${HEADLESS_KEYRING})`;
const CHECK_RUNNING = `Check that the keyring (gnome-keyring, KWallet, …) is running and answering; or ${STORE_FILE_HINT}.`;

export type FailureCause =
  | 'no_bus'
  | 'bus_unreachable'
  | 'no_secret_service'
  | 'locked'
  | 'denied'
  | 'timeout'
  | 'no_reply'
  | 'not_loadable'
  | 'failed';

/** What a message may name: the call's bound, and the bus address the call used (undefined: none was found). */
export interface FailureContext {
  timeoutMs: number;
  address: string | undefined;
}

/** `detail` is the library's own words, secret-free. */
export function keyringFailure(cause: FailureCause, detail: string, context: FailureContext): PodioAuthError {
  const [message, hint] = describe(cause, detail === '' ? '' : ` (${detail})`, detail, context);
  return new PodioAuthError('keyring_unavailable', message, { hint });
}

function describe(
  cause: FailureCause,
  detailed: string,
  detail: string,
  context: FailureContext,
): [string, string | undefined] {
  switch (cause) {
    case 'no_bus':
      return [
        'Keyring unavailable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set).',
        `Run it in a desktop session, or ${START_BUS}; or ${STORE_FILE_HINT}.`,
      ];
    case 'bus_unreachable':
      return [
        `Keyring unavailable: the D-Bus session bus at ${context.address ?? '(default address)'} cannot be ` +
          `reached${detailed}.`,
        `Check DBUS_SESSION_BUS_ADDRESS, or ${START_BUS}; or ${STORE_FILE_HINT}.`,
      ];
    case 'no_secret_service':
      return [
        'Keyring unavailable: no Secret Service (org.freedesktop.secrets) on the D-Bus session bus.',
        `Start a keyring such as gnome-keyring or KWallet (headless: ${HEADLESS_KEYRING}); or ${STORE_FILE_HINT}.`,
      ];
    case 'locked':
      return [
        `Keyring locked: it could not be unlocked without a prompt${detailed}.`,
        'Unlock it (headless: restart it unlocked, `gnome-keyring-daemon --replace --unlock --components=secrets`, ' +
          `password on standard input); or ${STORE_FILE_HINT}.`,
      ];
    case 'denied':
      return [
        /Rejected send message/i.test(detail)
          ? 'Keyring access denied: the D-Bus session bus refused the call to the Secret Service.'
          : `Keyring access denied${detailed}.`,
        `Allow podio-auth to use the keyring (a sandbox or a D-Bus policy may block it); or ${STORE_FILE_HINT}.`,
      ];
    case 'timeout':
      return [
        `Keyring unavailable: no answer within ${formatSeconds(context.timeoutMs)} ` +
          '(the keyring or the D-Bus session bus is not responding).',
        CHECK_RUNNING,
      ];
    case 'no_reply':
      return [`Keyring unavailable: the keyring did not answer on the D-Bus session bus${detailed}.`, CHECK_RUNNING];
    case 'not_loadable':
      return [
        `Keyring unavailable: the keyring module (@napi-rs/keyring) could not be loaded${detailed}.`,
        `Reinstall podio-auth for this platform; or ${STORE_FILE_HINT}.`,
      ];
    case 'failed':
      return [`Keyring error${detailed}.`, undefined];
  }
}

/** The failure a call's error message (from the platform, through the library) stands for. */
export function classifyFailure(message: string, context: FailureContext): PodioAuthError {
  const detail = coreMessage(message);
  if (/was not provided by any \.service files|ServiceUnknown|NameHasNoOwner/i.test(message)) {
    return keyringFailure('no_secret_service', detail, context);
  }
  if (/Rejected send message|AccessDenied|access denied|permission denied|not authorized/i.test(message)) {
    return keyringFailure('denied', detail, context);
  }
  const noBus = /autolaunch|no secret service provider or dbus session found/i.test(message);
  const unreachable = /Failed to connect|Address does not contain a colon|Unknown address type|Connection refused/i;
  if ((noBus || unreachable.test(message)) && context.address === undefined) {
    return keyringFailure('no_bus', detail, context);
  }
  if (noBus || unreachable.test(message)) {
    // "Failed to connect to socket <path>: Connection refused": the address is in the message already.
    const reason = detail
      .slice(detail.lastIndexOf(': ') + 1)
      .replace(/\s*\(os error \d+\)$/, '')
      .trim();
    return keyringFailure('bus_unreachable', reason, context);
  }
  // D-Bus gave up waiting for the keyring ("Did not receive a reply … blocked the reply …").
  if (/did not receive a reply/i.test(message)) return keyringFailure('no_reply', detail, context);
  // Words, not parts of words: "blocked" above is not "locked".
  if (/\b(locked|prompt)\b/i.test(message)) return keyringFailure('locked', detail, context);
  return keyringFailure('failed', detail, context);
}

/** The helper process itself failed (it could not start, or ended), not the keyring. */
export function helperFailed(reason: string, cause?: unknown): PodioAuthError {
  const message = `Keyring unavailable: the keyring helper process ${reason}.`;
  return new PodioAuthError('keyring_unavailable', message, { cause });
}

/** The library's message without its layers of prefixes, on one line and short. */
export function coreMessage(message: string): string {
  const core = message
    .replace(/\s+/g, ' ')
    .replace(/^((Platform failure|Couldn't access platform storage|DBus error|zbus error|Secret Service): )+/i, '')
    .trim();
  return core.length > 160 ? `${core.slice(0, 157)}…` : core;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
