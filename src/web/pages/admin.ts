/**
 * `/admin`: schedule health for admins — digest schedules by platform and channel with their next run, last
 * delivery, failures and reasons, missed slots; news feeds and their state; alert subscriptions; the data
 * version and the last refused one. Read-only. Without a session, the sign-in form (POST, token in the body).
 */
import { formatInstant, h, page, type Footer, type Html } from '../html.js';
import type { AdminSnapshot, Part, ScheduleHealth } from '../admin-data.js';
import type { PageResult } from './message.js';

/** Query parameters that carry a credential in private feed URLs (`?token=…`, `?api_key=…`). */
const SECRET_PARAM = /token|key|secret|pass|auth|sig|session|credential/i;

/** A feed URL as shown to admins: credential-like query values (and any user:password) replaced by "…". */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.username || url.password) {
    url.username = '…';
    url.password = '';
  }
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, '…');
  return url.href;
}

const at = (ms: number | null | undefined) => (ms ? formatInstant(new Date(ms).toISOString()) : '—');

export function signInPage(ctx: { footer: Footer }, status: PageResult['status'], problem?: string): PageResult {
  return {
    status,
    body: page(
      { title: 'Admin sign-in' },
      ctx.footer,
      h`<article class="admin sign-in">
<h1>Admin sign-in</h1>
<p>Schedule health for the bot's admins. Sign in with the bot's ADMIN_TOKEN.</p>
${problem ? h`<p class="error" role="alert">${problem}</p>` : ''}
<form method="post" action="/admin/sign-in">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required maxlength="512">
<button type="submit">Sign in</button>
</form>
</article>`,
    ),
  };
}

function whenOf(s: ScheduleHealth['schedule']): string {
  return s.kind === 'cron' ? `cron "${s.cron}" (${s.zone})` : `${s.time} ${s.days} (${s.zone})`;
}

function partHtml<T>(p: Part<T>, render: (rows: T[]) => Html, empty: string): Html {
  if (p.state === 'off') return h`<p>${p.why}.</p>`;
  if (p.state === 'error') return h`<p class="error">Could not be read (see the bot's log).</p>`;
  return p.rows.length ? render(p.rows) : h`<p>${empty}</p>`;
}

function schedulesTable(rows: ScheduleHealth[]): Html {
  return h`<div class="table-wrap"><table class="schedules">
<thead><tr><th scope="col">#</th><th scope="col">Platform</th><th scope="col">Channel</th><th scope="col">When</th><th scope="col">Status</th><th scope="col">Next run</th><th scope="col">Last delivery</th><th scope="col" class="num">Missed</th><th scope="col" class="num">Failures</th><th scope="col">Last failure</th></tr></thead>
<tbody>${rows.map(
    (r) => h`<tr class="schedule-${r.schedule.status}">
<td>${r.schedule.id}</td><td>${r.platform}</td><td><code>${r.schedule.channelId}</code></td><td>${whenOf(r.schedule)}</td>
<td>${r.schedule.status}${r.schedule.statusReason ? h`<br><small>${r.schedule.statusReason}</small>` : ''}</td>
<td>${at(r.nextRun)}</td>
<td>${r.lastDelivery ? h`${r.lastDelivery.status}${r.lastDelivery.late ? ' (late)' : ''}, ${at(r.lastDelivery.deliveredAt ?? r.lastDelivery.dueAt)}` : 'none yet'}${r.lastDelivered && r.lastDelivered !== r.lastDelivery ? h`<br><small>last delivered ${at(r.lastDelivered.deliveredAt)}</small>` : ''}</td>
<td class="num">${r.missed}</td><td class="num">${r.failures}</td>
<td>${r.lastFailure ? h`${at(r.lastFailure.at)}: ${r.lastFailure.error}` : '—'}</td>
</tr>`,
  )}</tbody></table></div>`;
}

export function adminPage(ctx: { footer: Footer }, snap: AdminSnapshot): PageResult {
  const data = snap.data;
  const refusal = data?.lastRefusal;
  const body = h`<article class="admin">
<h1>Schedule health</h1>
<form method="post" action="/admin/sign-out" class="sign-out"><button type="submit">Sign out</button></form>
<section aria-labelledby="data-h"><h2 id="data-h">Data</h2>
${data
  ? h`<dl class="fields"><div><dt>Version</dt><dd class="data-version">${data.dataVersion}</dd></div><div><dt>Loaded</dt><dd>${formatInstant(data.dataLoadedAt)}</dd></div><div><dt>Source</dt><dd>${data.dataSource}</dd></div></dl>
${refusal ? h`<p class="error">Last refused version, ${formatInstant(refusal.at)}:</p><pre class="refusal">${refusal.message}</pre>` : h`<p>No new version has been refused since this one was loaded.</p>`}`
  : h`<p>Live reload is off in this run.</p>`}
${snap.adapters ? h`<p>Adapters up: ${snap.adapters.length ? snap.adapters.join(', ') : 'console'}.</p>` : ''}
</section>
<section aria-labelledby="schedules-h"><h2 id="schedules-h">Digest schedules</h2>
${partHtml(snap.schedules, schedulesTable, 'No digest schedules.')}
</section>
<section aria-labelledby="feeds-h"><h2 id="feeds-h">News feeds</h2>
${partHtml(
  snap.feeds,
  (feeds) => h`<div class="table-wrap"><table class="feeds"><thead><tr><th scope="col">#</th><th scope="col">Feed</th><th scope="col">State</th><th scope="col">Last fetched</th><th scope="col">Last OK</th><th scope="col" class="num">Failures</th><th scope="col" class="num">Headlines</th></tr></thead>
<tbody>${feeds.map((f) => h`<tr><td>${f.id}</td><td>${f.title ?? ''}<br><small>${redactUrl(f.url)}</small></td><td>${f.health}${f.reason ? h`<br><small>${f.reason}</small>` : ''}</td><td>${at(f.lastFetchAt)}</td><td>${at(f.lastOkAt)}</td><td class="num">${f.failures}</td><td class="num">${f.itemCount}</td></tr>`)}</tbody></table></div>`,
  'No news feeds.',
)}
</section>
<section aria-labelledby="alerts-h"><h2 id="alerts-h">Revision alert subscriptions</h2>
${partHtml(
  snap.alerts,
  (subs) => h`<div class="table-wrap"><table class="alerts"><thead><tr><th scope="col">Channel</th><th scope="col">Companies</th><th scope="col">State</th><th scope="col">Since</th></tr></thead>
<tbody>${subs.map((s) => h`<tr><td><code>${s.channelId}</code></td><td>${s.companies.length ? s.companies.join(', ') : 'all'}</td><td>${s.status}${s.statusReason ? h`<br><small>${s.statusReason}</small>` : ''}</td><td>${at(s.createdAt)}</td></tr>`)}</tbody></table></div>`,
  'No channel has revision alerts on.',
)}
</section>
</article>`;
  return { status: 200, body: page({ title: 'Schedule health' }, ctx.footer, body) };
}
