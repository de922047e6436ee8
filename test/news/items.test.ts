/**
 * From real RSS 2.0 and Atom documents to kept headlines: what is kept (about AI investment), which
 * companies each is tagged with (word boundaries, case-sensitive tickers), links made absolute and safe,
 * HTML in titles made plain, and the keys that make the same story one headline across feeds.
 */
import { describe, expect, it } from 'vitest';
import { CompanyTagger } from '../../src/news/companies.js';
import { guidKey, keepRelevant, linkKey } from '../../src/news/items.js';
import { FeedParseError, parseFeedDocument } from '../../src/news/parse.js';
import { isAboutAiInvestment } from '../../src/news/relevance.js';
import { bundledData } from '../helpers/core.js';
import { fixture } from './feed-server.js';

const NOW = Date.parse('2026-05-15T08:00:00Z');
const tagger = new CompanyTagger(bundledData.companies);

describe('parsing', () => {
  it('reads an RSS 2.0 document: plain titles, absolute http(s) links, dates; unsafe links dropped', () => {
    const feed = parseFeedDocument(fixture('ai-capex.rss'), 'https://wire.example/feed.rss');
    expect(feed.title).toBe('Example Tech Wire');
    expect(feed.items.map((i) => i.title)).toEqual([
      'Microsoft to spend $80 billion on AI data centers this fiscal year',
      'Meta raises 2026 capex guidance as AI build-out accelerates',
      'New metadata standard for podcast chapters published',
      'Apple unveils new iPhone colours',
      'Alphabet expands TPU capacity at its Iowa campus',
    ]);
    expect(feed.skipped).toBe(1); // the javascript: link
    const alphabet = feed.items[4]!;
    expect(alphabet.link).toBe('https://wire.example/2026/05/12/alphabet-tpu-iowa');
    expect(new Date(alphabet.published!).toISOString()).toBe('2026-05-12T08:15:00.000Z');
    expect(feed.items[0]!.text).toContain('Microsoft (MSFT) said it will invest about $80 billion in AI-enabled data centers.');
  });

  it('reads an Atom document, turning an HTML title into plain text', () => {
    const feed = parseFeedDocument(fixture('ai-capex.atom'), 'https://infra.example/atom.xml');
    expect(feed.title).toBe('Example Infrastructure Journal');
    expect(feed.items.map((i) => i.title)).toContain('Alibaba Cloud lifts AI infrastructure spending & hiring');
    expect(feed.items[0]!.guid).toBe('tag:infra.example,2026:stargate-texas-expansion');
  });

  it('reports malformed XML with its line, and a non-feed document as such', () => {
    expect(() => parseFeedDocument(fixture('malformed.xml'), 'https://broken.example/')).toThrow(FeedParseError);
    expect(() => parseFeedDocument(fixture('malformed.xml'), 'https://broken.example/')).toThrow(/^malformed XML at line 6: /);
    expect(() => parseFeedDocument('<!DOCTYPE html><html><body>Bad gateway</body></html>', 'https://x.example/')).toThrow(
      'not a readable RSS or Atom feed (the XML could not be parsed as a feed)',
    );
  });
});

describe('what is kept, and tagged with which companies', () => {
  it('keeps the AI-investment stories of both fixtures, tagged', () => {
    const rss = parseFeedDocument(fixture('ai-capex.rss'), 'https://wire.example/feed.rss');
    const atom = parseFeedDocument(fixture('ai-capex.atom'), 'https://infra.example/atom.xml');
    const kept = [
      ...keepRelevant(rss.items, { feedId: 1, source: 'Example Tech Wire', data: bundledData, now: NOW }).items,
      ...keepRelevant(atom.items, { feedId: 2, source: 'Example Infrastructure Journal', data: bundledData, now: NOW }).items,
    ];
    expect(kept.map((i) => [i.title, i.companies])).toEqual([
      ['Microsoft to spend $80 billion on AI data centers this fiscal year', ['microsoft']],
      ['Meta raises 2026 capex guidance as AI build-out accelerates', ['meta']],
      ['Alphabet expands TPU capacity at its Iowa campus', ['alphabet']],
      ['Oracle and OpenAI add 1.2 gigawatts to Stargate site in Texas', ['oracle', 'openai', 'stargate']],
      ['Microsoft to spend $80 billion on AI data centers this fiscal year (syndicated)', ['microsoft']],
      ['Alibaba Cloud lifts AI infrastructure spending & hiring', ['alibaba']],
    ]);
    // The syndicated copy links the same article (other scheme, tracking parameter, slash, fragment): one key.
    expect(kept[4]!.linkKey).toBe(kept[0]!.linkKey);
  });

  it.each([
    ["Meta's new data center in Louisiana", ['meta']],
    ['Metadata is the new oil', []],
    ['meta commentary on the AI boom', []],
    ['META shares jump', ['meta']],
    ['Facebook parent buys GPUs', ['meta']],
    ['the oracle of Omaha', []],
    ['Oracle signs cloud deal', ['oracle']],
    ['Amazon Web Services and Google', ['alphabet', 'amazon']],
    ['just google it', []],
    ['GOOG and GOOGL both rose', ['alphabet']],
    ['goog is not a ticker in lower case', []],
    ['Tencent (0700.HK) and 腾讯 news', ['tencent']],
    ['阿里巴巴加大投入', ['alibaba']],
    ['xAI raises funds', ['xai']],
    ['Microsoft-backed OpenAI', ['microsoft', 'openai']],
  ])('tags %j with %j', (text, ids) => {
    expect(tagger.tag(text)).toEqual(ids);
  });

  it.each([
    ['Microsoft raises capex guidance', true],
    ['Meta breaks ground on a new data centre', true],
    ['Nvidia ships record number of GPUs', true],
    ['Hyperscalers keep spending', true],
    ['OpenAI signs a compute deal with Oracle', true],
    ['Startup raises $50 million for AI tools', true],
    ['Apple unveils new iPhone colours', false],
    ['AI can now write poems', false],
    ['Oracle beats on cloud licences', false],
    ['New metadata standard for podcasts', false],
  ])('about AI investment: %j → %s', (text, expected) => {
    expect(isAboutAiInvestment(text)).toBe(expected);
  });
});

describe('de-duplication keys', () => {
  it('ignores scheme, tracking parameters, fragment and trailing slash, keeps real parameters', () => {
    expect(linkKey('https://News.Example/a/b/?utm_source=x&id=3#top')).toBe('news.example/a/b?id=3');
    expect(linkKey('http://news.example/a/b?id=3&fbclid=zz')).toBe('news.example/a/b?id=3');
    expect(linkKey('https://news.example/a/b?id=4')).not.toBe(linkKey('https://news.example/a/b?id=3'));
  });

  it('scopes a feed-local guid by feed, but shares URL and tag: guids', () => {
    expect(guidKey('12345', 7)).toBe('feed:7:12345');
    expect(guidKey('tag:x.example,2026:1', 7)).toBe('tag:x.example,2026:1');
    expect(guidKey('https://x.example/p?utm_medium=rss', 7)).toBe('x.example/p');
    expect(guidKey(null, 7)).toBeNull();
  });
});
