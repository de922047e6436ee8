/** The command registry: every command the bot answers, in the order help lists them. */
import type { CommandSpec } from '../core/command.js';
import { capexCommand } from './capex.js';
import { compareCommand } from './compare.js';
import { topCommand } from './top.js';
import { companiesCommand } from './companies.js';
import { sourcesCommand } from './sources.js';
import { helpCommand } from './help.js';
import { DIGEST_COMMANDS } from './digest.js';
import { newsCommand } from './news.js';
import { digestFeedsCommand } from './feeds.js';
import { ALERT_COMMANDS } from './alerts.js';
import { PROPOSAL_COMMANDS } from './proposals.js';
import { withReplyActions } from './actions.js';

export const commands: CommandSpec[] = [
  // Answers carry their next step as buttons (Sources, Compare with…, Switch year): src/commands/actions.ts.
  withReplyActions(capexCommand),
  withReplyActions(compareCommand),
  withReplyActions(topCommand),
  companiesCommand,
  sourcesCommand,
  newsCommand,
  helpCommand,
  ...DIGEST_COMMANDS.map(withReplyActions),
  digestFeedsCommand,
  ...ALERT_COMMANDS,
  ...PROPOSAL_COMMANDS,
] as unknown as CommandSpec[];
