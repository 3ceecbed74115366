// Waypost author preview: live reload and a build-diagnostics overlay.
// Only included when the page was built by `waypost preview` (page.preview).

const url = new URL('../__waypost/events', import.meta.url);
let dialog = null;

// Overlay styles live here, not in waypost.css: learners never download them.
const CSS = `.diagnostics{max-width:min(50rem,calc(100vw - 2rem));max-height:calc(100vh - 2rem);padding:1.25rem 1.5rem;color:var(--text);background:var(--bg);border:1px solid var(--border-strong);border-top:6px solid var(--error);border-radius:var(--radius)}
.diagnostics::backdrop{background:rgb(0 0 0/.55)}
.diagnostics h2{font-size:1.375rem}
.diagnostics ol{list-style:none;padding:0;margin:0 0 1rem}
.diagnostics li{padding:.75rem 0;border-top:1px solid var(--border)}
.diagnostics li p{margin:0 0 .25rem}
.diagnostics .where{font-family:var(--mono);font-size:.875rem;overflow-wrap:anywhere}
.diagnostics .sev{font-weight:700;text-transform:capitalize}
.diagnostics .sev-error{color:var(--error)}
.diagnostics .help{color:var(--muted)}
`;
function addStyles() {
  if (addStyles.done) return;
  addStyles.done = true;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    /* older browser: the native <dialog> styling still works */
  }
}
let lastFocus = null;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function closeOverlay() {
  if (!dialog) return;
  if (dialog.open) dialog.close();
  dialog.remove();
  dialog = null;
}

function removeOverlay() {
  closeOverlay();
  if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
}

function showDiagnostics(list) {
  const items = Array.isArray(list) ? list : [];
  if (!items.length) {
    removeOverlay();
    return;
  }
  // The server sends the errors only (warnings stay in the terminal).
  const title = `The build failed: ${items.length} ${items.length === 1 ? 'error' : 'errors'}`;

  addStyles();
  if (!dialog) lastFocus = document.activeElement;
  closeOverlay();
  dialog = el('dialog', { class: 'diagnostics', 'aria-labelledby': 'wp-diag-title' });
  const ol = el('ol');
  for (const d of items) {
    if (!d || typeof d !== 'object') continue;
    const where = [d.file, d.line, d.column].filter((x) => x !== undefined && x !== null && x !== '').join(':');
    const sev = String(d.severity || 'error');
    const li = el('li', null,
      el('p', { class: 'where' }, el('span', { class: `sev sev-${sev}`, text: `${sev}` }), ` ${where}`),
      el('p', { text: String(d.message || '') }));
    if (d.help) li.append(el('p', { class: 'help', text: `Help: ${d.help}` }));
    ol.append(li);
  }
  const close = el('button', { type: 'button', class: 'button button-secondary', text: 'Dismiss' });
  close.addEventListener('click', removeOverlay);
  dialog.append(el('div', null,
    el('h2', { id: 'wp-diag-title', text: title }),
    el('p', { class: 'muted', text: 'Fix these in your course files and save: the page updates by itself.' }),
    ol, close));
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault();
    removeOverlay();
  });
  document.body.append(dialog);
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
  close.focus();
}

if (typeof window.EventSource === 'function') {
  const source = new EventSource(url);
  source.addEventListener('reload', () => window.location.reload());
  source.addEventListener('diagnostics', (e) => {
    try {
      showDiagnostics(JSON.parse(e.data));
    } catch {
      /* malformed event: ignore */
    }
  });
}
