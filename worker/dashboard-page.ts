/**
 * The live dashboard: one self-contained page (no external assets) that
 * polls `/v1/stats` every second and shows, per region, replication lag,
 * pushes pending and retried, and the mix of reads by tier and mode.
 * The page itself holds no figures and is served without a token; the
 * figures come from `/v1/stats`, which needs an admin token. When asked for
 * one, the page keeps it in the tab's sessionStorage and sends it only in
 * the Authorization header.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>geocache · live</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #f7f8fa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  #status { color: #5b6475; margin-bottom: 16px; }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0001; }
  th, td { padding: 6px 10px; border-bottom: 1px solid #e6e8ee; text-align: right; white-space: nowrap; }
  th { background: #eef1f6; font-weight: 600; }
  td:first-child, th:first-child { text-align: left; font-weight: 600; }
  .bar { display: inline-flex; width: 120px; height: 10px; background: #e6e8ee; vertical-align: middle; }
  .bar span { display: block; height: 100%; }
  .edge { background: #2a9d8f; } .replica { background: #457b9d; } .primary { background: #e76f51; }
  .legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; }
  .warn { color: #b23a1e; font-weight: 600; }
</style>
</head>
<body>
<h1>geocache · live figures per region</h1>
<div id="status">connecting…</div>
<form id="login" hidden><label>admin token <input id="token" type="password" autocomplete="off" size="40"></label> <button>show figures</button></form>
<table>
  <thead>
    <tr>
      <th>region</th><th>lag p50 (ms)</th><th>lag p99 (ms)</th><th>applied</th>
      <th>pushes pending</th><th>retried</th><th>reads</th><th>read mix</th>
      <th>strong / session / bounded / eventual</th><th>staleness p50 / p99 (ms)</th>
    </tr>
  </thead>
  <tbody id="regions"></tbody>
</table>
<p class="legend">tiers:<span class="edge"></span>edge<span class="replica"></span>replica<span class="primary"></span>primary · lag and staleness over the last minute</p>
<script>
const body = document.getElementById("regions");
const status = document.getElementById("status");
// A window with no samples has no percentiles: a dash, not a 0 that reads as no lag.
function figure(summary, percentile) { return summary.count > 0 ? String(summary[percentile]) : "–"; }
function cell(text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; }
function mix(byTier, total) {
  const td = document.createElement("td");
  const bar = document.createElement("span");
  bar.className = "bar";
  for (const tier of ["edge", "replica", "primary"]) {
    const part = document.createElement("span");
    part.className = tier;
    part.style.width = total ? (100 * byTier[tier] / total) + "%" : "0";
    part.title = tier + ": " + byTier[tier];
    bar.appendChild(part);
  }
  td.appendChild(bar);
  return td;
}
const login = document.getElementById("login");
login.addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("geocache-token", document.getElementById("token").value.trim());
  refresh();
});
// Answers can overtake each other (a login refreshes at once): only the latest request's answer is shown.
let latest = 0;
async function refresh() {
  const ticket = ++latest;
  try {
    const token = sessionStorage.getItem("geocache-token");
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    // A request that never ends would stop the polling, which waits for each refresh.
    const response = await fetch("/v1/stats", { headers, signal: AbortSignal.timeout(10000) });
    if (ticket !== latest) return;
    login.hidden = response.status !== 401 && response.status !== 403;
    if (!response.ok) throw new Error(response.status === 401 || response.status === 403 ? "an admin token is needed" : "HTTP " + response.status);
    const stats = await response.json();
    if (ticket !== latest) return;
    body.replaceChildren();
    for (const [region, r] of Object.entries(stats.regions)) {
      const tr = document.createElement("tr");
      tr.dataset.region = region;
      const lag = r.replication.lagMs.window;
      const modes = r.reads.byMode;
      const stale = r.reads.stalenessMs.window;
      tr.append(
        cell(region), cell(figure(lag, "p50")), cell(figure(lag, "p99")), cell(r.replication.applied),
        cell(r.pushes.pending, r.pushes.pending > 0 ? "warn" : ""), cell(r.pushes.retried), cell(r.reads.total),
        mix(r.reads.byTier, r.reads.total),
        cell(modes.strong + " / " + modes.session + " / " + modes.bounded + " / " + modes.eventual),
        cell(figure(stale, "p50") + " / " + figure(stale, "p99")),
      );
      body.appendChild(tr);
    }
    status.textContent = "updated " + new Date(stats.now).toLocaleTimeString();
  } catch (error) {
    if (ticket === latest) status.textContent = "cannot read /v1/stats: " + error.message;
  }
}
// The next refresh starts a second after the last one ended, so slow answers never pile up.
async function poll() {
  await refresh();
  setTimeout(poll, 1000);
}
poll();
</script>
</body>
</html>`;
