/**
 * A local fake Slack Web API for trying the bot without a Slack workspace (the same fake the tests use):
 *   node --import tsx scripts/slack-fake-api.ts            → prints SLACK_API_URL=http://127.0.0.1:<port>/api/
 * Then start the bot with SLACK_API_URL set to it (docs/slack.md, "Try it without Slack"). Every Web API call
 * the bot makes (auth.test, users.info, chat.postMessage for digests, …) is printed as it arrives.
 * Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { startFakeSlack } from '../test/helpers/fake-slack.js';

const { values } = parseArgs({ options: { admin: { type: 'string', multiple: true }, private: { type: 'string', multiple: true } } });
const fake = await startFakeSlack();
// --admin U123 (repeatable): users.info reports these users as workspace admins, so they may manage digests.
for (const id of values.admin ?? []) fake.addUser({ id, is_admin: true, tz: Intl.DateTimeFormat().resolvedOptions().timeZone });
// --private C123 (repeatable): a private channel the bot is not in (conversations.info: channel_not_found, as in
// Slack), to see `/capex-digest add` refuse it. D… ids are DMs. The fake is as strict as Slack: alt_txt, token_revoked…
for (const id of values.private ?? []) fake.addChannel({ id, is_private: true, is_member: false });

process.stdout.write(`SLACK_API_URL=${fake.apiUrl}\n`);
let shown = 0;
setInterval(() => {
  for (const r of fake.requests.slice(shown)) {
    const what = r.api ?? r.path;
    const detail = r.body.channel ?? r.body.channel_id ?? r.body.user ?? r.body.users ?? '';
    process.stdout.write(`${new Date().toISOString()} ${what} ${detail} → ${r.status}\n`);
  }
  shown = fake.requests.length;
}, 200);
process.once('SIGINT', () => void fake.close().then(() => process.exit(0)));
