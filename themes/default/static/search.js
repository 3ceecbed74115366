// Waypost search: fills the header's <div class="search" data-root="…"> with a labelled
// combobox and a listbox of results. The index ({root}search/index.json) and its shards are
// fetched lazily on first focus. Without JavaScript nothing is shown.

const MAX_RESULTS = 10;
const MAX_TERM_CHARS = 40;
// Query terms are made exactly as generator/src/search.rs makes index terms: words by the
// Unicode word-boundary rules (Intl.Segmenter), NFD with nonspacing marks dropped, lower
// case; CJK characters one term each; over-long words only by their parts.
const norm = (s) => String(s).normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
const CJK = /[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u{20000}-\u{3ffff}]/u;
const segmenter = typeof Intl === 'object' && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: 'word' }) : null;
const len = (t) => Array.from(t).length;
function words(q) {
  if (segmenter) return Array.from(segmenter.segment(q)).filter((s) => s.isWordLike).map((s) => s.segment);
  return q.match(/[\p{L}\p{N}_]+(?:['\u2019.:,;][\p{L}\p{N}_]+)*/gu) || [];
}
function terms(q) {
  const out = [];
  const run = (t) => {
    if (!t) return;
    if (len(t) <= MAX_TERM_CHARS) out.push(t);
    else out.push(...t.split(/[^\p{L}\p{N}]+/u).filter((p) => len(p) >= 2 && len(p) <= MAX_TERM_CHARS));
  };
  for (const w of words(q)) {
    let rest = '';
    for (const ch of norm(w)) {
      if (CJK.test(ch)) {
        run(rest);
        rest = '';
        out.push(ch);
      } else rest += ch;
    }
    run(rest);
  }
  return out;
}
const shardKey = (t) => Array.from(t).slice(0, 2).join('');

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

function setup(box) {
  if (box.dataset.ready) return;
  box.dataset.ready = 'true';
  box.setAttribute('role', 'search');
  const root = box.dataset.root || '';
  const id = 'wp-search';
  const label = el('label', { class: 'visually-hidden', for: `${id}-input`, text: 'Search lessons' });
  const input = el('input', {
    id: `${id}-input`, class: 'search-input', type: 'search', placeholder: 'Search lessons',
    autocomplete: 'off', spellcheck: 'false', role: 'combobox', 'aria-autocomplete': 'list',
    'aria-expanded': 'false', 'aria-controls': `${id}-results`, enterkeyhint: 'search',
  });
  const icon = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  icon.setAttribute('class', 'search-icon');
  icon.setAttribute('viewBox', '0 0 20 20');
  icon.setAttribute('aria-hidden', 'true');
  icon.setAttribute('focusable', 'false');
  icon.innerHTML = '<circle cx="8.5" cy="8.5" r="6" fill="none" stroke="currentColor" stroke-width="2.2"/><path d="M13 13l5 5" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/>';
  const list = el('ul', { id: `${id}-results`, class: 'search-results', role: 'listbox', 'aria-label': 'Search results' });
  list.hidden = true;
  const live = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  box.append(label, icon, input, list, live);

  let index = null; // Promise<{docs, shards}>
  const shards = new Map(); // key -> Promise<object>
  let results = [];
  let active = -1;
  let seq = 0;
  let timer = 0;

  const getJSON = (path) => fetch(root + path, { credentials: 'same-origin' }).then((r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return r.json();
  });
  const loadIndex = () => {
    if (!index) {
      index = getJSON('search/index.json').catch((e) => {
        index = null;
        throw e;
      });
    }
    return index;
  };
  const loadShard = (idx, key) => {
    const path = idx.shards && idx.shards[key];
    if (!path) return Promise.resolve({});
    if (!shards.has(key)) {
      shards.set(key, getJSON(path).catch(() => {
        shards.delete(key);
        return {};
      }));
    }
    return shards.get(key);
  };

  // Postings for one query term: exact match, or any term starting with it when it is the last one.
  // Each posting is one number, (document − previous posting's document) × 32 + weight.
  const postings = (shard, term, prefix) => {
    const hits = new Map();
    const add = (list) => {
      if (!Array.isArray(list)) return;
      let doc = 0;
      for (const p of list) {
        if (typeof p !== 'number') continue;
        doc += Math.floor(p / 32);
        hits.set(doc, Math.max(hits.get(doc) || 0, p % 32));
      }
    };
    if (prefix) {
      for (const [t, list] of Object.entries(shard)) if (t.startsWith(term)) add(list);
    } else add(shard[term]);
    return hits;
  };

  const search = async (query) => {
    const ts = terms(query);
    if (!ts.length) return null;
    const idx = await loadIndex();
    const maps = await Promise.all(ts.map(async (t, i) => {
      const shard = await loadShard(idx, shardKey(t));
      return postings(shard || {}, t, i === ts.length - 1 && len(t) > 1);
    }));
    let scores = null;
    for (const m of maps) {
      if (!scores) {
        scores = new Map(m);
        continue;
      }
      for (const doc of [...scores.keys()]) {
        if (m.has(doc)) scores.set(doc, scores.get(doc) + m.get(doc));
        else scores.delete(doc);
      }
    }
    const list = (a) => (Array.isArray(a) ? a : []);
    const [docs, lessons, courses] = [list(idx.docs), list(idx.lessons), list(idx.courses)];
    // A document is [lesson number, anchor, section]; a lesson [page, title, course number].
    const lessonOf = (d) => Array.isArray(docs[d]) && lessons[docs[d][0]];
    return [...(scores || new Map()).entries()]
      .filter(([d]) => Array.isArray(lessonOf(d)))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, MAX_RESULTS)
      .map(([d]) => {
        const [, anchor, section] = docs[d];
        const [page, lesson, course] = lessonOf(d);
        return {
          url: root + page + (anchor ? `#${anchor}` : ''),
          lesson: String(lesson || ''),
          section: String(section || ''),
          course: String(courses[course] || ''),
        };
      });
  };

  const open = (yes) => {
    list.hidden = !yes;
    input.setAttribute('aria-expanded', String(yes));
    if (!yes) setActive(-1);
  };
  const setActive = (i) => {
    active = i;
    const opts = list.querySelectorAll('[role="option"]');
    opts.forEach((o, j) => o.setAttribute('aria-selected', String(j === i)));
    if (i >= 0 && opts[i]) {
      input.setAttribute('aria-activedescendant', opts[i].id);
      opts[i].scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };
  const go = (i) => {
    const r = results[i];
    if (r) window.location.href = r.url;
  };

  const render = (query, found) => {
    results = found || [];
    list.textContent = '';
    active = -1;
    input.removeAttribute('aria-activedescendant');
    if (!query.trim()) {
      open(false);
      live.textContent = '';
      return;
    }
    if (!results.length) {
      list.append(el('li', { class: 'search-empty', role: 'option', 'aria-disabled': 'true', id: `${id}-none`, text: 'No matching lessons' }));
    }
    results.forEach((r, i) => {
      const title = r.section ? `${r.section} — ${r.lesson}` : r.lesson;
      const li = el('li', { id: `${id}-r${i}`, class: 'search-result', role: 'option', 'aria-selected': 'false', 'data-href': r.url },
        el('span', { class: 'search-result-title', text: title }),
        el('span', { class: 'visually-hidden', text: ' · ' }),
        el('span', { class: 'search-result-meta', text: r.course }));
      li.addEventListener('click', () => go(i));
      list.append(li);
    });
    open(true);
    const n = results.length;
    live.textContent = n === 0 ? 'No results.' : `${n} ${n === 1 ? 'result' : 'results'}${n === MAX_RESULTS ? ' shown' : ''}. Use the up and down arrow keys to choose.`;
  };

  const run = async () => {
    const query = input.value;
    const mine = ++seq;
    if (!terms(query).length) {
      render('', []);
      return;
    }
    try {
      const found = await search(query);
      if (mine === seq) render(query, found);
    } catch {
      if (mine !== seq) return;
      results = [];
      list.textContent = '';
      list.append(el('li', { class: 'search-empty', role: 'option', 'aria-disabled': 'true', id: `${id}-none`, text: 'Search is not available right now.' }));
      open(true);
      live.textContent = 'Search is not available right now.';
    }
  };

  input.addEventListener('focus', () => {
    loadIndex().catch(() => {});
    if (input.value.trim() && list.childElementCount) open(true);
  }, { passive: true });
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 120);
  });
  input.addEventListener('keydown', (e) => {
    const n = results.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!n) return;
      e.preventDefault();
      if (list.hidden) open(true);
      const d = e.key === 'ArrowDown' ? 1 : -1;
      setActive(active < 0 ? (d > 0 ? 0 : n - 1) : (active + d + n) % n);
    } else if (e.key === 'Enter') {
      if (!list.hidden && active >= 0) {
        e.preventDefault();
        go(active);
      } else if (n) {
        e.preventDefault();
        go(0);
      }
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.preventDefault();
        open(false);
      } else if (input.value) {
        e.preventDefault();
        input.value = '';
        render('', []);
      }
    } else if (e.key === 'Home' || e.key === 'End') {
      setActive(-1);
    }
  });
  // Keep focus in the input when an option is clicked; close when focus leaves the search.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  input.addEventListener('blur', () => window.setTimeout(() => {
    if (document.activeElement !== input) open(false);
  }, 150));
}

for (const box of document.querySelectorAll('div.search[data-root]')) {
  try {
    setup(box);
  } catch (err) {
    if (window.console) console.error('waypost search:', err);
  }
}
