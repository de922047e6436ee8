/**
 * The SSRF guard with ALLOW_PRIVATE_FEEDS off: loopback, private, link-local and unique-local targets are
 * refused, by IP literal, by a host name that resolves there (including `localhost` through the real
 * resolver), after a redirect, and at connect time when DNS changes its answer between check and connect.
 * No request in this file leaves 127.0.0.1: refused targets are refused before any connection is made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { addressPolicy, checkFeedUrl, FeedUrlError, forbiddenReason, type ResolveAll } from '../../src/news/address-policy.js';
import { fetchFeed } from '../../src/news/fetch.js';
import { FeedServer, fixture } from './feed-server.js';

/** A resolver with fixed answers, so no test depends on (or sends) real DNS traffic except `localhost`. */
function fakeDns(table: Record<string, string[]>): ResolveAll & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const strict = addressPolicy({ allowPrivate: false });

async function refusal(url: string, policy = strict): Promise<string> {
  try {
    await checkFeedUrl(url, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(FeedUrlError);
    return (error as Error).message;
  }
  throw new Error(`${url} was accepted`);
}

describe('feed URL validation with ALLOW_PRIVATE_FEEDS off', () => {
  it.each([
    ['http://127.0.0.1/feed.xml', 'loopback'],
    ['http://127.8.9.10:8080/rss', 'loopback'],
    ['http://10.1.2.3/rss', 'private'],
    ['http://172.16.5.4/rss', 'private'],
    ['http://192.168.0.10/rss', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[::1]/rss', 'loopback'],
    ['http://[fd00::1]/rss', 'unique-local'],
    ['http://[fdab:cdef::42]:8443/rss', 'unique-local'],
    ['http://[fe80::1]/rss', 'link-local'],
    ['http://[::ffff:127.0.0.1]/rss', 'loopback'],
    ['http://[::ffff:10.0.0.1]/rss', 'private'],
    ['http://0.0.0.0/rss', 'unspecified'],
    ['http://100.64.1.1/rss', 'carrier-grade NAT'],
  ])('refuses %s (%s)', async (url, words) => {
    const message = await refusal(url);
    expect(message).toContain(words);
    expect(message).toContain('only reads public feeds');
  });

  it('refuses localhost: the real resolver maps it to loopback', async () => {
    const message = await refusal('http://localhost:8080/feed');
    expect(message).toMatch(/^Feeds on a loopback address are not allowed \(localhost resolves to (127\.0\.0\.1|::1)\)/);
  });

  it('refuses a host name when any one of its addresses is private, and names that address', async () => {
    const dns = fakeDns({ 'mixed.test': ['93.184.216.34', '10.9.8.7'], 'v6.test': ['2606:4700::1111', 'fd12::3'] });
    const policy = addressPolicy({ allowPrivate: false, resolveAll: dns });
    expect(await refusal('https://mixed.test/feed', policy)).toBe(
      'Feeds on a private address are not allowed (mixed.test resolves to 10.9.8.7): the bot only reads public feeds.',
    );
    expect(await refusal('https://v6.test/feed', policy)).toContain('unique-local');
  });

  it('accepts a host whose addresses are all public (checked, not fetched)', async () => {
    const dns = fakeDns({ 'news.test': ['93.184.216.34', '2606:4700::1111'] });
    const { url, addresses } = await checkFeedUrl('https://news.test/ai.rss#latest', addressPolicy({ allowPrivate: false, resolveAll: dns }));
    expect(url.href).toBe('https://news.test/ai.rss');
    expect(addresses.map((a) => a.address)).toEqual(['93.184.216.34', '2606:4700::1111']);
    expect(dns.calls).toEqual(['news.test']);
  });

  it.each([
    ['ftp://example.com/feed.xml', 'Only http:// and https://'],
    ['file:///etc/passwd', 'Only http:// and https://'],
    ['gopher://127.0.0.1:6379/_INFO', 'Only http:// and https://'],
    ['https://user:secret@example.com/feed', 'user name or password'],
    ['not a url', 'not a URL'],
  ])('refuses %s', async (url, words) => {
    expect(await refusal(url, addressPolicy({ allowPrivate: false, resolveAll: fakeDns({}) }))).toContain(words);
  });

  it('says so when the host does not exist', async () => {
    expect(await refusal('https://nowhere.test/feed', addressPolicy({ allowPrivate: false, resolveAll: fakeDns({}) }))).toBe(
      'The host nowhere.test could not be found (DNS lookup failed).',
    );
  });

  it('ALLOW_PRIVATE_FEEDS=true lets loopback and private addresses through (protocol rules stay)', async () => {
    const open = addressPolicy({ allowPrivate: true });
    await expect(checkFeedUrl('http://127.0.0.1:9/feed', open)).resolves.toBeDefined();
    await expect(checkFeedUrl('http://[fd00::1]/feed', open)).resolves.toBeDefined();
    expect(await refusal('file:///etc/passwd', open)).toContain('Only http');
  });

  it('classifies single addresses', () => {
    expect(forbiddenReason('8.8.8.8')).toBeUndefined();
    expect(forbiddenReason('2606:4700::1111')).toBeUndefined();
    expect(forbiddenReason('::7f00:1')).toBe('a deprecated IPv4-compatible address');
    expect(forbiddenReason('127.0.0.1', { allowPrivate: false, exemptAddresses: ['127.0.0.1'] })).toBeUndefined();
    expect(forbiddenReason('127.0.0.2', { allowPrivate: false, exemptAddresses: ['127.0.0.1'] })).toBe('a loopback address');
  });
});

describe('redirects and DNS rebinding (local feed server exempted, everything else strict)', () => {
  let server: FeedServer;
  beforeAll(async () => {
    server = await FeedServer.start();
    server.serve('/ok.rss', fixture('ai-capex.rss'));
    server.route('/to-private', (_req, res) => void res.writeHead(302, { location: 'http://10.1.2.3/feed.rss' }).end());
    server.route('/to-internal-name', (_req, res) => void res.writeHead(301, { location: 'http://intranet.test/feed.rss' }).end());
    server.route('/to-ok', (_req, res) => void res.writeHead(307, { location: '/ok.rss' }).end());
    server.route('/to-file', (_req, res) => void res.writeHead(302, { location: 'file:///etc/passwd' }).end());
  });
  afterAll(() => server.close());

  const policy = (table: Record<string, string[]> = {}) =>
    addressPolicy({ allowPrivate: false, exemptAddresses: ['127.0.0.1'], resolveAll: fakeDns({ 'intranet.test': ['192.168.1.20'], ...table }) });

  it('follows a redirect to an allowed address', async () => {
    const result = await fetchFeed(server.url('/to-ok'), {}, { policy: policy() });
    expect(result.status).toBe('ok');
    expect(result.finalUrl).toBe(server.url('/ok.rss'));
  });

  it('refuses a redirect to a private IP before connecting to it', async () => {
    await expect(fetchFeed(server.url('/to-private'), {}, { policy: policy() })).rejects.toThrow(
      'Redirected to http://10.1.2.3/feed.rss, which is refused: Feeds on a private address are not allowed: the bot only reads public feeds.',
    );
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    await expect(fetchFeed(server.url('/to-internal-name'), {}, { policy: policy() })).rejects.toThrow(
      'Redirected to http://intranet.test/feed.rss, which is refused: Feeds on a private address are not allowed (intranet.test resolves to 192.168.1.20): the bot only reads public feeds.',
    );
  });

  it('refuses a redirect to another protocol', async () => {
    await expect(fetchFeed(server.url('/to-file'), {}, { policy: policy() })).rejects.toThrow(/Redirected to file:\/\/\/etc\/passwd, which is refused: Only http/);
  });

  it('re-checks at connect time: a name that turns private after the check is refused (DNS rebinding)', async () => {
    let calls = 0;
    // First answer (the check) public, second answer (the socket's lookup) loopback: the socket must not connect.
    const rebinding: ResolveAll = async () => {
      calls++;
      return [{ address: calls === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    };
    const before = server.requests.length;
    const port = new URL(server.base).port;
    await expect(
      fetchFeed(`http://rebind.test:${port}/ok.rss`, {}, { policy: addressPolicy({ allowPrivate: false, resolveAll: rebinding }) }),
    ).rejects.toThrow('Feeds on a loopback address are not allowed (rebind.test resolves to 127.0.0.1): the bot only reads public feeds.');
    expect(calls).toBe(2);
    expect(server.requests.length).toBe(before);
  });
});
