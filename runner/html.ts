/**
 * Standalone HTML for an executed notebook, readable in any browser without Jupyter. convlab outputs are drawn by
 * the extension's standalone renderer bundle when one is given (embedded inline, so the page is one file); every
 * other output, and every output when no bundle exists, shows its `image/png` and `text/plain`. Kept separate
 * from the runner so the page can grow without touching execution.
 */
import { Marked } from 'marked';
import type { SweepAxis, SweepRun } from './sweep.js';

export const CONVLAB_MIME = 'application/vnd.convlab.v1+json';

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: Record<string, unknown>[];
}

function text(s: unknown): string {
  return Array.isArray(s) ? s.join('') : String(s ?? '');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Tracebacks and streams may carry terminal colour codes. */
function stripAnsi(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * Notebook prose through marked (CommonMark + GitHub tables), with what a shared page must not run: raw HTML in
 * the Markdown is shown as text, and links or images keep only http(s), relative and fragment targets.
 */
const prose = new Marked({
  renderer: {
    html: ({ text: raw }) => escapeHtml(raw),
    link({ href, title, tokens }) {
      const label = this.parser.parseInline(tokens);
      if (!safeUrl(href)) return label;
      return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${label}</a>`;
    },
    image: ({ href, text: alt }) =>
      safeUrl(href) ? `<img src="${escapeHtml(href)}" alt="${escapeHtml(alt)}">` : escapeHtml(alt),
  },
});

function safeUrl(href: string): boolean {
  return (
    /^(https?:|#|\.{0,2}\/|[\w.-]+(\/|$|#))/i.test(href.trim()) &&
    !/^\s*(javascript|data|vbscript):/i.test(href)
  );
}

function markdown(src: string): string {
  return prose.parse(src, { async: false }) as string;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1d1f24}
pre{background:#f6f7f9;padding:.6em .8em;overflow-x:auto;border-radius:4px;margin:.3em 0}
.cell{margin:1.2em 0}.prompt{color:#8a8f99;font:12px monospace}.out pre{background:none;border-left:3px solid #d8dbe2}
.err pre{border-left-color:#d0453b;color:#8c1d14}.stderr pre{background:#fff4f2}img{max-width:100%}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:1em}
.card{border:1px solid #d8dbe2;border-radius:6px;padding:.8em}.card img{width:100%;image-rendering:pixelated}
.failed{color:#c0392b}.live{margin:-.5em 0 1.5em}.live a{display:inline-block;padding:.25em .8em;border-radius:4px;
background:#2b6cb0;color:#fff;text-decoration:none}.live a:hover{background:#245a93}`;

/**
 * The page of `name` (its path in the site, as `convlab lite` writes it) on the convlab lite site at `site`,
 * where the notebook runs in the browser: SITE/lab/index.html?path=<name>.
 */
export function liveUrl(site: string, name: string): string {
  return `${site.replace(/\/+$/, '')}/lab/index.html?path=${name.split('/').map(encodeURIComponent).join('/')}`;
}

function outputHtml(o: Record<string, unknown>, payloads: unknown[], withRenderer: boolean): string {
  switch (o.output_type) {
    case 'stream':
      return `<div class="out ${o.name === 'stderr' ? 'stderr' : ''}"><pre>${escapeHtml(stripAnsi(text(o.text)))}</pre></div>`;
    case 'error':
      return `<div class="out err"><pre>${escapeHtml(stripAnsi(((o.traceback as string[]) ?? []).join('\n') || `${o.ename}: ${o.evalue}`))}</pre></div>`;
    case 'execute_result':
    case 'display_data': {
      const data = (o.data ?? {}) as Record<string, unknown>;
      const fallback =
        typeof data['image/png'] === 'string'
          ? `<img alt="" src="data:image/png;base64,${escapeHtml(text(data['image/png']).replace(/\s/g, ''))}">`
          : typeof data['image/jpeg'] === 'string'
            ? `<img alt="" src="data:image/jpeg;base64,${escapeHtml(text(data['image/jpeg']).replace(/\s/g, ''))}">`
            : '';
      const plain =
        data['text/plain'] !== undefined
          ? `<pre>${escapeHtml(stripAnsi(text(data['text/plain'])))}</pre>`
          : '';
      if (withRenderer && data[CONVLAB_MIME] !== undefined) {
        payloads.push(data[CONVLAB_MIME]);
        // The fallback stays in the page until the renderer replaces it, so a page with scripts off still reads.
        return `<div class="out convlab" data-payload="${payloads.length - 1}">${fallback || plain}</div>`;
      }
      return `<div class="out">${fallback}${fallback ? '' : plain}</div>`;
    }
    default:
      return '';
  }
}

/** Payload JSON goes inside a <script> element; `<` is escaped so no payload string can close it. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export interface PageOptions {
  /** The notebook's live version (liveUrl): a "Run live" link under the title. */
  live?: string;
}

export function notebookHtml(
  title: string,
  cells: NotebookCell[],
  rendererBundle?: string,
  opts: PageOptions = {},
): string {
  const payloads: unknown[] = [];
  const body = cells
    .map((c) => {
      if (c.cell_type === 'markdown') return `<div class="cell md">${markdown(text(c.source))}</div>`;
      if (c.cell_type !== 'code') return '';
      const outs = (c.outputs ?? [])
        .map((o) => outputHtml(o, payloads, rendererBundle !== undefined))
        .join('');
      return `<div class="cell code"><div class="prompt">In [${c.execution_count ?? ' '}]:</div><pre>${escapeHtml(text(c.source))}</pre>${outs}</div>`;
    })
    .join('\n');
  const scripts =
    rendererBundle !== undefined && payloads.length > 0
      ? `<script>${rendererBundle.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="convlab-payloads">${scriptJson(payloads)}</script>
<script>(function(){var p=JSON.parse(document.getElementById('convlab-payloads').textContent);
document.querySelectorAll('.convlab[data-payload]').forEach(function(el){
var keep=Array.prototype.slice.call(el.childNodes);el.textContent='';
try{convlabRender(el,p[+el.getAttribute('data-payload')]);}catch(e){el.textContent='';keep.forEach(function(n){el.appendChild(n);});}});})();</script>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1 class="nb-title">${escapeHtml(title)}</h1>
${opts.live === undefined ? '' : `<p class="live"><a href="${escapeHtml(opts.live)}">Run live</a> in your browser: nothing to install</p>\n`}${body}
${scripts}
</body></html>
`;
}

export interface GalleryEntry {
  title: string;
  href: string;
  status: 'ok' | 'failed';
  detail: string;
  /** base64 PNG of the notebook's first image output, if any. */
  thumbnail?: string;
}

export function galleryHtml(title: string, entries: GalleryEntry[]): string {
  const cards = entries
    .map(
      (e) =>
        `<div class="card"><a href="${escapeHtml(e.href)}"><strong>${escapeHtml(e.title)}</strong>${
          e.thumbnail ? `<br><img alt="" src="data:image/png;base64,${escapeHtml(e.thumbnail)}">` : ''
        }</a><div class="${e.status === 'failed' ? 'failed' : ''}">${escapeHtml(e.detail)}</div></div>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1><div class="gallery">
${cards}
</div></body></html>
`;
}

const PLOT_W = 420;
const PLOT_H = 240;
const PAD = { left: 56, right: 12, top: 12, bottom: 36 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** Three significant digits for axis labels. */
function tick(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

/**
 * One scalar against the first swept parameter (its values as numbers when they all are, else evenly spaced),
 * one line per combination of the other parameters; failed runs and runs that did not record it leave gaps.
 */
function scalarPlot(name: string, axes: SweepAxis[], runs: SweepRun[]): string {
  const [xAxis, ...others] = axes;
  const xRaw = (r: SweepRun) => r.parameters[xAxis!.name];
  const numeric = runs.every((r) => typeof xRaw(r) === 'number');
  const categories = xAxis!.values;
  // A value as text, the same for a raw `--sweep` value and the parsed one a run holds.
  const key = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const parsed = (raw: string) => {
    try {
      return key(JSON.parse(raw));
    } catch {
      return raw;
    }
  };
  const keys = categories.map(parsed);
  const xOf = (r: SweepRun) => (numeric ? (xRaw(r) as number) : keys.indexOf(key(xRaw(r))));
  const points = runs
    .filter((r) => r.ok && typeof r.records[name] === 'number')
    .map((r) => ({
      x: xOf(r),
      y: r.records[name] as number,
      series: others.map((a) => `${a.name}=${JSON.stringify(r.parameters[a.name])}`).join(', '),
    }));
  if (points.length === 0) return '';
  const span = (vs: number[]) => {
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    // A margin of 5 % keeps the outermost points off the axes.
    const pad = lo === hi ? 1 : (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = numeric ? span(points.map((p) => p.x)) : [-0.5, categories.length - 0.5];
  const [y0, y1] = span(points.map((p) => p.y));
  const sx = (x: number) => PAD.left + ((x - x0!) / (x1! - x0!)) * (PLOT_W - PAD.left - PAD.right);
  const sy = (y: number) => PLOT_H - PAD.bottom - ((y - y0!) / (y1! - y0!)) * (PLOT_H - PAD.top - PAD.bottom);
  const series = [...new Set(points.map((p) => p.series))];
  const lines = series
    .map((s, i) => {
      const colour = COLOURS[i % COLOURS.length];
      const pts = points.filter((p) => p.series === s).sort((a, b) => a.x - b.x);
      const poly = pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      const dots = pts
        .map(
          (p) =>
            `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${colour}"><title>${escapeHtml(`${s ? `${s}: ` : ''}${name} = ${p.y}`)}</title></circle>`,
        )
        .join('');
      return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${poly}"/>${dots}`;
    })
    .join('');
  const xTicks = numeric
    ? [...new Set(points.map((p) => p.x))].map((x) => [sx(x), tick(x)] as const)
    : categories.map((c, i) => [sx(i), c] as const);
  const axesSvg = `<line x1="${PAD.left}" y1="${PLOT_H - PAD.bottom}" x2="${PLOT_W - PAD.right}" y2="${PLOT_H - PAD.bottom}" stroke="#8a8f99"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PLOT_H - PAD.bottom}" stroke="#8a8f99"/>
${xTicks.map(([x, t]) => `<text x="${x.toFixed(1)}" y="${PLOT_H - PAD.bottom + 14}" text-anchor="middle">${escapeHtml(t)}</text>`).join('')}
${[y0!, (y0! + y1!) / 2, y1!].map((y) => `<text x="${PAD.left - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${tick(y)}</text>`).join('')}
<text x="${(PAD.left + PLOT_W - PAD.right) / 2}" y="${PLOT_H - 4}" text-anchor="middle">${escapeHtml(xAxis!.name)}</text>`;
  const legend = series
    .filter((s) => s !== '')
    .map((s, i) => `<span style="color:${COLOURS[i % COLOURS.length]}">● ${escapeHtml(s)}</span>`)
    .join(' ');
  return `<figure class="plot"><figcaption>${escapeHtml(name)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="${PLOT_W}" height="${PLOT_H}" viewBox="0 0 ${PLOT_W} ${PLOT_H}" font-size="11" font-family="system-ui,sans-serif">${axesSvg}${lines}</svg>
<div class="legend">${legend}</div></figure>`;
}

/** A sweep's page: a plot per recorded scalar and a table of every run with its parameters and records. */
export function resultsHtml(title: string, axes: SweepAxis[], runs: SweepRun[], scalars: string[]): string {
  const plots = scalars.map((s) => scalarPlot(s, axes, runs)).join('\n');
  const cell = (v: unknown) =>
    escapeHtml(v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const head = ['run', 'status', ...axes.map((a) => a.name), ...scalars].map(
    (h) => `<th>${escapeHtml(h)}</th>`,
  );
  const rows = runs.map(
    (r) =>
      `<tr><td><a href="${escapeHtml(r.html)}">${escapeHtml(r.label)}</a></td><td class="${r.ok ? '' : 'failed'}">${
        r.ok ? 'ok' : `failed: ${escapeHtml(r.failure ?? '')}`
      }</td>${axes.map((a) => `<td>${cell(r.parameters[a.name])}</td>`).join('')}${scalars
        .map((s) => `<td>${cell(r.records[s])}</td>`)
        .join('')}</tr>`,
  );
  const failed = runs.filter((r) => !r.ok).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}: results</title><style>${STYLE}
.plots{display:flex;flex-wrap:wrap;gap:1em}.plot{margin:0}figcaption{font-weight:600}
table{border-collapse:collapse}td,th{border:1px solid #d8dbe2;padding:.2em .5em;text-align:left}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${runs.length} runs, ${runs.length - failed} ok, ${failed} failed; data in
<a href="results.csv">results.csv</a> and <a href="results.json">results.json</a>.</p>
<div class="plots">${plots}</div>
<table><thead><tr>${head.join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}
