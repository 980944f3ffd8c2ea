// infercost web: what every page shares — number formatting (the CLI's display rules,
// framework/report/units.cc), the scenario in the URL, the API, the scenario controls, errors.
'use strict';

const IC = {};

// ---- display rules (framework/report/units.cc; tests/integration golden strings) ----------------
IC.scaled = function (value, zero, scales, separator) {
  if (value === 0) return zero;
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  let index = 0, scaled = value;
  while (index + 1 < scales.length && Math.abs(scaled) >= 1000) { scaled /= 1000; ++index; }
  const p = Math.pow(10, scales[index][1]);
  if (Math.round(Math.abs(scaled) * p) / p >= 1000 && index + 1 < scales.length) { scaled /= 1000; ++index; }
  if (index === 0 && magnitude === Math.floor(magnitude)) {
    return (value.toFixed(0) + separator + scales[0][0]).trimEnd();
  }
  return (scaled.toFixed(scales[index][1]) + separator + scales[index][0]).trimEnd();
};
IC.bytes = v => IC.scaled(v, '0 B', [['B', 1], ['KB', 1], ['MB', 1], ['GB', 1], ['TB', 1], ['PB', 1]], ' ');
IC.flops = v => IC.scaled(v, '0', [['', 1], ['K', 1], ['M', 1], ['B', 1], ['T', 1]], ' ');
IC.params = v => IC.scaled(v, '0', [['', 0], ['K', 1], ['M', 1], ['B', 2], ['T', 2]], ' ');
IC.g3 = function (v) {  // printf %.3g
  if (v === 0) return '0';
  const s = Number(v).toPrecision(3);
  return s.includes('e') ? s : (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
};
IC.seconds = function (s) {
  if (s === 0) return '0 s';
  if (s >= 1) return IC.g3(s) + ' s';
  if (s >= 1e-3) return IC.g3(s * 1e3) + ' ms';
  return IC.g3(s * 1e6) + ' µs';
};
IC.rate = v => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
IC.usd = v => '$' + (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
IC.esc = s => String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// ---- the scenario in the URL ---------------------------------------------------------------------
// Keys the page keeps for itself (not flags of the API).
IC.PAGE_KEYS = ['pick', 'objective'];
IC.state = new URLSearchParams(window.location.search);
IC.apiQuery = function (state) {
  const q = new URLSearchParams();
  for (const [k, v] of state) if (!IC.PAGE_KEYS.includes(k) && v !== '') q.append(k, v);
  return q.toString();
};
IC.pushState = function () {
  const q = IC.state.toString();
  history.replaceState(null, '', window.location.pathname + (q ? '?' + q : ''));
};

// ---- the API --------------------------------------------------------------------------------------
IC.api = async function (endpoint, query) {
  let response;
  try {
    response = await fetch('/api/v1/' + endpoint + (query ? '?' + query : ''));
  } catch (e) {
    return { ok: false, error: 'the server did not answer: ' + e };
  }
  let body = null;
  try { body = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) {
    return { ok: false, status: response.status, error: body && body.error ? body.error : 'HTTP ' + response.status };
  }
  return { ok: true, json: body };
};
IC.lists = null;
IC.loadLists = async function () {
  if (IC.lists) return IC.lists;
  const [models, hardware, engines] = await Promise.all([IC.api('models'), IC.api('hardware'), IC.api('engines')]);
  IC.lists = {
    models: models.ok ? models.json.models : [],
    hardware: hardware.ok ? hardware.json.hardware : [],
    engines: engines.ok ? engines.json.engines : [],
  };
  return IC.lists;
};

// The default scenario's values: what the controls show for flags not in the URL when the
// URL's scenario is invalid (and so resolves to nothing).
IC.defaults = null;
IC.defaultScenario = async function () {
  if (!IC.defaults) {
    const r = await IC.api('report', '');
    IC.defaults = r.ok ? r.json.scenario : {};
  }
  return IC.defaults;
};

// ---- errors and progress ---------------------------------------------------------------------------
IC.showError = function (message) {
  const box = document.getElementById('error');
  if (!box) return;
  box.textContent = message ? 'Error: ' + message : '';
  box.classList.toggle('shown', Boolean(message));
};
IC.busy = function (on, text) {
  const b = document.getElementById('busy');
  if (b) b.textContent = on ? (text || 'calculating…') : '';
};

// ---- the scenario controls ---------------------------------------------------------------------------
IC.DTYPES = ['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'];
// Weights may also name their 4-bit float layout (fp4: the model checkpoint's).
IC.WEIGHT_DTYPES = IC.DTYPES.concat(['nvfp4', 'mxfp4']);
// key: the CLI flag; from: the report's scenario key showing the value in effect.
IC.SCENARIO_FIELDS = [
  { key: 'model', label: 'Model', list: 'models', from: 'model' },
  { key: 'hardware', label: 'Hardware', list: 'hardware', from: 'hardware' },
  { key: 'gpus', label: 'GPUs', number: true, from: 'gpus' },
  { key: 'engine', label: 'Engine', list: 'engines', from: 'engine' },
  { key: 'weights', label: 'Weights', options: IC.WEIGHT_DTYPES, from: 'weights' },
  { key: 'activations', label: 'Activations', options: IC.DTYPES, from: 'activations' },
  { key: 'kv', label: 'KV cache', options: IC.DTYPES, from: 'kv' },
  { key: 'input-tokens', label: 'Input tokens', number: true, from: 'input_tokens' },
  { key: 'output-tokens', label: 'Output tokens', number: true, from: 'output_tokens' },
  { key: 'concurrency', label: 'Concurrency', number: true, from: 'concurrency' },
  { key: 'mode', label: 'Mode', options: ['static', 'serving', 'disagg'], from: 'mode' },
  { key: 'attention-kernel', label: 'Attention kernel', options: ['flash', 'naive'], from: 'attention_kernel' },
  { key: 'tp', label: 'TP', number: true, from: 'tensor_parallel' },
  { key: 'pp', label: 'PP', number: true, from: 'pipeline_parallel' },
  { key: 'dp', label: 'DP', number: true, from: 'data_parallel' },
  { key: 'ep', label: 'EP', number: true, from: 'expert_parallel' },
];

// Fills `container` with the controls; a control shows the URL's value (highlighted) or the value
// in effect (`resolved`, the report's scenario). Changing one writes `prefix + key` into the URL
// and calls `onChange`.
IC.renderControls = function (container, fields, lists, prefix, resolved, onChange) {
  container.innerHTML = '';
  for (const f of fields) {
    const key = prefix + f.key;
    const label = document.createElement('label');
    label.textContent = f.label;
    let input;
    const given = IC.state.get(key);
    const shown = given !== null ? given : (resolved && resolved[f.from] !== undefined ? String(resolved[f.from]) : '');
    if (f.list || f.options) {
      input = document.createElement('select');
      const names = f.options ? f.options.map(n => [n, n]) :
        (lists[f.list] || []).map(item => [item.name, item.display_name ? item.name + ' — ' + item.display_name : item.name]);
      if (shown !== '' && !names.some(([n]) => n === shown)) names.unshift([shown, shown]);
      if (shown === '') names.unshift(['', '(default)']);
      for (const [value, text] of names) {
        const o = document.createElement('option');
        o.value = value; o.textContent = text;
        input.appendChild(o);
      }
    } else {
      input = document.createElement('input');
      input.type = 'text';
      input.inputMode = f.number ? 'numeric' : 'text';
      input.placeholder = f.placeholder || '';
    }
    input.value = shown;
    input.name = key;
    if (given !== null) input.classList.add('set');
    input.addEventListener('change', () => {
      if (input.value === '') IC.state.delete(key); else IC.state.set(key, input.value);
      IC.pushState();
      onChange();
    });
    label.appendChild(input);
    container.appendChild(label);
  }
};

// A one-line description of a scenario object.
IC.describe = function (s) {
  if (!s) return '';
  return `${s.model} · ${s.gpus}× ${s.hardware} (TP ${s.tensor_parallel}, PP ${s.pipeline_parallel}, DP ${s.data_parallel}` +
    `${s.expert_parallel > 1 ? ', EP ' + s.expert_parallel : ''}) · ${s.engine} · weights ${s.weights}, KV ${s.kv} · ` +
    `${s.input_tokens} in / ${s.output_tokens} out · concurrency ${s.concurrency} · ${s.mode} · ${s.attention_variant}/${s.attention_kernel}`;
};

IC.resetLink = function (id) {
  const a = document.getElementById(id);
  if (a) a.addEventListener('click', e => { e.preventDefault(); window.location.search = ''; });
};

// ---- navigation: the current page highlighted; atlas and calculator share the scenario -----------------
(function () {
  const page = document.body.dataset.page;
  const nav = document.getElementById('nav-' + page);
  if (nav) nav.classList.add('active');
  if (page === 'atlas' || page === 'calculator') {
    const q = IC.apiQuery(IC.state);
    for (const id of ['nav-atlas', 'nav-calculator']) {
      const a = document.getElementById(id);
      if (a && q) a.href = a.getAttribute('href') + '?' + q;
    }
  }
})();
