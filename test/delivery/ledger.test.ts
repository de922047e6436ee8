/** The ledger contract on all three implementations: memory, a real SQLite file, a real PostgreSQL database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLedger } from '../../src/delivery/memory-ledger.js';
import { openDatabase, type Database } from '../../src/store/index.js';
import { KyselyLedger } from '../../src/store/ledger.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { ledgerContract } from './ledger-contract.js';

ledgerContract('memory', async () => ({ ledger: new MemoryLedger(), close: async () => undefined }));

ledgerContract('SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capex-ledger-'));
  const db = await openDatabase(join(dir, 'bot.sqlite'));
  const others: Database[] = [];
  return {
    ledger: new KyselyLedger(db),
    other: async () => {
      others.push(await openDatabase(join(dir, 'bot.sqlite')));
      return new KyselyLedger(others.at(-1)!);
    },
    close: async () => {
      for (const o of others) await o.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

ledgerContract('PostgreSQL', async () => {
  const test = await createTestDatabase('ledger');
  const db = await openDatabase(test.url);
  const others: Database[] = [];
  return {
    ledger: new KyselyLedger(db),
    other: async () => {
      others.push(await openDatabase(test.url));
      return new KyselyLedger(others.at(-1)!);
    },
    close: async () => {
      for (const o of others) await o.close();
      await db.close();
      await test.drop();
    },
  };
});
