/**
 * `npm run manifest` — writes slack/manifest.json from the command registry (the committed file uses a
 * placeholder URL). For your own workspace, print a ready-to-paste manifest instead:
 *   npm run manifest -- --url https://capex.example.org     HTTP mode, request URL <url>/slack/events
 *   npm run manifest -- --socket-mode                       Socket Mode, no public URL
 *   npm run manifest -- --url https://capex.example.org --oauth
 *                                                           installed in many workspaces: + the OAuth redirect URL and
 *                                                           org-wide installs (also when SLACK_CLIENT_ID is set)
 *   npm run manifest -- --check                             exit 1 if slack/manifest.json is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { commands } from '../src/commands/index.js';
import { slackManifestJson } from '../src/adapters/slack/manifest.js';

const MANIFEST_FILE = fileURLToPath(new URL('../slack/manifest.json', import.meta.url));

const { values } = parseArgs({
  options: { url: { type: 'string' }, 'socket-mode': { type: 'boolean' }, check: { type: 'boolean' }, name: { type: 'string' }, oauth: { type: 'boolean' } },
});

if (values.url || values['socket-mode'] || values.name || values.oauth) {
  const oauth = values.oauth ?? Boolean(process.env.SLACK_CLIENT_ID);
  process.stdout.write(slackManifestJson(commands, { baseUrl: values.url ?? process.env.PUBLIC_URL, socketMode: values['socket-mode'], appName: values.name, oauth }));
} else if (values.check) {
  const committed = readFileSync(MANIFEST_FILE, 'utf8');
  if (committed !== slackManifestJson(commands)) {
    process.stderr.write('slack/manifest.json is out of date: run `npm run manifest` and commit it.\n');
    process.exitCode = 1;
  }
} else {
  writeFileSync(MANIFEST_FILE, slackManifestJson(commands));
  process.stdout.write(`wrote ${MANIFEST_FILE}\n`);
}
