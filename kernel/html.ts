/**
 * Standalone HTML for an executed notebook, readable in any browser without Jupyter. convlab outputs are drawn by
 * the extension's standalone renderer bundle when one is given (embedded inline, so the page is one file); every
 * other output, and every output when no bundle exists, shows its `image/png` and `text/plain`. Kept separate
 * from the runner so the page can grow without touching execution.
 */
import { Marked } from 'marked';

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
.failed{color:#c0392b}`;

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

export function notebookHtml(title: string, cells: NotebookCell[], rendererBundle?: string): string {
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
${body}
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
