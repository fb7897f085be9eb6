/**
 * Checks and normalizes a lobby's public URL: http(s), an origin only (no path, query or
 * fragment), no trailing slash. Join links and relay URLs are built from it.
 * @throws {RangeError} naming the value when it is not such a URL.
 */
export function normalizePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`publicUrl is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`publicUrl must start with http:// or https://, got ${url.protocol}`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new RangeError(`publicUrl must be an origin such as https://lobby.example, got ${value}`);
  }
  return url.origin;
}

/** The relay base URL for a public lobby URL: same origin, ws(s) scheme, `/v1/relay`. */
export function relayUrlFor(publicUrl: string, basePath: string): string {
  return `${publicUrl.replace(/^http/, 'ws')}${basePath}`;
}

/** The URL a local client reaches a server on: wildcard addresses become loopback. */
export function localUrl(host: string, port: number): string {
  const local = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}
