/**
 * A fake SEC EDGAR on 127.0.0.1, shaped like the real one: the company browse feed
 * (`/cgi-bin/browse-edgar?action=getcompany&CIK=…&type=8-K&…&output=atom`, an Atom document per CIK with the
 * entry layout EDGAR uses — "8-K - Current report" titles, a summary with Filed / AccNo / Items, the filing
 * index link), the filing index page with its document table, and the exhibit 99.1 press release. It answers
 * conditional GETs with 304, records every request (with its User-Agent) and can be made huge, slow or
 * malformed per path.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FeedServer } from '../news/feed-server.js';

export interface FixtureFiling {
  cik: string;
  accession: string;
  filed: string;
  /** e.g. ['2.02', '9.01'] */
  items: string[];
  /** The exhibit 99.1 HTML; absent: the filing has no exhibit 99.1. */
  exhibitHtml?: string;
}

const ITEM_NAMES: Record<string, string> = {
  '2.02': 'Results of Operations and Financial Condition',
  '5.02': 'Departure of Directors or Certain Officers',
  '7.01': 'Regulation FD Disclosure',
  '9.01': 'Financial Statements and Exhibits',
};

const folder = (f: FixtureFiling) => `/Archives/edgar/data/${Number(f.cik)}/${f.accession.replaceAll('-', '')}`;
export const indexPath = (f: FixtureFiling) => `${folder(f)}/${f.accession}-index.htm`;
export const exhibitPath = (f: FixtureFiling) => `${folder(f)}/ex99-1.htm`;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function atomFeed(base: string, companyName: string, cik: string, filings: readonly FixtureFiling[]): string {
  const entries = filings
    .map((f) => {
      const items = f.items.map((i) => `Item ${i}: ${ITEM_NAMES[i] ?? 'Other Events'}`).join('<br>');
      const summary = `<b>Filed:</b> ${f.filed} <b>AccNo:</b> ${f.accession} <b>Size:</b> 2 MB<br>${items}`;
      return `
<entry>
  <category label="form type" scheme="https://www.sec.gov/" term="8-K"/>
  <content type="text/xml">
    <accession-number>${f.accession}</accession-number>
    <filing-date>${f.filed}</filing-date>
    <filing-href>${base}${indexPath(f)}</filing-href>
    <filing-type>8-K</filing-type>
    <form-name>Current report</form-name>
    <items-desc>items ${f.items.join(' and ')}</items-desc>
  </content>
  <id>urn:tag:sec.gov,2008:accession-number=${f.accession}</id>
  <link href="${base}${indexPath(f)}" rel="alternate" type="text/html"/>
  <summary type="html">${escapeXml(summary)}</summary>
  <title>8-K  - Current report</title>
  <updated>${f.filed}T16:05:12-04:00</updated>
</entry>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<feed xmlns="http://www.w3.org/2005/Atom">
<author><email>webmaster@sec.gov</email><name>Webmaster</name></author>
<company-info>
  <cik>${cik}</cik>
  <conformed-name>${escapeXml(companyName)}</conformed-name>
</company-info>
<id>urn:tag:sec.gov,2008:company=${cik}</id>
<link href="${base}/cgi-bin/browse-edgar?action=getcompany&amp;CIK=${cik}&amp;type=8-K" rel="alternate" type="text/html"/>
<title>${escapeXml(companyName)}  (${cik})</title>
<updated>2026-11-30T10:00:00-05:00</updated>${entries}
</feed>`;
}

export function indexHtml(f: FixtureFiling): string {
  const rows = [
    `<tr><td scope="row">1</td><td scope="row">8-K</td><td scope="row"><a href="${folder(f)}/form8-k.htm">form8-k.htm</a></td><td scope="row">8-K</td><td scope="row">41230</td></tr>`,
    ...(f.exhibitHtml
      ? [`<tr class="evenRow"><td scope="row">2</td><td scope="row">EX-99.1</td><td scope="row"><a href="${exhibitPath(f)}">ex99-1.htm</a></td><td scope="row">EX-99.1</td><td scope="row">${f.exhibitHtml.length}</td></tr>`]
      : []),
  ];
  return `<!DOCTYPE html><html><head><title>EDGAR Filing Documents for ${f.accession}</title></head><body>
<div id="formDiv"><div class="formGrouping"><div class="infoHead">Filing Date</div><div class="info">${f.filed}</div></div></div>
<table class="tableFile" summary="Document Format Files">
<tr><th scope="col">Seq</th><th scope="col">Description</th><th scope="col">Document</th><th scope="col">Type</th><th scope="col">Size</th></tr>
${rows.join('\n')}
</table></body></html>`;
}

/** An earnings press release as companies file it: HTML paragraphs and a table, the outlook near the end. */
export function pressRelease(company: string, paragraphs: readonly string[]): string {
  return `<html><head><title>${company} Reports Results</title><style>p { margin: 0 }</style><script>var x = "capital expenditures of $999 billion in 2026";</script></head><body>
<p style="font-weight:bold">${company} Reports Third Quarter 2026 Results</p>
<table><tr><td>Revenue</td><td>$51.24</td></tr><tr><td>Costs and expenses</td><td>$30.71</td></tr></table>
${paragraphs.map((p) => `<p><span>${p}</span></p>`).join('\n')}
</body></html>`;
}

export class FakeEdgar {
  private readonly feeds = new Map<string, { companyName: string; filings: FixtureFiling[] }>();

  private constructor(readonly server: FeedServer) {}

  static async start(): Promise<FakeEdgar> {
    const edgar = new FakeEdgar(await FeedServer.start());
    edgar.restoreFeed();
    return edgar;
  }

  /** Serves the company feeds normally again (after a test replaced the route with a broken one). */
  restoreFeed(): void {
    this.server.route('/cgi-bin/browse-edgar', (req, res) => this.answerFeed(req, res));
  }

  get base(): string {
    return this.server.base;
  }

  /** Sets a company's 8-K filings (newest first) and serves their index pages and exhibits. */
  setFilings(cik: string, companyName: string, filings: FixtureFiling[]): void {
    this.feeds.set(cik.padStart(10, '0'), { companyName, filings });
    for (const f of filings) {
      this.server.serve(indexPath(f), indexHtml(f), 'text/html; charset=utf-8');
      if (f.exhibitHtml) this.server.serve(exhibitPath(f), f.exhibitHtml, 'text/html; charset=utf-8');
    }
  }

  feedRequests(cik: string) {
    return this.server.requests.filter((r) => r.path === '/cgi-bin/browse-edgar' && (r as { query?: string }).query?.includes(`CIK=${cik.padStart(10, '0')}`));
  }

  private answerFeed(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.base);
    (this.server.requests.at(-1) as { query?: string }).query = url.search;
    const cik = (url.searchParams.get('CIK') ?? '').padStart(10, '0');
    if (url.searchParams.get('type') !== '8-K' || url.searchParams.get('output') !== 'atom') {
      res.writeHead(400, { 'content-type': 'text/html' }).end('bad request');
      return;
    }
    const entry = this.feeds.get(cik);
    const body = atomFeed(this.base, entry?.companyName ?? 'UNKNOWN', cik, entry?.filings ?? []);
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/atom+xml', etag, 'content-length': Buffer.byteLength(body, 'latin1') });
    res.end(Buffer.from(body, 'latin1'));
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
