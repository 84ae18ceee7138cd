/**
 * The dashboard page (see dashboard.ts): one HTML file with its style and script inline and nothing else. The
 * script polls `v1/dashboard` (relative to the page, so a path prefix added by a proxy keeps working) once a
 * second while the tab is visible, appends the new steps, and redraws: tiles for the current step, the active
 * teacher, the flat share, failovers, switches and request and step rates; SVG line charts over steps of each
 * candidate's teacher score, induced variance, on-policy accuracy and alignment, and of the flat share; the
 * active-teacher timeline; a table of the latest estimates; the latest switches and failovers.
 *
 * Everything that comes from data is written with textContent or as SVG attributes, never as markup. The
 * Content-Security-Policy allows exactly this script and style (by hash) and connections to the page's own origin.
 */
import { createHash } from 'node:crypto';
import { PALETTE } from '../report/plots/theme.js';

const STYLE = `
:root { color-scheme: light; --ink: #1F2328; --muted: #59636E; --line: #E6E8EB; --paper: #FFFFFF; --page: #F5F6F8; --accent: #0B5CAD; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--page); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 14px 40px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 16px; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 6px; }
#status { font-size: 13px; color: var(--muted); }
#status::before { content: "\\25CF"; margin-right: 5px; color: #8A8F98; }
#status.live::before { color: #1A7F37; }
#status.error::before { color: #CF222E; }
#status.paused::before { color: #9A6700; }
.meta { font-size: 13px; color: var(--muted); margin: 4px 0 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(125px, 1fr)); gap: 10px; margin: 10px 0 14px; }
.tile { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; min-width: 0; }
.tile .label { font-size: 12px; color: var(--muted); }
.tile .value { font-size: 21px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; margin: 0 0 10px; }
.legend span { white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.note { font-size: 12px; color: var(--muted); margin: 4px 0 0; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font-size: 11px; fill: var(--muted); }
svg.chip { width: 10px; height: 10px; vertical-align: baseline; margin-right: 5px; }
.wide { margin-top: 12px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
tr.active td { font-weight: 600; background: #F3F8FE; }
ol#events { margin: 0; padding-left: 20px; font-size: 13.5px; }
ol#events li { margin: 3px 0; overflow-wrap: anywhere; }
form#login { background: #FFF8C5; border: 1px solid #D4A72C; border-radius: 8px; padding: 10px 12px; margin: 10px 0; }
form#login input { font: inherit; padding: 4px 6px; width: min(320px, 100%); }
form#login button { font: inherit; padding: 4px 12px; margin-left: 4px; }
[hidden] { display: none !important; }
`;

/** The client script; PALETTE is filled in. ES2017, no modules, no template literals (this file is one). */
const SCRIPT = String.raw`
(function () {
  'use strict';
  var PALETTE = __PALETTE__;
  var TOKEN_KEY = 'reward-router-dashboard-token';
  var MAX_STEPS = 2000;
  var interval = Math.max(250, Number(new URLSearchParams(location.search).get('interval')) || 1000);
  var token = null;
  var steps = [];
  var last = null;
  var data = null;
  var colors = {};
  var rates = { requests: null, previous: null };
  var timer = null;
  var inFlight = false;
  var SVG = 'http://www.w3.org/2000/svg';

  // The token: from the fragment (#token=...), which is then removed from the address bar, else from this tab's storage.
  var fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    token = fragment.get('token');
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* storage disabled: keep it in memory */ }
    history.replaceState(null, '', location.pathname + location.search);
  } else {
    try { token = sessionStorage.getItem(TOKEN_KEY); } catch (e) { token = null; }
  }

  function $(id) { return document.getElementById(id); }
  function text(id, value) { var node = $(id); if (node.textContent !== value) node.textContent = value; }
  function fixed(value, digits) { return value === null || value === undefined ? '\u2014' : value.toFixed(digits === undefined ? 3 : digits); }
  function percent(value) { return value === null || value === undefined ? '\u2014' : (100 * value).toFixed(0) + '%'; }
  function colorOf(id) {
    if (!(id in colors)) colors[id] = PALETTE[Object.keys(colors).length % PALETTE.length];
    return colors[id];
  }
  function svg(name, attributes) {
    var node = document.createElementNS(SVG, name);
    for (var key in attributes) node.setAttribute(key, String(attributes[key]));
    return node;
  }
  function chip(color) {
    var box = svg('svg', { viewBox: '0 0 10 10', 'class': 'chip', 'aria-hidden': 'true' });
    box.appendChild(svg('circle', { cx: 5, cy: 5, r: 5, fill: color }));
    return box;
  }

  function setStatus(kind, message) {
    var node = $('status');
    node.className = kind;
    node.textContent = message;
  }

  function showLogin(message) {
    $('login').hidden = false;
    $('login-message').textContent = message;
    setStatus('error', 'needs the bearer token');
  }

  $('login').addEventListener('submit', function (event) {
    event.preventDefault();
    token = $('token-input').value;
    $('token-input').value = '';
    try { sessionStorage.setItem(TOKEN_KEY, token); } catch (e) { /* memory only */ }
    $('login').hidden = true;
    schedule(0);
  });

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) { setStatus('paused', 'paused while the tab is hidden'); return; }
    if (inFlight) return;
    inFlight = true;
    var headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    var url = 'v1/dashboard' + (last === null ? '' : '?since=' + last);
    var controller = new AbortController();
    var cut = setTimeout(function () { controller.abort(); }, 10000);
    fetch(url, { headers: headers, cache: 'no-store', signal: controller.signal })
      .then(function (response) {
        if (response.status === 401) {
          showLogin(token ? 'The server refused this token; enter the value of REWARD_ROUTER_TOKEN.' : 'This server requires a bearer token (REWARD_ROUTER_TOKEN).');
          return null;
        }
        if (!response.ok) throw new Error('the server answered ' + response.status);
        return response.json();
      })
      .then(function (body) {
        if (body === null) return;
        if (!receive(body)) { schedule(0); return; }
        setStatus('live', 'live, updated ' + new Date(body.now).toLocaleTimeString());
        schedule(interval);
      })
      .catch(function (error) {
        setStatus('error', 'cannot reach the server (' + (error && error.message ? error.message : String(error)) + '); retrying');
        schedule(Math.min(10000, interval * 3));
      })
      .finally(function () { clearTimeout(cut); inFlight = false; });
  }

  document.addEventListener('visibilitychange', function () { if (!document.hidden) schedule(0); });

  /** Takes one answer; returns false when the server was restarted and the history must be asked for afresh. */
  function receive(body) {
    if (data !== null && body.startedAt !== data.startedAt) {
      // Another server (a restart): its steps start again from 1.
      data = null;
      steps = [];
      last = null;
      rates.previous = null;
      return false;
    }
    data = body;
    body.models.forEach(colorOf);
    for (var i = 0; i < body.steps.length; i++) steps.push(body.steps[i]);
    if (steps.length > MAX_STEPS) steps = steps.slice(steps.length - MAX_STEPS);
    if (steps.length > 0) last = steps[steps.length - 1].step;
    else if (body.step === 0) last = 0;
    var now = { time: body.now, total: body.requests.total };
    if (rates.previous && now.time > rates.previous.time) rates.requests = (now.total - rates.previous.total) / ((now.time - rates.previous.time) / 1000);
    rates.previous = now;
    render();
    return true;
  }

  function render() {
    var latest = steps.length > 0 ? steps[steps.length - 1] : null;
    text('strategy', data.strategy);
    text('score-kind', data.teacherScoreKind === null ? '' : ' (' + data.teacherScoreKind + ')');
    text('reference', data.reference === null ? 'none' : data.reference);
    text('history', steps.length + ' steps shown (the server keeps ' + data.history.capacity + ')');
    text('step', String(data.step));
    var active = $('active');
    var activeName = latest ? latest.active : data.active;
    if (active.dataset.value !== String(activeName)) {
      active.dataset.value = String(activeName);
      active.textContent = '';
      if (activeName === null) active.textContent = data.strategy === 'mix' ? 'mix' : '\u2014';
      else { active.appendChild(chip(colorOf(activeName))); active.appendChild(document.createTextNode(activeName)); }
    }
    text('flat-share', latest ? percent(latest.flatShare) : '\u2014');
    text('failovers', String(data.totals.failovers));
    text('switches', String(data.totals.switches));
    text('request-rate', rates.requests === null ? '\u2014' : rates.requests.toFixed(1) + '/s');
    text('requests', String(data.requests.total) + (data.requests.errors > 0 ? ' (' + data.requests.errors + (data.requests.errors === 1 ? ' error)' : ' errors)') : ''));
    text('step-rate', stepRate());
    renderLegend();
    var ids = data.models;
    chart('teacher-score', ids, function (model) { return model.teacherScore; }, {});
    chart('variance', ids, function (model) { return model.variance; }, { zero: true });
    chart('accuracy', ids, function (model) { return model.accuracy; }, { fixed: [0, 1] });
    chart('alignment', ids, function (model) { return model.alignment; }, { zeroLine: true });
    chart('flat', ['flat share'], function (model) { return model.value; }, { fixed: [0, 1], single: true });
    var measuredAlignment = steps.some(function (step) { return step.models.some(function (model) { return model.alignment !== null; }); });
    $('alignment-note').hidden = measuredAlignment;
    var measuredAccuracy = steps.some(function (step) { return step.models.some(function (model) { return model.accuracy !== null; }); });
    $('accuracy-note').hidden = measuredAccuracy;
    timeline();
    table(latest);
    events();
  }

  function stepRate() {
    var recent = steps.slice(-20);
    if (recent.length < 2) return '\u2014';
    var minutes = (recent[recent.length - 1].time - recent[0].time) / 60000;
    return minutes > 0 ? ((recent.length - 1) / minutes).toFixed(1) + '/min' : '\u2014';
  }

  function renderLegend() {
    var legend = $('legend');
    var key = data.models.join('\u0000');
    if (legend.dataset.key === key) return;
    legend.dataset.key = key;
    legend.textContent = '';
    data.models.forEach(function (id) {
      var item = document.createElement('span');
      item.appendChild(chip(colorOf(id)));
      item.appendChild(document.createTextNode(id));
      legend.appendChild(item);
    });
  }

  var W = 340, H = 170, LEFT = 40, RIGHT = 8, TOP = 8, BOTTOM = 22;

  /** Draws one line per id over the steps; a null value breaks the line. */
  function chart(name, ids, pick, options) {
    var box = document.querySelector('svg[data-chart="' + name + '"]');
    while (box.firstChild) box.removeChild(box.firstChild);
    var series = ids.map(function (id) {
      return { id: id, points: steps.map(function (step) {
        var model = options.single ? { value: step.flatShare } : find(step.models, id);
        var value = model ? pick(model) : null;
        return { step: step.step, value: value === undefined ? null : value };
      }) };
    });
    var values = [];
    series.forEach(function (line) { line.points.forEach(function (point) { if (point.value !== null) values.push(point.value); }); });
    var low = options.fixed ? options.fixed[0] : Math.min.apply(null, values.concat(options.zero || options.zeroLine ? [0] : []));
    var high = options.fixed ? options.fixed[1] : Math.max.apply(null, values.concat(options.zero ? [0] : []));
    if (!isFinite(low) || !isFinite(high)) { low = 0; high = 1; }
    if (high - low < 1e-9) { high = low + 1; }
    var first = steps.length > 0 ? steps[0].step : 0;
    var end = steps.length > 0 ? steps[steps.length - 1].step : 1;
    if (end === first) end = first + 1;
    var x = function (step) { return LEFT + ((step - first) / (end - first)) * (W - LEFT - RIGHT); };
    var y = function (value) { return TOP + (1 - (value - low) / (high - low)) * (H - TOP - BOTTOM); };
    [low, (low + high) / 2, high].forEach(function (tick) {
      box.appendChild(svg('line', { x1: LEFT, x2: W - RIGHT, y1: y(tick), y2: y(tick), stroke: '#E6E8EB' }));
      var label = svg('text', { x: LEFT - 4, y: y(tick) + 4, 'text-anchor': 'end' });
      label.textContent = Math.abs(high - low) >= 10 ? tick.toFixed(0) : tick.toFixed(2);
      box.appendChild(label);
    });
    if (options.zeroLine && low < 0 && high > 0) box.appendChild(svg('line', { x1: LEFT, x2: W - RIGHT, y1: y(0), y2: y(0), stroke: '#8A8F98', 'stroke-dasharray': '3,3' }));
    [first, end].forEach(function (step, index) {
      var label = svg('text', { x: x(step), y: H - 6, 'text-anchor': index === 0 ? 'start' : 'end' });
      label.textContent = 'step ' + step;
      box.appendChild(label);
    });
    series.forEach(function (line) {
      var color = options.single ? '#0B5CAD' : colorOf(line.id);
      var run = [];
      var flush = function () {
        if (run.length === 1) box.appendChild(svg('circle', { cx: run[0][0], cy: run[0][1], r: 2, fill: color, 'data-model': line.id }));
        else if (run.length > 1) box.appendChild(svg('polyline', { points: run.map(function (p) { return p[0].toFixed(1) + ',' + p[1].toFixed(1); }).join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'data-model': line.id }));
        run = [];
      };
      line.points.forEach(function (point) { if (point.value === null) flush(); else run.push([x(point.step), y(point.value)]); });
      flush();
    });
  }

  function find(models, id) { for (var i = 0; i < models.length; i++) if (models[i].id === id) return models[i]; return null; }

  function timeline() {
    var box = document.querySelector('svg[data-chart="timeline"]');
    while (box.firstChild) box.removeChild(box.firstChild);
    if (steps.length === 0) return;
    var first = steps[0].step;
    var end = steps[steps.length - 1].step + 1;
    var x = function (step) { return LEFT + ((step - first) / (end - first)) * (W - LEFT - RIGHT); };
    var start = 0;
    for (var i = 1; i <= steps.length; i++) {
      if (i === steps.length || steps[i].active !== steps[start].active) {
        var who = steps[start].active;
        var rect = svg('rect', { x: x(steps[start].step), y: 4, width: Math.max(0.5, x(i === steps.length ? end : steps[i].step) - x(steps[start].step)), height: 26, fill: who === null ? '#C9CED4' : colorOf(who), 'data-model': who === null ? 'mix' : who });
        var tip = svg('title', {});
        tip.textContent = (who === null ? 'mix' : who) + ': steps ' + steps[start].step + '-' + steps[i - 1].step;
        rect.appendChild(tip);
        box.appendChild(rect);
        start = i;
      }
    }
    [first, end - 1].forEach(function (step, index) {
      var label = svg('text', { x: index === 0 ? LEFT : W - RIGHT, y: 46, 'text-anchor': index === 0 ? 'start' : 'end' });
      label.textContent = 'step ' + step;
      box.appendChild(label);
    });
  }

  function table(latest) {
    var body = $('models');
    body.textContent = '';
    if (!latest) return;
    latest.models.forEach(function (model) {
      var row = document.createElement('tr');
      row.dataset.model = model.id;
      if (model.id === latest.active) row.className = 'active';
      var name = document.createElement('td');
      name.appendChild(chip(colorOf(model.id)));
      name.appendChild(document.createTextNode(model.id));
      row.appendChild(name);
      [fixed(model.teacherScore), fixed(model.variance), fixed(model.accuracy), fixed(model.alignment), model.weight === null ? '\u2014' : fixed(model.weight, 2), condition(model), String(model.calls), String(model.failures)].forEach(function (value) {
        var cell = document.createElement('td');
        cell.textContent = value;
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  /** ok, or what keeps the model from teaching: an open circuit, harm, degradation, stale estimates. */
  function condition(model) {
    var flags = [];
    if (!model.healthy) flags.push('circuit open');
    if (model.harmful) flags.push('harmful');
    if (model.degraded) flags.push('degraded');
    if (model.stale) flags.push('stale');
    return flags.length === 0 ? 'ok' : flags.join(', ');
  }

  function events() {
    var list = $('events');
    var items = [];
    for (var i = steps.length - 1; i >= 0 && items.length < 8; i--) {
      var step = steps[i];
      if (step.switched) items.push('step ' + step.step + ': ' + step.reason.replace(/\u0060/g, ''));
      step.failovers.forEach(function (failover) { if (items.length < 8) items.push('step ' + step.step + ': failover from ' + failover.model + ' (' + failover.error + ')'); });
    }
    var key = items.join('\n');
    if (list.dataset.key === key) return;
    list.dataset.key = key;
    list.textContent = '';
    if (items.length === 0) { var none = document.createElement('li'); none.textContent = 'none yet'; list.appendChild(none); }
    items.forEach(function (item) { var li = document.createElement('li'); li.textContent = item; list.appendChild(li); });
  }

  schedule(0);
})();
`;

function body(): string {
  const chart = (name: string, title: string, note = '') => `<section>
<h2>${title}</h2>
<svg class="chart" data-chart="${name}" viewBox="0 0 340 170" role="img" aria-label="${title} over steps"></svg>
${note}
</section>`;
  const tile = (id: string, label: string) => `<div class="tile"><div class="label">${label}</div><div class="value" id="${id}">\u2014</div></div>`;
  return `<main>
<header><h1>reward-router</h1><span id="status">connecting</span></header>
<p class="meta">strategy <b id="strategy">\u2014</b> \u00b7 reference <b id="reference">\u2014</b> \u00b7 <span id="history"></span></p>
<form id="login" hidden>
<p id="login-message"></p>
<label>Bearer token <input id="token-input" type="password" autocomplete="off" required></label><button type="submit">Connect</button>
</form>
<div class="tiles">
${tile('step', 'step')}
${tile('active', 'active teacher')}
${tile('flat-share', 'flat groups (last step)')}
${tile('switches', 'switches')}
${tile('failovers', 'failovers')}
${tile('request-rate', 'requests per second')}
${tile('requests', 'requests answered')}
${tile('step-rate', 'steps per minute')}
</div>
<div class="legend" id="legend"></div>
<div class="charts">
<section>
<h2>Teacher score<span id="score-kind"></span></h2>
<svg class="chart" data-chart="teacher-score" viewBox="0 0 340 170" role="img" aria-label="Teacher score over steps"></svg>
</section>
${chart('variance', 'Induced variance', '<p class="note">Normalized, on the current policy. Near 0: a flat landscape.</p>')}
${chart('accuracy', 'On-policy accuracy', '<p class="note" id="accuracy-note">Needs a reference model in the config.</p>')}
${chart('alignment', 'Alignment with the reference', '<p class="note" id="alignment-note">Not reported by this router yet.</p>')}
${chart('flat', 'Flat share of groups', '<p class="note">Share of a step\u2019s groups whose normalized variance is at or below the flat threshold.</p>')}
<section>
<h2>Active teacher</h2>
<svg class="chart" data-chart="timeline" viewBox="0 0 340 52" role="img" aria-label="Active teacher over steps"></svg>
</section>
</div>
<section class="wide">
<h2>Candidates (last step)</h2>
<div class="table-wrap"><table>
<thead><tr><th>model</th><th>teacher score</th><th>variance</th><th>accuracy</th><th>alignment</th><th>weight</th><th>condition</th><th>calls</th><th>failures</th></tr></thead>
<tbody id="models"></tbody>
</table></div>
</section>
<section class="wide">
<h2>Latest switches and failovers</h2>
<ol id="events"><li>none yet</li></ol>
</section>
</main>`;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export interface DashboardPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

let cached: DashboardPage | undefined;

/** The page and its response headers (built once). */
export function dashboardPage(): DashboardPage {
  if (cached) return cached;
  const script = SCRIPT.replace('__PALETTE__', JSON.stringify(PALETTE));
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>reward-router dashboard</title>
<style>${STYLE}</style>
</head>
<body>
${body()}
<script>${script}</script>
</body>
</html>
`;
  const policy = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  cached = {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
  };
  return cached;
}
