#!/usr/bin/env node
// A small command line over `runTask`, with the Rust `lambda-invoke` command's conventions: the
// function's payload on stdout, logs, output variables and errors on stderr, every registered
// secret masked, the same exit codes (0 ok, 1 host, 2 input, 3 configuration, 4 service error,
// 5 function error, 6 transport, 7 sandbox).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { describeTask, exitCode, failureMessage, runTask } from './host.mjs';
import { MASK } from './masking.mjs';

const USAGE = `usage: node src/cli.mjs --function-name NAME [--payload JSON | --payload-file PATH]
       [--legacy-payload] [--invocation-type RequestResponse|Event|DryRun] [--log-type None|Tail]
       [--qualifier Q] [--client-context JSON] [--region R] [--endpoint-url URL]
       [--output-variable NAME] [--var NAME=VALUE]... [--no-fail-on-function-error]
       [--check-function-exists] [--max-attempts N] [--read-timeout-ms MS]
       [--http-log off|headers|bodies] [--debug]
       [--allow-host HOST[:PORT]]... [--allow-env NAME]... [--allow-file PATH]...
       [--component-dir DIR] [--max-wall-time-s SECONDS]
       node src/cli.mjs --describe`;

const OPTIONS = {
  'function-name': { type: 'string' },
  payload: { type: 'string' },
  'payload-file': { type: 'string' },
  'legacy-payload': { type: 'boolean' },
  'invocation-type': { type: 'string' },
  'log-type': { type: 'string' },
  qualifier: { type: 'string' },
  'client-context': { type: 'string' },
  region: { type: 'string' },
  'endpoint-url': { type: 'string' },
  'output-variable': { type: 'string' },
  var: { type: 'string', multiple: true },
  'no-fail-on-function-error': { type: 'boolean' },
  'check-function-exists': { type: 'boolean' },
  'max-attempts': { type: 'string' },
  'read-timeout-ms': { type: 'string' },
  'http-log': { type: 'string' },
  debug: { type: 'boolean' },
  'allow-host': { type: 'string', multiple: true },
  'allow-env': { type: 'string', multiple: true },
  'allow-file': { type: 'string', multiple: true },
  'component-dir': { type: 'string' },
  'max-wall-time-s': { type: 'string' },
  describe: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const ENUMS = {
  'invocation-type': { RequestResponse: 'request-response', Event: 'event', DryRun: 'dry-run' },
  'log-type': { None: 'none', Tail: 'tail' },
  'http-log': { off: 'off', headers: 'headers', bodies: 'bodies' },
};

class UsageError extends Error {}

function choice(values, name) {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = ENUMS[name][text];
  if (value === undefined) throw new UsageError(`--${name} "${text}" is invalid: use ${Object.keys(ENUMS[name]).join(', ')}`);
  return value;
}

function integer(values, name) {
  const text = values[name];
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) > 0xffffffff) throw new UsageError(`--${name} "${text}" is invalid: give a whole number`);
  return Number(text);
}

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (values.help || values.describe) return { values };
  if (!values['function-name']) throw new UsageError('--function-name is required');
  if (values.payload !== undefined && values['payload-file'] !== undefined) {
    throw new UsageError('give --payload or --payload-file, not both');
  }
  let payload = values.payload ?? '';
  if (values['payload-file'] !== undefined) {
    try {
      payload = readFileSync(values['payload-file'], 'utf8');
    } catch (error) {
      throw new UsageError(`--payload-file ${values['payload-file']}: ${error.code ?? error.message}`);
    }
  }
  const variables = {};
  for (const entry of values.var ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--var "${entry}" is invalid: use NAME=VALUE`);
    variables[entry.slice(0, at).trim()] = entry.slice(at + 1);
  }
  const input = {
    functionName: values['function-name'],
    payload,
    payloadMode: values['legacy-payload'] ? 'legacy' : 'json',
    invocationType: choice(values, 'invocation-type') ?? 'request-response',
    logType: choice(values, 'log-type') ?? 'none',
    qualifier: values.qualifier,
    clientContext: values['client-context'],
    region: values.region,
    endpointUrl: values['endpoint-url'],
    outputVariable: values['output-variable'],
    failOnFunctionError: !values['no-fail-on-function-error'],
    checkFunctionExists: Boolean(values['check-function-exists']),
    maxAttempts: integer(values, 'max-attempts'),
    readTimeoutMs: integer(values, 'read-timeout-ms'),
    httpLog: choice(values, 'http-log') ?? 'off',
  };
  const wallTime = integer(values, 'max-wall-time-s');
  return { values, input, variables, limits: wallTime === undefined ? {} : { wallTimeMs: wallTime * 1000 } };
}

async function main(argv) {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const componentDir = values['component-dir'];
  if (values.describe) {
    process.stdout.write(`${JSON.stringify(await describeTask(componentDir ? { componentDir } : {}), null, 2)}\n`);
    return 0;
  }
  const debug = values.debug || parsed.input.httpLog !== 'off';
  const report = await runTask({
    input: parsed.input,
    variables: parsed.variables,
    env: { ...process.env },
    allowHosts: values['allow-host'] ?? [],
    allowEnv: values['allow-env'] ?? [],
    allowFiles: values['allow-file'] ?? [],
    limits: parsed.limits,
    ...(componentDir ? { componentDir } : {}),
    onLog(level, message) {
      if (level === 'debug' && !debug) return;
      const prefix = level === 'info' ? '' : `${level}: `;
      process.stderr.write(`${prefix}${message}\n`);
    },
  });
  const { result, secrets } = report;
  for (const { name, value, secret } of report.outputs) {
    process.stderr.write(`${name}=${secret ? MASK : secrets.mask(value)}\n`);
  }
  const outcome = result.ok ?? (result.err.tag === 'function-error' ? result.err.val.outcome : undefined);
  if (outcome?.logTail) process.stderr.write(`log tail:\n${secrets.mask(outcome.logTail)}\n`);
  if (outcome && outcome.payload.length > 0) {
    const payload = Buffer.from(secrets.maskBytes(outcome.payload));
    process.stdout.write(payload);
    if (payload.at(-1) !== 0x0a) process.stdout.write('\n');
  }
  if (result.err) process.stderr.write(`error: ${secrets.mask(failureMessage(result.err))}\n`);
  return exitCode(result);
}

process.exitCode = await main(process.argv.slice(2));
