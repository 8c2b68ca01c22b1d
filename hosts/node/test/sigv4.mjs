// An independent AWS Signature Version 4 verifier for the test emulator, written from the SigV4
// documentation ("Create a signed AWS API request": canonical request, string to sign, signing
// key, signature) with node:crypto, sharing no code with the component's signer.
//
// For services other than S3 the canonical URI is the path URI-encoded once more than it is on
// the request line: the component sends `/functions/arn%3Aaws%3A...`, whose canonical form is
// `/functions/arn%253Aaws%253A...`.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 specifies it: everything but unreserved characters, upper-case hex. */
export function uriEncode(text, keepSlash) {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decodeComponent(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The canonical query string: each name and value decoded then encoded, sorted by name, then value. */
function canonicalQuery(query) {
  if (!query) return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at === -1 ? pair : pair.slice(0, at);
      const value = at === -1 ? '' : pair.slice(at + 1);
      return [uriEncode(decodeComponent(name), false), uriEncode(decodeComponent(value), false)];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

/**
 * Verifies the `Authorization` header of a request.
 *
 * @param {{ method: string, target: string, headers: [string, string][], body: Buffer }} request
 *   `target` is the request line's path and query as received; `headers` in received order
 * @param {{ accessKeyId: string, secretAccessKey: string, region: string, service: string,
 *           now?: Date, maxSkewMs?: number }} expect
 * @returns {{ ok: true, canonicalRequest: string } | { ok: false, why: string }}
 */
export function verify(request, expect) {
  const header = (name) =>
    request.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim().replace(/\s+/g, ' '));
  const [authorization] = header('authorization');
  if (!authorization) return { ok: false, why: 'no Authorization header' };
  const parsed = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (!parsed) return { ok: false, why: `not a SigV4 Authorization header: ${authorization}` };
  const [, credential, signedHeadersText, signature] = parsed;
  const [accessKeyId, date, region, service, terminator, ...extra] = credential.split('/');
  if (extra.length > 0 || terminator !== 'aws4_request') return { ok: false, why: `bad credential scope ${credential}` };
  if (accessKeyId !== expect.accessKeyId) return { ok: false, why: `unknown access key ${accessKeyId}` };
  if (region !== expect.region) return { ok: false, why: `scope region ${region}, expected ${expect.region}` };
  if (service !== expect.service) return { ok: false, why: `scope service ${service}, expected ${expect.service}` };

  const [amzDate] = header('x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) return { ok: false, why: 'no valid X-Amz-Date header' };
  if (amzDate.slice(0, 8) !== date) return { ok: false, why: `scope date ${date} differs from X-Amz-Date ${amzDate}` };
  const signedAt = Date.UTC(
    Number(amzDate.slice(0, 4)),
    Number(amzDate.slice(4, 6)) - 1,
    Number(amzDate.slice(6, 8)),
    Number(amzDate.slice(9, 11)),
    Number(amzDate.slice(11, 13)),
    Number(amzDate.slice(13, 15)),
  );
  const skew = Math.abs((expect.now ?? new Date()).getTime() - signedAt);
  if (skew > (expect.maxSkewMs ?? 5 * 60 * 1000)) return { ok: false, why: `X-Amz-Date ${amzDate} is too far from now` };

  const signedHeaders = signedHeadersText.split(';');
  const sorted = [...signedHeaders].sort();
  if (signedHeaders.join(';') !== sorted.join(';') || new Set(signedHeaders).size !== signedHeaders.length) {
    return { ok: false, why: 'SignedHeaders are not sorted and unique' };
  }
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return { ok: false, why: `${required} is not signed` };
  }
  if (header('x-amz-security-token').length > 0 && !signedHeaders.includes('x-amz-security-token')) {
    return { ok: false, why: 'x-amz-security-token is not signed' };
  }
  const canonicalHeaders = signedHeaders.map((name) => {
    const values = header(name);
    if (values.length === 0) return undefined;
    return `${name}:${values.join(',')}\n`;
  });
  if (canonicalHeaders.includes(undefined)) return { ok: false, why: 'a signed header is missing from the request' };

  const payloadHash = sha256Hex(request.body);
  const [declaredHash] = header('x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== payloadHash) {
    return { ok: false, why: 'x-amz-content-sha256 does not match the body' };
  }

  const queryAt = request.target.indexOf('?');
  const path = queryAt === -1 ? request.target : request.target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : request.target.slice(queryAt + 1);
  const canonicalRequest = [
    request.method,
    uriEncode(path, true),
    canonicalQuery(query),
    canonicalHeaders.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const dateKey = hmac(`AWS4${expect.secretAccessKey}`, date);
  const regionKey = hmac(dateKey, region);
  const serviceKey = hmac(regionKey, service);
  const signingKey = hmac(serviceKey, 'aws4_request');
  const expected = hmac(signingKey, stringToSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return { ok: false, why: `signature mismatch; canonical request:\n${canonicalRequest}` };
  }
  return { ok: true, canonicalRequest };
}
