import { describe, expect, it } from 'vitest';
import { ask } from '../helpers/core.js';

describe('/capex <company>', () => {
  it('GIVEN alibaba THEN it states 380 billion yuan ≈ US$53B over three years, announced Feb 2025, with the source', async () => {
    const { reply, text } = await ask('/capex alibaba');
    expect(reply.kind).toBe('answer');
    expect(reply.visibility).toBe('public');
    expect(text).toContain('more than 380 billion yuan ≈ US$53B');
    expect(text).toContain('per year');
    expect(text).toContain('first announced 24 Feb 2025');
    expect(reply.sources?.map((s) => s.url)).toContain('https://english.jschina.com.cn/M/China/202502/t20250224_8459658.shtml');
    // The conversion names its rate, date and origin: the source's own pair.
    expect(reply.notes?.join('\n')).toMatch(/CNY→USD at 7\.17 CNY per US\$ \(the source's own conversion, 24 Feb 2025/);
    // The conversion is disputed between sources and says so.
    expect(reply.notes?.join('\n')).toContain('US$52.4B');
  });

  it.each(['Alibaba', 'BABA', '9988.hk', '阿里巴巴', 'alibaba group'])('GIVEN %s THEN it resolves to Alibaba', async (name) => {
    const { reply } = await ask(`/capex ${name}`);
    expect(reply.title).toMatch(/^Alibaba/);
  });

  it('GIVEN meta THEN the newest guidance leads and its revision history is shown with % change', async () => {
    const { reply, text } = await ask('/capex facebook');
    expect(reply.lines[0]).toContain('Capex guidance: US$125–145B — CY2026');
    expect(reply.table?.rows.map((r) => r[2])).toEqual(['first', '+8.0%']);
    expect(text).toContain('US$115–135B → US$125–145B');
    expect(text).toContain('Reported capex CY2025  US$72.22B');
  });

  it('GIVEN google THEN Alphabet 2026 guidance 175–185 → 180–190 is shown', async () => {
    const { text } = await ask('/capex google');
    expect(text).toContain('US$175–185B → US$180–190B');
  });

  it('GIVEN microsoft THEN the disputed $190B is shown as disputed, never silently', async () => {
    const { reply } = await ask('/capex msft');
    expect(reply.lines[0]).toContain('US$190B');
    expect(reply.notes?.join('\n')).toMatch(/Disputed \(Microsoft/);
    expect(reply.notes?.join('\n')).toContain('fiscal year ends in June');
  });

  it('GIVEN a misspelt name THEN it suggests the closest company, privately', async () => {
    const { reply } = await ask('/capex alibba');
    expect(reply.kind).toBe('error');
    expect(reply.visibility).toBe('private');
    expect(reply.lines[0]).toBe("No company named 'alibba' — did you mean Alibaba?");
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
  it('GIVEN meta THEN every figure is listed with its status, weak ones marked as not used', async () => {
    const { reply } = await ask('/capex sources meta');
    expect(reply.visibility).toBe('private');
    const statuses = reply.table!.rows.map((r) => r[4]);
    expect(statuses).toContain('✗ low reliability, not used');
    expect(reply.table!.rows.length).toBeGreaterThanOrEqual(10);
  });
});
