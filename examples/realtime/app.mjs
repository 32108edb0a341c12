// The Realtime barge-in replay page: a recorded session timeline through the interruption
// machine of the WASM module (bindings/wasm/pkg, built by scripts/test-wasm.sh), drawn on a
// time axis. Static files only: serve the repository with any static server.
import init, * as breakwater from '../../bindings/wasm/pkg/breakwater_wasm.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = { send: '#a31515', stop_playback: '#8a5a00', resume_playback: '#0a6a2a' };
const STAGES = [['detect_ms', '#9db4d6'], ['first_audio_ms', '#5b82b8'], ['playback_ms', '#2f5a94']];

function fill(table, items, cells) {
  table.tBodies[0].replaceChildren(
    ...items.map((item) => {
      const tr = document.createElement('tr');
      for (const text of cells(item)) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Inputs as ticks, actions as labelled marks, turns as stacked stage bars with the budget. */
function draw(inputs, report) {
  const end = Math.max(1, ...inputs.map((i) => i.at_ms), ...report.actions.map((a) => a.at_ms));
  const x = (ms) => 20 + (960 * ms) / end;
  const axis = $('axis');
  axis.replaceChildren(el('line', { x1: 20, y1: 30, x2: 980, y2: 30, stroke: '#888' }));
  for (const input of inputs) {
    axis.append(el('line', { class: 'input', x1: x(input.at_ms), y1: 24, x2: x(input.at_ms), y2: 36, stroke: '#bbb' }));
  }
  report.actions.forEach((a, i) => {
    const y = 50 + (i % 4) * 14;
    axis.append(el('circle', { class: 'action', cx: x(a.at_ms), cy: y, r: 4, fill: COLORS[a.action] }));
    axis.append(el('text', { x: x(a.at_ms) + 6, y: y + 4 }, a.event ? a.event.type : `${a.action} ${a.item_id ?? ''}`));
  });
  report.turns.forEach((t, i) => {
    const y = 120 + (i % 2) * 18;
    let at = t.speech_end_ms;
    for (const [key, color] of STAGES) {
      const ms = t[key];
      if (ms == null) continue;
      axis.append(el('rect', { class: 'stage', x: x(at), y, width: Math.max(1, x(at + ms) - x(at)), height: 12, fill: color }));
      at += ms;
    }
    axis.append(el('line', { class: 'budget', x1: x(t.speech_end_ms + 800), y1: y - 2, x2: x(t.speech_end_ms + 800), y2: y + 14, stroke: '#a31515', 'stroke-dasharray': 3 }));
  });
}

function replay() {
  const text = $('timeline').value;
  const inputs = text.split('\n').filter((l) => l.trim()).flatMap((l) => {
    try { return [JSON.parse(l)]; } catch { return []; }
  }).filter((i) => Number.isFinite(i.at_ms));
  const report = breakwater.realtimeReplay(text);
  const status = $('status');
  status.className = report.issues.length ? 'bad' : 'ok';
  status.textContent = `${report.actions.length} action(s), ${report.issues.length} issue(s), ${report.turns.length} turn(s)`;
  fill($('actions'), report.actions, (a) => [a.at_ms, a.action, a.event ? JSON.stringify(a.event) : a.item_id ?? '(the audio track)']);
  fill($('issues'), report.issues, (i) => [i.at_ms, i.code, i.message]);
  const ms = (v) => (v == null ? '-' : String(v));
  fill($('turns'), report.turns, (t) => [t.speech_end_ms, ms(t.detect_ms), ms(t.first_text_ms), ms(t.first_audio_ms), ms(t.playback_ms), ms(t.voice_to_voice_ms), t.violations.join(', ')]);
  draw(inputs, report);
}

await init();
$('timeline').value = await (await fetch('./barge-in.jsonl')).text();
$('replay').addEventListener('click', replay);
replay();
document.body.dataset.ready = 'true';
