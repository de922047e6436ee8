/**
 * Which feed URLs the bot may fetch. Admins type feed URLs in chat, so without this guard `feeds add`
 * would make the bot a probe of its own network (cloud metadata at 169.254.169.254, an admin panel on
 * 10.x, a database on localhost). Rules:
 *
 * - http: and https: only, no user:password@ in the URL.
 * - Every address the host resolves to (dns.lookup with `all: true`) must be global unicast; one private
 *   address among public ones is enough to refuse, since the connection could use any of them.
 * - The check runs again for every redirect hop and, through `guardedLookup`, at connect time: the socket
 *   connects only to the addresses that were checked, so DNS rebinding between check and connect cannot
 *   slip a private address in.
 *
 * Address classes come from ipaddr.js (well kept, used by Express's proxy-addr) instead of a hand-written
 * range table: anything it does not call 'unicast' is refused, plus the deprecated IPv4-compatible ::/96.
 * `ALLOW_PRIVATE_FEEDS=true` switches the address rules off (tests serving feeds on 127.0.0.1).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export class FeedUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedUrlError';
  }
}

/** Resolves a host to all its addresses, as `dns.lookup(host, { all: true })` does. */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

export interface AddressPolicy {
  /** ALLOW_PRIVATE_FEEDS: skip the address rules (protocol rules still apply). */
  allowPrivate: boolean;
  resolveAll: ResolveAll;
  /**
   * Exact addresses exempt from the rules. Not configurable by users: tests use it to run a feed server
   * on 127.0.0.1 while checking that everything else private is still refused (e.g. after a redirect).
   */
  exemptAddresses?: readonly string[];
}

export function addressPolicy(options: { allowPrivate: boolean; resolveAll?: ResolveAll; exemptAddresses?: readonly string[] }): AddressPolicy {
  return { allowPrivate: options.allowPrivate, resolveAll: options.resolveAll ?? systemResolveAll, exemptAddresses: options.exemptAddresses };
}

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local (private) address',
  unspecified: 'an unspecified address',
  carrierGradeNat: 'a carrier-grade NAT (private) address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  reserved: 'a reserved address',
};

/** Why an address may not be fetched, or undefined when it is a global unicast address. */
export function forbiddenReason(address: string, policy?: Pick<AddressPolicy, 'allowPrivate' | 'exemptAddresses'>): string | undefined {
  if (policy?.allowPrivate) return undefined;
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.process(address); // IPv4-mapped IPv6 (::ffff:10.0.0.1) becomes the IPv4 it carries
  if (policy?.exemptAddresses?.some((exempt) => ipaddr.isValid(exempt) && ipaddr.process(exempt).toString() === parsed.toString())) return undefined;
  const range = parsed.range();
  if (range !== 'unicast') return RANGE_WORDS[range] ?? `a special-purpose address (${range})`;
  // ::a.b.c.d (IPv4-compatible, deprecated): ipaddr.js calls it unicast, but nothing public lives there.
  if (parsed.kind() === 'ipv6' && parsed.match(ipaddr.parseCIDR('::/96'))) return 'a deprecated IPv4-compatible address';
  return undefined;
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Parses and checks the shape of a feed URL (no network). */
export function parseFeedUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new FeedUrlError('That is not a URL. Give the full address of the feed, e.g. https://example.com/feed.xml');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedUrlError(`Only http:// and https:// feeds can be added (not ${url.protocol.replace(/:$/, '')}:).`);
  }
  if (url.username || url.password) throw new FeedUrlError('Feed URLs with a user name or password are not accepted.');
  if (hostOf(url) === '') throw new FeedUrlError('That URL has no host name.');
  url.hash = '';
  return url;
}

/**
 * Full check of one URL (also each redirect target): shape, then every address of its host. Throws
 * FeedUrlError with a reason an admin can act on; returns the checked addresses.
 */
export async function checkFeedUrl(text: string | URL, policy: AddressPolicy): Promise<{ url: URL; addresses: LookupAddress[] }> {
  const url = parseFeedUrl(typeof text === 'string' ? text : text.href);
  const host = hostOf(url);
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await policy.resolveAll(host);
    } catch {
      throw new FeedUrlError(`The host ${host} could not be found (DNS lookup failed).`);
    }
    if (addresses.length === 0) throw new FeedUrlError(`The host ${host} has no addresses.`);
  }
  for (const { address } of addresses) {
    const reason = forbiddenReason(address, policy);
    if (reason) {
      const via = isIP(host) ? '' : ` (${host} resolves to ${address})`;
      throw new FeedUrlError(`Feeds on ${reason} are not allowed${via}: the bot only reads public feeds.`);
    }
  }
  return { url, addresses };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request/https.request that resolves with the policy's resolver and refuses to hand
 * a forbidden address to the socket. This is the check that actually counts: it runs at connect time.
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions | number, callback: LookupCallback): void => {
    const wantAll = typeof options === 'object' && options.all === true;
    policy.resolveAll(hostname).then(
      (addresses) => {
        const bad = addresses.map((a) => ({ a, reason: forbiddenReason(a.address, policy) })).find((x) => x.reason);
        if (bad || addresses.length === 0) {
          const err: NodeJS.ErrnoException = new FeedUrlError(
            bad ? `Feeds on ${bad.reason} are not allowed (${hostname} resolves to ${bad.a.address}): the bot only reads public feeds.` : `The host ${hostname} has no addresses.`,
          );
          err.code = 'EFEEDFORBIDDEN';
          callback(err, wantAll ? [] : '', 0);
          return;
        }
        if (wantAll) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, wantAll ? [] : '', 0),
    );
  };
}
