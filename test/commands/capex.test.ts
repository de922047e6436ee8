import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/app.js';
import { ask, bundledData, testCaller, TODAY } from '../helpers/core.js';

describe('/capex <company>', () => {
  it('GIVEN alibaba THEN it leads with the RMB380B pledge (newer than its last annual capex), its age, and each rate used', async () => {
    const { reply, text } = await ask('/capex alibaba');
    expect(reply.kind).toBe('answer');
    expect(reply.visibility).toBe('public');
    expect(reply.lines[0]).toContain('Multi-year AI infrastructure pledge: more than 380 billion yuan ≈ US$52.7B AI infrastructure pledge');
    expect(reply.lines[0]).toContain('announced 24 Sep 2025 (1 year 2 months ago; first announced 24 Feb 2025)');
    expect(text).toContain('per year if spread evenly');
    expect(reply.sources?.map((s) => s.url)).toContain('https://english.jschina.com.cn/M/China/202502/t20250224_8459658.shtml');
    const notes = reply.notes?.join('\n') ?? '';
    // The February figure converts at the source's own pair; the September restatement at its month's table rate.
    expect(notes).toMatch(/CNY→USD at 7\.17 CNY per US\$ \(the source's own conversion, 24 Feb 2025/);
    expect(notes).toContain('CNY→USD at 7.2124 CNY per US$ (the May 2025 rate, the nearest earlier month');
    expect(notes).toContain('US$52.4B');
    // The newest figure from the company (a quarter) is named with its age.
    expect(reply.lines[1]).toBe('Newest figure from Alibaba: 31.5 billion yuan ≈ US$4.37B capex, actual (quarter Jul-Sep 2025 (Q2 FY2026), 25 Nov 2025), 1 year ago.');
  });

  it.each(['Alibaba', 'BABA', '9988.hk', '阿里巴巴', 'alibaba group'])('GIVEN %s THEN it resolves to Alibaba', async (name) => {
    const { reply } = await ask(`/capex ${name}`);
    expect(reply.title).toMatch(/^Alibaba/);
  });

  it('GIVEN meta (or its old ticker FB) THEN the newest guidance leads with its age and revision history', async () => {
    for (const name of ['facebook', 'FB']) {
      const { reply, text } = await ask(`/capex ${name}`);
      expect(reply.lines[0]).toBe('Capex guidance: US$125–145B capex incl. leases — CY2026, announced 29 Apr 2026 (7 months ago; first announced 28 Jan 2026).');
      expect(reply.table?.rows.map((r) => r[2])).toEqual(['first', '+8.0%']);
      expect(text).toContain('US$115–135B → US$125–145B');
      expect(text).toContain('Reported CY2025                   US$72.22B capex incl. leases');
      expect(text).toContain("Pledge (not capex, not compared)  US$600B total investment pledge ('over the next three years' (through ~2028), 7 Nov 2025)");
    }
  });

  it('GIVEN google THEN Alphabet 2026 guidance 175–185 → 180–190 is shown', async () => {
    const { text } = await ask('/capex google');
    expect(text).toContain('US$175–185B → US$180–190B');
  });

  it('GIVEN microsoft THEN US$190B is calendar 2026 guidance, no ⚠, and FY2025 shows both definitions, each labelled', async () => {
    const { reply } = await ask('/capex msft');
    expect(reply.lines[0]).toBe('Capex guidance: about US$190B capex incl. leases — CY2026 (Jan-Dec 2026), announced 29 Apr 2026 (7 months ago).');
    const fields = Object.fromEntries(reply.fields!.map((f) => [f.label, f.value]));
    expect(fields['Reported FY2025 (Jul 2024-Jun 2025)']).toBe('US$88.2B capex incl. leases · US$64.55B cash capex');
    expect(fields['Calendar 2025']).toBe('US$118B capex incl. leases (CY2025 = sum of 4 reported quarters, Q3 FY2025–Q2 FY2026 (Jan 2025–Dec 2025): 21.4 + 24.2 + 34.9 + 37.5)');
    const notes = reply.notes!.join('\n');
    expect(notes).not.toMatch(/Disputed|⚠/);
    expect(notes).toContain('fiscal year ends in June');
  });

  it.each([
    ['baidu', /^Latest figure \(AI investment \(cumulative\)\): more than 100 billion yuan ≈ US\$13\.9B AI capex — since March 2023, announced Nov 2025/],
    ['xai', /^Latest figure \(funding raised, not capex\): US\$20B funding raised — Jan 2026 round, announced 6 Jan 2026 \(11 months ago\)/],
    ['tsmc', /^Capex guidance: US\$52–56B capex — CY2026, announced 15 Jan 2026 \(10 months ago\)/],
    ['2330.TW', /^Capex guidance: US\$52–56B capex — CY2026/],
    ['apple', /^Reported capex: US\$12\.72B cash capex — FY2025 \(Oct 2024-Sep 2025\)/],
    ['oracle', /^Reported capex: US\$55\.7B capex — FY2026 \(Jun 2025-May 2026\), announced 10 Jun 2026/],
    ['openai', /^Multi-year compute commitment: about US\$600B compute commitment/],
  ])('GIVEN %s THEN it answers with its newest reliable figure, never "no reliable figure"', async (name, first) => {
    const { reply } = await ask(`/capex ${name}`);
    expect(reply.kind).toBe('answer');
    expect(reply.lines[0]).toMatch(first);
  });

  it('GIVEN xai THEN its weakly sourced S-1 capex figures are shown as such, not counted as unreliable figures of its own', async () => {
    const { reply } = await ask('/capex xai');
    const weak = reply.fields!.filter((f) => f.label === 'Newer, weakly sourced (not used)').map((f) => f.value);
    expect(weak).toHaveLength(3);
    expect(weak[0]).toContain('US$12.7B AI capex, actual (CY2025, May 2026)');
  });

  it('GIVEN openai THEN the superseded US$1.4T is said to be replaced by the US$600B plan', async () => {
    const { reply } = await ask('/capex openai');
    expect(reply.notes!.join('\n')).toContain('Superseded: US$1,400B (compute/infrastructure commitments (total; superseded), 28 Oct 2025) was replaced by about US$600B (20 Feb 2026');
  });

  it('GIVEN a company with only weak figures THEN it says so, counting only those, privately each time it is asked', async () => {
    for (let i = 0; i < 2; i++) {
      const { reply, text } = await ask('/capex samsung');
      expect(reply.kind).toBe('error');
      expect(reply.visibility).toBe('private');
      expect(reply.lines[0]).toBe('No reliable figure for Samsung Group yet (1 low-reliability figure or estimate: /capex sources samsung).');
      expect(text).toContain('Usage: /capex <company>');
    }
  });

  it('GIVEN the bot runs on for a month THEN answers say the age as of the day asked, not as of the first ask', async () => {
    let now = TODAY;
    const core = createCore({ data: bundledData, now: () => now });
    const meta = async () => (await core.handleText('/capex meta', testCaller())).lines[0];
    expect(await meta()).toContain('announced 29 Apr 2026 (7 months ago;');
    now = new Date(TODAY.getTime() + 31 * 86_400_000);
    expect(await meta()).toContain('announced 29 Apr 2026 (8 months ago;');
    now = TODAY;
    expect(await meta()).toContain('announced 29 Apr 2026 (7 months ago;');
  });

  it('GIVEN a misspelt name THEN it suggests the closest company, privately', async () => {
    const { reply } = await ask('/capex alibba');
    expect(reply.kind).toBe('error');
    expect(reply.visibility).toBe('private');
    expect(reply.lines[0]).toBe("No company named 'alibba' — did you mean Alibaba?");
  });

  // Pinned from the suggestions before names were pre-filtered by length (issue 18): the same names, or none.
  it.each([
    ['microsofte', ' — did you mean Microsoft?'],
    ['msf', ' — did you mean Microsoft?'],
    ['oai', ' — did you mean xAI?'],
    ['metaa', ' — did you mean Meta Platforms?'],
    ['alibaba grp', ' — did you mean Alibaba?'],
    ['baba1', ' — did you mean Alibaba?'],
    ['ama', '. /capex companies lists every company tracked.'],
    ['mcrosoft corporation', '. /capex companies lists every company tracked.'],
  ])('GIVEN the typo %s THEN the same suggestion as before', async (typo, hint) => {
    const { reply } = await ask(`/capex ${typo}`);
    expect(reply.lines[0]).toBe(`No company named '${typo}'${hint}`);
  });

  it('GIVEN an unknown name with no close match THEN it points to /capex companies', async () => {
    const { reply } = await ask('/capex zzzzqqqq');
    expect(reply.lines[0]).toContain('/capex companies');
  });

  it('GIVEN no company THEN it explains the usage', async () => {
    const { reply } = await ask('/capex');
    expect(reply.kind).toBe('error');
    expect(reply.lines.join(' ')).toContain('Usage: /capex <company>');
  });
});

describe('/capex sources <company>', () => {
  it('GIVEN amazon THEN its July 2025 "118" and "120" are listed as analyst estimates, never guidance', async () => {
    const { reply } = await ask('/capex sources amazon');
    const estimates = reply.table!.rows.filter((r) => r[4] === 'analyst estimate').map((r) => r[2]);
    expect(estimates.sort()).toEqual(['US$118B', 'US$120B']);
    expect(reply.notes!.join('\n')).toContain('(an estimate: never a headline or in totals)');
  });

  it('GIVEN meta THEN every figure is listed with its status, weak ones marked as not used', async () => {
    const { reply } = await ask('/capex sources meta');
    expect(reply.visibility).toBe('private');
    expect(reply.table!.columns).toEqual(['Announced', 'What', 'Figure', 'Definition', 'Basis', 'Period', 'Best source', 'Status']);
    const statuses = reply.table!.rows.map((r) => r[7]);
    expect(statuses).toContain('✗ low reliability, not used');
    expect(reply.table!.rows.length).toBeGreaterThanOrEqual(10);
    const release = reply.table!.rows.find((r) => r[2] === 'US$72.22B')!;
    expect(release.slice(3, 7)).toEqual(['capex incl. leases', 'actual', 'CY2025', 'company release']);
  });
});
