/*
 * The script of uhop's HTML pages (report.html, compare.html), run in the browser after the inlined
 * vega and vega-lite builds. It renders every <script class="vega-spec"> with vega's View (an own
 * embed instead of vega-embed, which uhop does not depend on), adds a tooltip, linear/log switches
 * for the quantitative axes and sortable tables, and records every error in the page itself
 * (#uhop-errors and window.uhopPage), so that a headless browser can check it.
 */
(function () {
  'use strict';
  // window.uhopPage and its error listeners come from the page's <head> (EARLY_SCRIPT in htmlPage.ts), so that
  // errors raised before this script ran (a blocked load while parsing) are recorded too
  var state = window.uhopPage;
  var errorBox = document.getElementById('uhop-errors');
  function showErrors() {
    if (errorBox && state.errors.length) {
      errorBox.hidden = false;
      errorBox.textContent = state.errors.join('\n');
    }
  }
  function recordError(message) {
    state.errors.push(String(message));
    showErrors();
  }
  state.onError = showErrors;
  showErrors();

  // ---- tooltip: the values vega passes for the hovered mark, as a small table
  var tip = document.getElementById('uhop-tooltip');
  function tooltip(handler, event, item, value) {
    if (!tip) return;
    if (value === null || value === undefined || value === '') {
      tip.style.display = 'none';
      return;
    }
    var table = document.createElement('table');
    var entries = typeof value === 'object' ? Object.keys(value).map(function (k) { return [k, value[k]]; }) : [['', value]];
    entries.forEach(function (entry) {
      var tr = table.insertRow();
      tr.insertCell().textContent = entry[0];
      tr.insertCell().textContent = String(entry[1]);
    });
    tip.replaceChildren(table);
    tip.style.display = 'block';
    var x = event.clientX + 14;
    var y = event.clientY + 14;
    var box = tip.getBoundingClientRect();
    if (x + box.width > window.innerWidth) x = event.clientX - box.width - 14;
    if (y + box.height > window.innerHeight) y = event.clientY - box.height - 14;
    tip.style.left = Math.max(0, x) + 'px';
    tip.style.top = Math.max(0, y) + 'px';
  }

  // ---- axis scales: each quantitative x / y of a spec can be switched between linear, log and symlog
  function eachEncoding(spec, visit) {
    if (!spec || typeof spec !== 'object') return;
    if (spec.encoding) {
      ['x', 'y'].forEach(function (channel) {
        var def = spec.encoding[channel];
        if (def && def.type === 'quantitative') visit(channel, def);
      });
    }
    ['layer', 'hconcat', 'vconcat', 'concat'].forEach(function (key) {
      if (Array.isArray(spec[key])) spec[key].forEach(function (child) { eachEncoding(child, visit); });
    });
    if (spec.spec) eachEncoding(spec.spec, visit);
  }

  /** Whether every value the spec's top-level data hold in the fields drawn on `channel` (and its x2 / y2) is positive. */
  function allPositive(spec, channel) {
    var fields = [];
    eachEncoding(spec, function (ch, def) {
      if (ch === channel && def.field) fields.push(def.field);
    });
    (function collect(node) {
      if (!node || typeof node !== 'object') return;
      var second = node.encoding && node.encoding[channel + '2'];
      if (second && second.field) fields.push(second.field);
      ['layer', 'hconcat', 'vconcat', 'concat'].forEach(function (key) {
        if (Array.isArray(node[key])) node[key].forEach(collect);
      });
      if (node.spec) collect(node.spec);
    })(spec);
    var values = (spec.data && spec.data.values) || [];
    return values.every(function (row) {
      return fields.every(function (field) {
        var v = row[field];
        return typeof v !== 'number' || !isFinite(v) || v > 0;
      });
    });
  }

  function scaleTypes(spec) {
    var types = {};
    eachEncoding(spec, function (channel, def) {
      if (!(channel in types)) types[channel] = (def.scale && def.scale.type) || 'linear';
    });
    return types;
  }

  /** A copy of `spec` with the chosen scale type per channel; domains and tick values fitted to the old type go. */
  function withScales(spec, original, chosen) {
    var copy = JSON.parse(JSON.stringify(spec));
    eachEncoding(copy, function (channel, def) {
      var type = chosen[channel];
      if (!type || type === original[channel]) return;
      def.scale = Object.assign({}, def.scale, { type: type });
      delete def.scale.domain;
      if (type !== 'symlog') delete def.scale.constant;
      if (def.axis && def.axis.values && (original[channel] === 'symlog' || type === 'log')) delete def.axis.values;
      if (typeof def.title === 'string') def.title = def.title.replace(/\b(symlog|log|linear)\b(?= scale|\)|;)/g, type);
    });
    return copy;
  }

  function render(figure, spec) {
    var container = figure.querySelector('.view');
    if (figure.uhopView) figure.uhopView.finalize();
    var compiled = vegaLite.compile(spec).spec;
    var view = new vega.View(vega.parse(compiled), { renderer: 'svg', container: container, hover: true });
    view.tooltip(tooltip);
    figure.uhopView = view;
    return view.runAsync();
  }

  function setUp(figure) {
    var script = figure.querySelector('script.vega-spec');
    var spec = JSON.parse(script.textContent);
    var original = scaleTypes(spec);
    var chosen = Object.assign({}, original);
    var controls = figure.querySelector('.controls');
    Object.keys(original).sort().forEach(function (channel) {
      var label = document.createElement('label');
      label.textContent = channel + ' axis ';
      var select = document.createElement('select');
      select.name = channel;
      ['linear', 'log', 'symlog'].forEach(function (type) {
        var option = document.createElement('option');
        option.value = type;
        option.textContent = type;
        option.selected = type === original[channel];
        // a log axis has no place for zeros or negatives (drawn at −∞ or not at all): offered only for positive data
        if (type === 'log' && original[channel] !== 'log' && !allPositive(spec, channel)) {
          option.disabled = true;
          option.textContent = 'log (data not all > 0)';
        }
        select.appendChild(option);
      });
      select.addEventListener('change', function () {
        chosen[channel] = select.value;
        render(figure, withScales(spec, original, chosen)).catch(function (error) { recordError(error.message); });
      });
      label.appendChild(select);
      controls.appendChild(label);
    });
    return render(figure, spec).then(function () {
      state.rendered += 1;
    });
  }

  // ---- tables: a click on a header sorts by that column (numbers by value, text alphabetically)
  function sortKey(text) {
    var match = text.replace(/,/g, '').match(/^\s*[-+−]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i);
    return match ? parseFloat(match[0].replace('−', '-')) : null;
  }

  function makeSortable(table) {
    var headers = table.tHead ? Array.prototype.slice.call(table.tHead.rows[0].cells) : [];
    headers.forEach(function (th, column) {
      th.title = 'sort by this column';
      th.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        headers.forEach(function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
          var text = row.cells[column] ? row.cells[column].textContent : '';
          return { row: row, index: index, number: sortKey(text), text: text };
        });
        rows.sort(function (a, b) {
          var order;
          if (a.number !== null && b.number !== null) order = a.number - b.number;
          else if (a.number !== null) order = -1;
          else if (b.number !== null) order = 1;
          else order = a.text.localeCompare(b.text);
          return (ascending ? order : -order) || a.index - b.index;
        });
        rows.forEach(function (entry) { body.appendChild(entry.row); });
      });
    });
  }

  document.querySelectorAll('table.sortable').forEach(makeSortable);
  var figures = Array.prototype.slice.call(document.querySelectorAll('figure.vega-figure'));
  state.figures = figures.length;
  Promise.all(figures.map(function (figure) {
    // a spec that does not compile throws at once: caught here like a rejection, the other figures still render
    return Promise.resolve().then(function () { return setUp(figure); }).catch(function (error) { recordError(figure.id + ': ' + error.message); });
  })).then(function () {
    state.done = true;
    document.documentElement.setAttribute('data-uhop-rendered', String(state.rendered));
  });
})();
