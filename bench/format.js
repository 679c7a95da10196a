'use strict';
/** What make bench prints with: medians, number formats, Markdown tables (stdout), progress (stderr). */
const { host } = require('./realm');

const median = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f1 = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const f2 = (x) => x.toFixed(2);
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) + '×' : '—');
const num = (x) => x.toLocaleString('en-US');
const out = (line) => { host.process.stdout.write(line + '\n'); };
const progress = (line) => { host.process.stderr.write('# ' + line + '\n'); };
function table(head, rows) {
  out('| ' + head.join(' | ') + ' |');
  out('|' + head.map((h, i) => (i === 0 ? '---' : '--:')).join('|') + '|');
  for (const r of rows) out('| ' + r.join(' | ') + ' |');
  out('');
}

module.exports = { median, f1, f2, ratio, num, out, progress, table };
