/** The ledger contract on all three implementations: memory, a real SQLite file, a real PostgreSQL database. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLedger } from '../../src/delivery/memory-ledger.js';
import { openDatabase } from '../../src/store/index.js';
import { KyselyLedger } from '../../src/store/ledger.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { ledgerContract } from './ledger-contract.js';

ledgerContract('memory', async () => ({ ledger: new MemoryLedger(), close: async () => undefined }));

ledgerContract('SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capex-ledger-'));
  const db = await openDatabase(join(dir, 'bot.sqlite'));
  return {
    ledger: new KyselyLedger(db),
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

ledgerContract('PostgreSQL', async () => {
  const test = await createTestDatabase('ledger');
  const db = await openDatabase(test.url);
  return {
    ledger: new KyselyLedger(db),
    close: async () => {
      await db.close();
      await test.drop();
    },
  };
});
