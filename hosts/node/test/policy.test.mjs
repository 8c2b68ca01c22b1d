// The sandbox policy: pure decisions, no I/O (no name is resolved, nothing is connected).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_ENV_ALLOWLIST, parseAllowedHost, parseTarget, Policy } from '../src/policy.mjs';

test('by default the regional Lambda and STS endpoints are allowed over https only', () => {
  const policy = new Policy();
  for (const url of [
    'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/invocations',
    'https://lambda-fips.us-gov-west-1.amazonaws.com/x',
    'https://sts.cn-north-1.amazonaws.com.cn/',
    'https://lambda.eu-west-1.api.aws/',
  ]) {
    assert.ok(policy.checkRequest(url).ok, url);
  }
  for (const [url, why] of [
    ['http://lambda.us-east-1.amazonaws.com/', 'plain http is allowed only to loopback addresses'],
    ['https://evil.example.com/', 'host evil.example.com:443 is not allowed: add "evil.example.com:443" to allowHosts'],
    ['https://lambda.us-east-1.amazonaws.com.evil.com/', 'not allowed'],
    ['https://s3.us-east-1.amazonaws.com/', 'not allowed'],
    ['https://lambda.us-east-1.amazonaws.com:8443/', 'not allowed'],
    ['https://user@lambda.us-east-1.amazonaws.com/', 'user information'],
    ['ftp://x/', 'only http and https'],
    ['http://127.0.0.1:9001/', '--allow-host 127.0.0.1:9001'],
    ['http://127.1:9001/', 'plain http'],
  ]) {
    const decision = policy.checkRequest(url);
    assert.ok(decision.refused?.includes(why), `${url}: ${decision.refused}`);
  }
});

test('explicit hosts and endpoint URLs', () => {
  const policy = new Policy({ awsEndpoints: false, allowHosts: ['[::1]', 'proxy.example:8443'] });
  assert.ok(policy.checkRequest('https://lambda.us-east-1.amazonaws.com/').refused);
  assert.ok(policy.allowEndpointUrl('http://127.0.0.1:9001'));
  assert.ok(!policy.allowEndpointUrl('not a url'));
  assert.ok(policy.checkRequest('http://127.0.0.1:9001/x').ok);
  assert.ok(policy.checkRequest('http://127.0.0.1:9002/x').refused);
  assert.ok(policy.checkRequest('http://[::1]:1234/').ok);
  assert.ok(policy.checkRequest('https://proxy.example:8443/').ok);
  assert.match(policy.checkRequest('http://proxy.example:8443/').refused, /plain http/);
  assert.throws(() => parseAllowedHost('a/b'), /invalid/);
  assert.throws(() => parseAllowedHost('h:0'), /invalid/);
  assert.deepEqual(parseAllowedHost('Example.COM:443'), { host: 'example.com', port: 443 });
});

test('the target the policy checks is the one the client connects to', () => {
  assert.deepEqual(parseTarget('http://127.0.0.1:9001/a%3Ab?x=1#frag'), {
    https: false,
    host: '127.0.0.1',
    port: 9001,
    path: '/a%3Ab?x=1',
    authority: '127.0.0.1:9001',
  });
  assert.equal(parseTarget('https://[::1]/').authority, '[::1]:443');
  assert.equal(parseTarget('https://h?x').path, '/?x');
  assert.throws(() => parseTarget('http://h_st/'), /not allowed/);
  assert.throws(() => parseTarget('http://h:99999/'), /port/);
});

test('environment allowlist and files', () => {
  const policy = new Policy({ allowEnv: ['HOME'], allowFiles: ['~/.aws/config'], home: '/home/u' });
  for (const name of DEFAULT_ENV_ALLOWLIST) assert.ok(policy.envAllowed(name), name);
  assert.equal(DEFAULT_ENV_ALLOWLIST.length, 13);
  assert.ok(policy.envAllowed('HOME'));
  assert.ok(!policy.envAllowed('PATH'));
  assert.ok(!Policy.denyAll().envAllowed('AWS_REGION'));
  assert.deepEqual(policy.checkFile('~/.aws/config'), { ok: '/home/u/.aws/config' });
  assert.deepEqual(policy.checkFile('/home/u/.aws/config'), { ok: '/home/u/.aws/config' });
  assert.equal(
    policy.checkFile('~/.aws/credentials').refused,
    'file ~/.aws/credentials is not allowed: add "~/.aws/credentials" to allowFiles (--allow-file ~/.aws/credentials on the command line)',
  );
  assert.ok(new Policy().checkFile('/etc/passwd').refused);
});
