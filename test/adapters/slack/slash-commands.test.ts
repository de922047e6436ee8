/**
 * End to end over real HTTP: signed slash commands sent to POST /slack/events on the shared server, routed by
 * Bolt's App to the real commands on the bundled data; Web API calls go to the fake Slack API on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, type CommandSpec } from '../../../src/core/command.js';
import { postSlash, sign, SIGNING_SECRET, startHarness, visibleText, type Harness } from './harness.js';

/** Counts how often it really ran, so a refused request can be shown to have run nothing. */
let probeRuns = 0;
const probeCommand = defineCommand({
  id: 'test-probe',
  path: ['capex', 'probe'],
  summary: 'test only: counts runs',
  usage: '/capex probe',
  examples: ['/capex probe'],
  options: z.object({}),
  fromText: () => ({}),
  run: () => {
    probeRuns += 1;
    return { kind: 'answer', visibility: 'public', title: 'Probe', lines: ['probe ran'], summary: 'probe ran' };
  },
}) as unknown as CommandSpec;

const explodingCommand = defineCommand({
  id: 'test-explode',
  path: ['capex', 'explode'],
  summary: 'test only: throws',
  usage: '/capex explode',
  examples: ['/capex explode'],
  options: z.object({}),
  fromText: () => ({}),
  run: () => {
    throw new Error('database on fire: secret internals');
  },
}) as unknown as CommandSpec;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ extraCommands: [probeCommand, explodingCommand] });
});
afterAll(async () => h.close());
// Work that goes on after the ack (late answers, chart uploads) must not leak into the next test.
afterEach(async () => {
  await h.adapter.idle();
  h.fake.reset();
  probeRuns = 0;
});

describe('answers', () => {
  it('/capex alibaba: the commitment in yuan and dollars, posted in the channel, with sources', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'alibaba' });
    expect(res.status).toBe(200);
    expect(res.json?.response_type).toBe('in_channel');
    const text = visibleText(res.json);
    expect(text).toContain('380 billion yuan');
    expect(text).toContain('US$53B');
    const blocks = res.json?.blocks as { type: string; text?: { text: string } }[];
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(blocks[0]!.text!.text).toContain('Alibaba');
    const context = blocks.find((b) => b.type === 'context') as unknown as { elements: { text: string }[] };
    expect(context.elements.map((e) => e.text).join(' ')).toMatch(/<https:\/\/[^|>]+\|[^>]+>/);
    expect(String(res.json?.text)).toMatch(/^Alibaba: /);
  });

  it('/compare meta amazon: a table and a bar chart in code blocks', async () => {
    const res = await postSlash(h.url, { command: '/compare', text: 'meta amazon' });
    expect(res.json?.response_type).toBe('in_channel');
    const text = visibleText(res.json);
    expect(text).toMatch(/```\nCompany\s+US\$B \/ year/);
    expect(text).toMatch(/Amazon\s+~200/);
    expect(text).toMatch(/Meta Platforms\s+█+░+\s+125–145/);
  });

  it('/capex top: the ranking with the total', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'top' });
    expect(res.json?.response_type).toBe('in_channel');
    const text = visibleText(res.json);
    expect(text).toContain('Top AI capex');
    expect(text).toMatch(/Total\s+\d+–\d+/);
  });

  it('/capex companies lists the tracked companies', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'companies' });
    const text = visibleText(res.json);
    for (const name of ['Alibaba', 'Microsoft', 'Anthropic']) expect(text).toContain(name);
  });

  it('/capex help is private (ephemeral) and lists the commands', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'help' });
    expect(res.json?.response_type).toBe('ephemeral');
    const text = visibleText(res.json);
    expect(text).toContain('/compare');
    expect(text).toContain('/capex top');
  });

  it('a user mistake is private and says what to do', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'alibabba' });
    expect(res.json?.response_type).toBe('ephemeral');
    expect(visibleText(res.json)).toMatch(/Alibaba/);
    const empty = await postSlash(h.url, { command: '/compare', text: '' });
    expect(empty.json?.response_type).toBe('ephemeral');
    expect(visibleText(empty.json)).toContain('/compare');
  });

  it('answers without asking Slack anything first (no users.info on the hot path)', async () => {
    await postSlash(h.url, { command: '/capex', text: 'meta' });
    await postSlash(h.url, { command: '/compare', text: 'msft googl' });
    await h.adapter.idle();
    // Chart images may follow an answer (files.*); nothing else may be called for an ordinary command.
    expect(h.fake.requests.filter((r) => !r.api?.startsWith('files.') && !r.path.startsWith('/upload/'))).toEqual([]);
  });
});

describe('hostile text is echoed escaped, never as a mention', () => {
  // Slack sends mentions as control sequences (should_escape) and typed brackets entity-encoded: try both.
  for (const text of ['<!channel>', '<@U123>', '<!here|here> & <#C999>', '<https://evil.example|click me>', '&lt;!channel&gt;', '&lt;@U123&gt;']) {
    it(`/capex ${text}`, async () => {
      const res = await postSlash(h.url, { command: '/capex', text });
      expect(res.status).toBe(200);
      const shown = visibleText(res.json);
      expect(shown).not.toMatch(/<[!@#]/);
      expect(shown).not.toContain('<https://evil');
      // Whatever is echoed back is escaped entity by entity.
      if (shown.includes('channel')) expect(shown).toContain('&lt;!channel&gt;');
    });
  }

  it('entity-encoded input is decoded once, so the user sees what they typed, not &amp;amp;', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'AT&amp;T' });
    const shown = visibleText(res.json);
    expect(shown).toContain("'AT&amp;T'");
    expect(shown).not.toContain('&amp;amp;');
  });

  it('an ampersand stays a visible, escaped ampersand', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'AT&T' });
    const shown = visibleText(res.json);
    expect(shown).toContain('AT&amp;T');
    expect(shown).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });
});

describe('faults', () => {
  it('an exception in a command: ephemeral "something went wrong (ref …)", details only in the log under the same ref', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'explode' });
    expect(res.status).toBe(200);
    expect(res.json?.response_type).toBe('ephemeral');
    const shown = visibleText(res.json);
    const ref = /Something went wrong \(ref ([0-9a-f]+)\)/.exec(shown)?.[1];
    expect(ref).toBeDefined();
    expect(shown).not.toContain('database on fire');
    const logged = h.logs.find((l) => l.ref === ref);
    expect(logged?.msg).toBe('command failed');
    expect(JSON.stringify(logged)).toContain('database on fire');
  });
});

describe('request verification', () => {
  const expectRefused = async (res: { status: number }) => {
    expect(res.status).toBe(401);
    expect(probeRuns).toBe(0);
    expect(h.fake.requests.map((r) => `${r.httpMethod} ${r.path} ${JSON.stringify(r.body).slice(0, 200)}`)).toEqual([]);
  };

  it('runs the probe when signed correctly (control)', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'probe' });
    expect(res.status).toBe(200);
    expect(probeRuns).toBe(1);
  });

  it('bad signature: 401, nothing runs', async () => {
    await expectRefused(await postSlash(h.url, { command: '/capex', text: 'probe' }, { secret: 'not-the-secret' }));
  });

  it('tampered body: 401, nothing runs', async () => {
    await expectRefused(await postSlash(h.url, { command: '/capex', text: 'probe' }, { tamper: (b) => b.replace('probe', 'probe+x') }));
  });

  it('missing signature or timestamp header: 401, nothing runs', async () => {
    await expectRefused(await postSlash(h.url, { command: '/capex', text: 'probe' }, { omitSignature: true }));
    await expectRefused(await postSlash(h.url, { command: '/capex', text: 'probe' }, { omitTimestamp: true }));
  });

  it('stale (6 minutes old) or future timestamp, even correctly signed: 401, nothing runs', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await postSlash(h.url, { command: '/capex', text: 'probe' }, { timestamp: now - 6 * 60 }));
    await expectRefused(await postSlash(h.url, { command: '/capex', text: 'probe' }, { timestamp: now + 6 * 60 }));
  });

  it('a 4-minute-old request is still inside the window', async () => {
    const res = await postSlash(h.url, { command: '/capex', text: 'probe' }, { timestamp: Math.floor(Date.now() / 1000) - 4 * 60 });
    expect(res.status).toBe(200);
    expect(probeRuns).toBe(1);
  });

  it('an oversized body is refused before any signature or command work', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `text=${'x'.repeat(100_000)}` }).catch(
      (e: unknown) => e as Error,
    );
    // Either Slack-style refusal (413) or the connection is cut mid-upload; never a 200.
    if (res instanceof Response) expect(res.status).toBe(413);
    expect(probeRuns).toBe(0);
  });

  it("answers Slack's url_verification and ssl_check without running anything", async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' });
    const verified = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': sign(SIGNING_SECRET, ts, challenge) },
      body: challenge,
    });
    expect(await verified.json()).toEqual({ challenge: 'c-123' });
    const check = 'ssl_check=1&token=x';
    const ssl = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sign(SIGNING_SECRET, ts, check) },
      body: check,
    });
    expect(ssl.status).toBe(200);
    expect(probeRuns).toBe(0);
  });

  it('a signed command Bolt has no listener for is not answered as if it were ours', async () => {
    const res = await postSlash(h.url, { command: '/not-ours', text: 'probe' });
    expect(res.status).toBe(404);
    expect(probeRuns).toBe(0);
  });
});
