/**
 * Hostile text through the running bot, on both platforms: control characters and bidirectional controls
 * (U+202E and friends) are refused with the same plain answer whether they arrive typed (Slack) or as
 * structured options (Discord), and are never echoed back; signed bodies that are JSON but no request
 * (`null`) get a 4xx, never a 500.
 */
import { describe, expect, it } from 'vitest';
import { postSlash, sign, SIGNING_SECRET, visibleText } from '../adapters/slack/harness.js';
import { signedHeaders } from '../adapters/discord/signing.js';
import { botWithSlackForTests } from './bot-process.js';

const bot = botWithSlackForTests();

const REFUSED = /control characters or invisible text-direction marks/;
/** Bidi controls: RLO (the one that flips "txt.exe"), LRO, RLE, PDF, RLI, FSI, PDI, RLM, ALM. */
const BIDI = ['\u202e', '\u202d', '\u202b', '\u202c', '\u2067', '\u2068', '\u2069', '\u200f', '\u061c'];
const CONTROL = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085'];

const discordText = (body: any): string => JSON.stringify(body.data);

describe('Discord structured options', () => {
  it.each([...CONTROL, ...BIDI].map((ch) => ({ ch, code: ch.codePointAt(0)!.toString(16).padStart(4, '0') })))(
    '%# $code inside a company option is refused, not echoed',
    async ({ ch }) => {
      const { status, body } = await bot().discord('capex', [{ name: 'company', type: 3, value: `ali${ch}baba` }]);
      expect(status).toBe(200);
      const text = discordText(body);
      expect(text).toMatch(REFUSED);
      expect(text).not.toContain(`ali${ch}baba`);
      expect(text).not.toContain(JSON.stringify(ch).slice(1, -1));
      expect(body.data.flags & 64).toBe(64); // private (ephemeral)
    },
  );

  it('a clean option still answers', async () => {
    const { body } = await bot().discord('capex', [{ name: 'company', type: 3, value: 'alibaba' }]);
    expect(discordText(body)).toContain('Alibaba');
  });

  it('a signed null body gets 400, not 500', async () => {
    for (const raw of ['null', '42', '[]', '"x"']) {
      const res = await fetch(`${bot().base}/discord/interactions`, { method: 'POST', headers: signedHeaders(bot().keys, raw), body: raw });
      expect(res.status, raw).toBeGreaterThanOrEqual(400);
      expect(res.status, raw).toBeLessThan(500);
    }
  });
});

describe('Slack typed commands', () => {
  it.each(BIDI.map((ch) => ({ ch, code: ch.codePointAt(0)!.toString(16).padStart(4, '0') })))('%# $code in the text is refused', async ({ ch }) => {
    const res = await postSlash(`${bot().base}/slack/events`, { command: '/capex', text: `ali${ch}baba` });
    expect(res.status).toBe(200);
    expect(visibleText(res.json)).toMatch(REFUSED);
    expect(res.text).not.toContain(ch);
  });

  it('a signed JSON null body or payload=null gets a 4xx, not 500', async () => {
    for (const [type, raw] of [
      ['application/json', 'null'],
      ['application/x-www-form-urlencoded', 'payload=null'],
      ['application/x-www-form-urlencoded', 'payload=%5B%5D'],
    ] as const) {
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${bot().base}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': type, 'x-slack-request-timestamp': ts, 'x-slack-signature': sign(SIGNING_SECRET, ts, raw) },
        body: raw,
      });
      expect(res.status, raw).toBeGreaterThanOrEqual(400);
      expect(res.status, raw).toBeLessThan(500);
    }
  });
});
