/**
 * Credentials in URLs: a query parameter named like a key or token is refused (400
 * FER_ERR_SECRET_IN_QUERY: keys go in the Authorization header), and its value never reaches the
 * log (`redactUrl`, used by the access log).
 */
const SECRET_PARAM = /^(api[-_]?keys?|keys?|token|access[-_]?token|auth|authorization|bearer|secret|password|passwd)$/i;

function params(url: string): { path: string; pairs: string[] } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, pairs: [] } : { path: url.slice(0, q), pairs: url.slice(q + 1).split('&') };
}

function name(pair: string): string {
  const raw = pair.split('=')[0];
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** The first query parameter that looks like a credential, when there is one. */
export function secretParam(url: string): string | undefined {
  return params(url)
    .pairs.map(name)
    .find((n) => SECRET_PARAM.test(n));
}

/** The URL with the values of credential-like parameters replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const { path, pairs } = params(url);
  if (pairs.length === 0) return url;
  return `${path}?${pairs.map((p) => (SECRET_PARAM.test(name(p)) && p.includes('=') ? `${p.split('=')[0]}=[redacted]` : p)).join('&')}`;
}
