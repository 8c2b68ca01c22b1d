// The sandbox policy of the Node host: which hosts the component may reach, which environment
// variables and files it may read. Deny by default, decided in one place per capability
// (`checkRequest`, `envAllowed`, `checkFile`) before any I/O, and every refusal says what was
// refused and how to allow it. Mirrors `host-harness/src/policy.rs`.

import { homedir } from 'node:os';
import { resolve } from 'node:path';

/** The environment variables the task reads; nothing else of the environment reaches the guest. */
export const DEFAULT_ENV_ALLOWLIST = Object.freeze([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_STS',
  'AWS_USE_FIPS_ENDPOINT',
  'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_PROFILE',
  'AWS_MAX_ATTEMPTS',
  'AWS_EC2_METADATA_DISABLED',
]);

/** Environment variables that name an endpoint the user chose explicitly. */
export const ENDPOINT_ENV_NAMES = Object.freeze([
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL',
]);

// The services the task calls; their regional endpoints are allowed by default (https, 443).
const SERVICE_PREFIXES = ['lambda', 'lambda-fips', 'sts', 'sts-fips'];

// The DNS suffixes of every AWS partition (regular and dual-stack).
const PARTITION_SUFFIXES = [
  'amazonaws.com',
  'api.aws',
  'amazonaws.com.cn',
  'api.amazonwebservices.com.cn',
  'c2s.ic.gov',
  'sc2s.sgov.gov',
  'cloud.adc-e.uk',
  'csp.hci.ic.gov',
  'amazonaws.eu',
];

/**
 * The scheme, host, port and request target of an absolute URL, parsed as it goes on the
 * request line: no normalisation, so that the host the policy checks is the host the HTTP
 * client connects to. Throws an Error whose message says what is wrong.
 *
 * @param {string} url
 * @returns {{ https: boolean, host: string, port: number, path: string, authority: string }}
 */
export function parseTarget(url) {
  let https;
  let rest;
  if (url.startsWith('https://')) {
    https = true;
    rest = url.slice('https://'.length);
  } else if (url.startsWith('http://')) {
    https = false;
    rest = url.slice('http://'.length);
  } else {
    throw new Error('only http and https URLs are allowed');
  }
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  let path = end === -1 ? '/' : rest.slice(end);
  path = path.split('#')[0];
  if (path.startsWith('?')) path = `/${path}`;
  if (authority.includes('@')) throw new Error('user information in URLs is not allowed');
  let host;
  let portText;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) throw new Error('unterminated IPv6 address');
    host = authority.slice(1, close);
    const tail = authority.slice(close + 1);
    if (tail !== '' && !tail.startsWith(':')) throw new Error('unexpected text after the IPv6 address');
    portText = tail === '' ? undefined : tail.slice(1);
    if (!/^[0-9a-fA-F:.]+$/.test(host)) throw new Error('the IPv6 address is invalid');
  } else {
    const colon = authority.lastIndexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
    if (!/^[A-Za-z0-9.-]*$/.test(host)) throw new Error('the host name has characters that are not allowed');
  }
  if (host === '') throw new Error('it has no host');
  let port = https ? 443 : 80;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new Error('the port is not a number from 1 to 65535');
    }
    port = Number(portText);
  }
  host = host.toLowerCase();
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { https, host, port, path, authority: `${shownHost}:${port}` };
}

/** Whether `host` (lower-case, IPv6 without brackets) is a loopback address or `localhost`. */
export function isLoopback(host) {
  if (host === 'localhost') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255) && Number(v4[1]) === 127;
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/**
 * Parses `HOST[:PORT]` (IPv6 as `[::1]:PORT`), as given in `allowHosts` or `--allow-host`.
 *
 * @param {string} text
 * @returns {{ host: string, port: number | null }}
 */
export function parseAllowedHost(text) {
  const invalid = () =>
    new Error(`allowed host "${text}" is invalid: use HOST or HOST:PORT, e.g. lambda.example.com:443`);
  const trimmed = String(text).trim();
  let host;
  let port = null;
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    if (close === -1) throw invalid();
    host = trimmed.slice(1, close);
    const tail = trimmed.slice(close + 1);
    if (tail.startsWith(':')) port = tail.slice(1);
    else if (tail !== '') throw invalid();
  } else {
    const parts = trimmed.split(':');
    if (parts.length === 2) [host, port] = parts;
    else host = trimmed; // a name, or a bare IPv6 literal
  }
  if (!host || /[/@\s]/.test(host)) throw invalid();
  if (port !== null) {
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw invalid();
    port = Number(port);
  }
  return { host: host.toLowerCase(), port };
}

// `{service}.{region}.{partition suffix}` for the services the task calls.
function isAwsServiceHost(host) {
  return SERVICE_PREFIXES.some((service) => {
    if (!host.startsWith(`${service}.`)) return false;
    const rest = host.slice(service.length + 1);
    const dot = rest.indexOf('.');
    if (dot <= 0) return false;
    const region = rest.slice(0, dot);
    return /^[a-z0-9-]+$/.test(region) && PARTITION_SUFFIXES.includes(rest.slice(dot + 1));
  });
}

/** Expands a leading `~/` to `home` and makes the path absolute (relative to the working directory). */
export function expandPath(path, home = homedir()) {
  const expanded = path === '~' ? home : path.startsWith('~/') ? `${home}${path.slice(1)}` : path;
  return resolve(expanded);
}

/** What the component may reach and read. */
export class Policy {
  #hosts = [];
  #awsEndpoints;
  #env;
  #files;
  #home;

  /**
   * @param {object} [options]
   * @param {string[]} [options.allowHosts] `HOST[:PORT]` entries the component may reach.
   * @param {boolean} [options.awsEndpoints] Allow the regional Lambda and STS endpoints of every
   *   AWS partition over https on port 443 (default true).
   * @param {string[]} [options.allowEnv] Environment variables to expose besides the default list.
   * @param {string[]} [options.allowFiles] Files the component may read (`~/` is expanded).
   * @param {string} [options.home] The home directory for `~/` (default: the user's).
   */
  constructor({ allowHosts = [], awsEndpoints = true, allowEnv = [], allowFiles = [], home = homedir() } = {}) {
    this.#awsEndpoints = awsEndpoints;
    this.#env = new Set([...DEFAULT_ENV_ALLOWLIST, ...allowEnv]);
    this.#home = home;
    this.#files = new Set(allowFiles.map((file) => expandPath(file, home)));
    for (const entry of allowHosts) this.#hosts.push(parseAllowedHost(entry));
  }

  /** A policy that allows nothing: no host, no environment variable, no file. */
  static denyAll() {
    const policy = new Policy({ awsEndpoints: false });
    policy.#env.clear();
    return policy;
  }

  /** Allows the host and port of an endpoint URL; false when the URL has no usable host. */
  allowEndpointUrl(url) {
    try {
      const target = parseTarget(String(url).trim());
      this.#hosts.push({ host: target.host, port: target.port });
      return true;
    } catch {
      return false; // an unusable URL is reported by the component, which names the input
    }
  }

  /** Whether the component may read environment variable `name`. */
  envAllowed(name) {
    return this.#env.has(name);
  }

  /**
   * Decides whether a request to `url` may leave. The only place that decides it; called before
   * any I/O (no name resolution either).
   *
   * @returns {{ ok: ReturnType<typeof parseTarget> } | { refused: string }}
   */
  checkRequest(url) {
    let target;
    try {
      target = parseTarget(url);
    } catch (error) {
      return { refused: `URL "${url}" is refused: ${error.message}` };
    }
    if (!target.https && !isLoopback(target.host)) {
      return {
        refused: `http://${target.authority} is refused: plain http is allowed only to loopback addresses; use https`,
      };
    }
    const listed = this.#hosts.some((a) => a.host === target.host && (a.port === null || a.port === target.port));
    const awsEndpoint = this.#awsEndpoints && target.https && target.port === 443 && isAwsServiceHost(target.host);
    if (listed || awsEndpoint) return { ok: target };
    return {
      refused:
        `host ${target.authority} is not allowed: add "${target.authority}" to allowHosts ` +
        `(--allow-host ${target.authority} on the command line)`,
    };
  }

  /**
   * Decides whether the component may read the file at `path` (`~/` is the home directory).
   *
   * @returns {{ ok: string } | { refused: string }} the absolute path, or why not
   */
  checkFile(path) {
    const absolute = expandPath(path, this.#home);
    if (this.#files.has(absolute)) return { ok: absolute };
    return {
      refused: `file ${path} is not allowed: add "${path}" to allowFiles (--allow-file ${path} on the command line)`,
    };
  }
}
