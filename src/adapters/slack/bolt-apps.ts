/**
 * The Bolt Apps behind one receiver: slash commands on an App of their own, everything else (events, buttons,
 * the digest form, the App Home) on the other, both built from the same options (token or authorize, client
 * options, logger). Why two: Bolt's `processEvent` runs every request through the middleware chain of every
 * listener registered on the App, so a command paid for five listeners that never match a command (a spread of
 * its arguments and an async call each, ≈ 45 of 125 µs per command measured in-process; BENCHMARKS.md, Slack).
 * Over HTTP the shared receiver hands commands to the commands App; Socket Mode has one App for both.
 */
import { App, type AppOptions, type Receiver } from '@slack/bolt';
import { SharedHttpReceiver } from './receiver.js';

export interface BoltApps {
  /** Events, block actions, view submissions: everything but slash commands. */
  app: App;
  /** Slash commands (the same App as `app` when the receiver cannot hand commands over). */
  commands: App;
}

export function createBoltApps(options: Omit<AppOptions, 'receiver'>, receiver: Receiver): BoltApps {
  // Each App gets its own copy of the client options: Bolt writes its logger into the object it is given.
  const app = new App({ ...options, clientOptions: { ...options.clientOptions }, receiver });
  if (!(receiver instanceof SharedHttpReceiver)) return { app, commands: app };
  return { app, commands: new App({ ...options, clientOptions: { ...options.clientOptions }, receiver: receiver.commandReceiver }) };
}

/** Registers one error handler on both Apps (once when they are the same). */
export function onBoltError(apps: BoltApps, handler: Parameters<App['error']>[0]): void {
  for (const app of new Set([apps.app, apps.commands])) app.error(handler);
}
