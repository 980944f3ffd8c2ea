// infercost web: charts through Chart.js (Debian's libjs-chart.js, served at /vendor/chart.js);
// without it a chart is replaced by a note and the rest of the page still works.
'use strict';

IC.charts = {};
IC.chart = function (canvasId, config) {
  const canvas = document.getElementById(canvasId);
  if (!canvas) return null;
  if (IC.charts[canvasId]) { IC.charts[canvasId].destroy(); delete IC.charts[canvasId]; }
  if (typeof Chart === 'undefined') {
    canvas.parentElement.innerHTML = '<p class="muted">Chart library not available (/vendor/chart.js: install Debian\'s libjs-chart.js).</p>';
    return null;
  }
  config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
  IC.charts[canvasId] = new Chart(canvas, config);
  return IC.charts[canvasId];
};
IC.logTicks = function (unit) {
  return {
    callback: function (value) {
      const exp = Math.log10(value);
      if (Math.abs(exp - Math.round(exp)) > 1e-9) return '';
      return IC.flops(value).replace(/ $/, '') + unit;
    },
  };
};
