/**
 * The one way this tool talks HTTP to Podio (the client itself is in http/). Kept apart from Podio's response
 * parsing so tests can hand the parsers canned answers, and so the network modules are loaded only by commands
 * that go to the network. Built on node:net, node:tls and node:http rather than undici: see docs/design.md.
 */

export { createHttpClient, DEFAULT_HTTP_TIMEOUT_SECONDS, httpTimeoutMs } from './http/client.js';
export { isLoopbackHost, matchesNoProxy, type ProxySetting, proxyFor } from './http/proxy-setting.js';
export type { HttpClient, HttpClientOptions, HttpRequest, HttpResponse, HttpSend } from './http/types.js';
