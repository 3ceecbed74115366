// Waypost quizzes: enhances every section.quiz. Practice quizzes are checked here from each
// question's data-key (JSON, CONTRACT §3 encoding); graded quizzes are posted to the server.

const $ = (root, sel) => (root ? root.querySelector(sel) : null);
const $$ = (root, sel) => (root ? [...root.querySelectorAll(sel)] : []);
function el(tag, props, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'text') n.textContent = v;
    else n.setAttribute(k, v);
  }
  n.append(...kids.filter((k) => k != null));
  return n;
}
const norm = (s) => String(s).normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
const same = (a, b) => String(a) === String(b);

function parseNumber(raw) {
  let s = String(raw).replace(/[\s\u00a0\u202f_']/g, '').replace(/^\u2212/, '-');
  if (!s) return null;
  s = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s) ? s.replace(/,/g, '') : s.replace(',', '.');
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s) ? Number(s) : NaN;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The learner's answer to one question: {answered, value, invalid?} (value in CONTRACT §3 encoding).
function readAnswer(fs) {
  const checked = $$(fs, 'input:checked').map((i) => i.value);
  const text = ($(fs, 'input[type="text"]') || {}).value || '';
  switch (fs.dataset.type) {
    case 'single': return checked.length ? { answered: true, value: checked[0] } : { answered: false };
    case 'true-false': return checked.length ? { answered: true, value: checked[0] === 'true' } : { answered: false };
    case 'multiple':
      checked.sort((a, b) => a - b || a.localeCompare(b));
      return checked.length ? { answered: true, value: checked } : { answered: false };
    case 'text': return text.trim() ? { answered: true, value: text.trim() } : { answered: false };
    case 'number': {
      const n = parseNumber(text);
      if (n === null) return { answered: false };
      return Number.isFinite(n) ? { answered: true, value: n } : { answered: false, invalid: 'Enter a number using digits, for example 3600.' };
    }
    case 'order': {
      const v = $$(fs, '.order-item[data-value]').map((li) => li.dataset.value);
      return { answered: v.length > 0, value: v };
    }
    case 'match': {
      const value = {};
      const sel = $$(fs, 'select[data-left]');
      for (const s of sel) if (s.value) value[s.dataset.left] = s.value;
      const n = Object.keys(value).length;
      if (!sel.length || n < sel.length) return { answered: false, invalid: n ? 'Choose a match for every item.' : undefined };
      return { answered: true, value };
    }
    default: return { answered: false };
  }
}

function parseKey(fs) {
  try {
    return JSON.parse(fs.dataset.key);
  } catch {
    return undefined;
  }
}

function isCorrect(type, a, key) {
  if (key == null) return false;
  const list = (x) => (Array.isArray(x) ? x : [x]).map(String);
  switch (type) {
    case 'single': case 'true-false': return same(a, key);
    case 'multiple': {
      const k = list(key);
      return a.length === k.length && k.every((x) => a.includes(x));
    }
    case 'text': return list(key).map(norm).includes(norm(a));
    case 'number': {
      const t = Number(typeof key === 'object' ? key.answer : key);
      const tol = Math.abs(Number(key.tolerance) || 0);
      return Math.abs(a - t) <= tol + 1e-9 * Math.max(1, Math.abs(t));
    }
    case 'order': return Array.isArray(key) && key.length === a.length && key.every((v, i) => same(v, a[i]));
    case 'match': {
      const k = Object.keys(key);
      return k.length === Object.keys(a).length && k.every((l) => same(a[l], key[l]));
    }
    default: return false;
  }
}

// ---- Showing results ----
function clearQuestion(fs) {
  fs.classList.remove('is-correct', 'is-incorrect');
  const r = $(fs, '[data-result]');
  if (r) {
    r.hidden = true;
    r.textContent = '';
  }
  for (const n of $$(fs, '[data-feedback], [data-explanation], [data-option-feedback]')) n.hidden = true;
  for (const n of $$(fs, '[data-dynamic], .option-mark')) n.remove();
  for (const o of $$(fs, '.option')) o.classList.remove('is-right', 'is-wrong');
}

function showResult(fs, state, detail) {
  const r = $(fs, '[data-result]');
  if (!r) return;
  const ok = state === 'correct';
  const label = ok ? 'Correct' : state === 'missing' ? 'Not answered' : 'Incorrect';
  r.className = `question-result ${ok ? 'is-correct' : 'is-incorrect'}`;
  r.replaceChildren(el('span', { 'aria-hidden': 'true', text: ok ? '✓' : '✗' }), el('span', { text: detail ? `${label} — ${detail}` : label }));
  r.hidden = false;
  fs.classList.add(ok ? 'is-correct' : 'is-incorrect');
}

function addHtml(fs, cls, title, html) {
  if (!html) return;
  const box = el('div', { class: cls, 'data-dynamic': '' }, title ? el('p', { class: 'explanation-title', text: title }) : null);
  const tmp = el('div');
  tmp.innerHTML = html; // sanitised HTML from the Waypost server
  box.append(...tmp.childNodes);
  fs.append(box);
}

function markOptions(fs, key) {
  const right = (Array.isArray(key) ? key : [key]).map(String);
  for (const input of $$(fs, '.option input:checked')) {
    const li = input.closest('.option');
    if (!li) continue;
    const ok = right.includes(input.value);
    li.classList.add(ok ? 'is-right' : 'is-wrong');
    const fb = $(li, '[data-option-feedback]');
    li.insertBefore(el('p', { class: 'option-mark', text: ok ? 'Your choice: correct' : 'Your choice: not correct' }), fb);
    if (fb) fb.hidden = false;
  }
}

function announce(status, cls, ...nodes) {
  if (!status) return;
  status.className = `quiz-status ${cls}`;
  status.textContent = '';
  // Refill after a beat so screen readers announce it even when the text is unchanged.
  setTimeout(() => status.replaceChildren(...nodes), 60);
}

function scoreNodes(score, passed, passMark, right, total) {
  return [
    el('p', { class: 'quiz-score', text: `You scored ${score}% — ${right} of ${total} correct.` }),
    el('p', { text: passed ? `Passed — the pass mark is ${passMark}%.` : `Not passed yet — the pass mark is ${passMark}%. Read the feedback, then choose “Try again”.` }),
  ];
}

// ---- Order questions: move up/down buttons, kept in sync with the position selects ----
function setupOrder(fs) {
  const list = $(fs, '[data-order-list]');
  if (!list) return;
  const original = $$(list, '.order-item');
  const live = el('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  list.after(live);
  const items = () => $$(list, '.order-item');
  const sync = () => items().forEach((li, i, all) => {
    const s = $(li, 'select');
    if (s) s.value = String(i + 1);
    for (const b of $$(li, '[data-move]')) b.disabled = b.dataset.move === 'up' ? i === 0 : i === all.length - 1;
  });
  const moveTo = (li, index, focus) => {
    const others = items().filter((x) => x !== li);
    const at = Math.max(0, Math.min(index, others.length));
    list.insertBefore(li, others[at] || null);
    sync();
    const target = focus && focus.disabled ? $(li, '[data-move]:not([disabled])') : focus;
    if (target) target.focus();
    live.textContent = `Moved to position ${at + 1} of ${others.length + 1}.`;
  };
  for (const li of original) {
    const controls = $(li, '.order-controls');
    const text = ($(li, '.order-text') || li).textContent.trim();
    for (const dir of controls ? ['up', 'down'] : []) {
      const b = el('button', { type: 'button', class: 'button button-secondary order-move', 'data-move': dir },
        el('span', { 'aria-hidden': 'true', text: dir === 'up' ? '↑' : '↓' }),
        el('span', { class: 'visually-hidden', text: `Move ${dir}: ${text}` }));
      b.addEventListener('click', () => moveTo(li, items().indexOf(li) + (dir === 'up' ? -1 : 1), b));
      controls.append(b);
    }
    const s = $(li, 'select');
    if (s) s.addEventListener('change', () => moveTo(li, parseInt(s.value, 10) - 1, s));
  }
  sync();
  fs.waypostReset = () => {
    list.append(...original);
    sync();
    live.textContent = '';
  };
}

// The one place the API address comes from: `<body data-api="…/api/">`, which says a server is
// behind the site (absent on --static-only and preview builds, whose quizzes are all practice).
const api = document.body.dataset.api;
const root = api === undefined ? null : api.replace(/api\/$/, '');

let me = null;
const whoAmI = () => me || (me = api === undefined ? Promise.resolve(null) : fetch(`${api}me`, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
  .then((r) => (r.status === 200 ? r.json().catch(() => ({})).then((j) => j || {}) : null))
  .catch(() => null));

// ---- One quiz ----
function enhance(section) {
  const form = $(section, 'form');
  if (!form || section.dataset.enhanced) return;
  section.dataset.enhanced = 'true';
  const d = section.dataset;
  const graded = d.mode === 'graded';
  const submit = $(form, '[data-quiz-submit]');
  const reset = $(form, '[data-quiz-reset]');
  const status = $(section, '[data-quiz-status]');
  const notice = $(section, '[data-quiz-notice]');
  const questions = $$(form, 'fieldset.question');
  const passMark = Number(d.passMark) || 0;
  const attempts = `${api}courses/${encodeURIComponent(d.course)}/quizzes/${encodeURIComponent(d.quiz)}/attempts`;
  let attemptId = null;
  let user = null;
  let busy = false;

  for (const r of $$(section, 'details.reveal')) r.hidden = true;
  for (const fs of questions) if (fs.dataset.type === 'order') setupOrder(fs);
  if (submit) {
    submit.hidden = false;
    submit.disabled = graded;
  }

  const finish = (score, passed, right) => {
    announce(status, passed ? 'is-passed' : 'is-failed', ...scoreNodes(score, passed, passMark, right, questions.length));
    if (reset) reset.hidden = false;
    document.dispatchEvent(new CustomEvent('waypost:quiz-result', { detail: { course: d.course, lesson: d.lesson, quiz: d.quiz, score, passed } }));
  };
  const failure = (text) => announce(status, 'is-error', el('p', { text }));

  const signInNotice = () => {
    if (submit) submit.disabled = true;
    if (!notice) return;
    const next = encodeURIComponent(`${location.pathname}${location.search}#${section.id}`);
    notice.replaceChildren(el('p', null, el('strong', { text: 'Sign in to submit your answers.' }),
      ' This quiz is graded: your result counts towards completing the course. ',
      root === null ? null : el('a', { href: `${root}account/sign-in?next=${next}`, text: 'Sign in' })));
    notice.hidden = false;
  };

  const gradePractice = () => {
    let right = 0;
    for (const fs of questions) {
      clearQuestion(fs);
      const a = readAnswer(fs);
      const key = parseKey(fs);
      const ok = a.answered && isCorrect(fs.dataset.type, a.value, key);
      right += ok ? 1 : 0;
      showResult(fs, ok ? 'correct' : a.answered ? 'incorrect' : 'missing', a.answered ? '' : a.invalid);
      if (['single', 'multiple', 'true-false'].includes(fs.dataset.type)) markOptions(fs, key);
      const fb = $(fs, '[data-feedback]');
      if (fb) fb.hidden = ok;
      const ex = $(fs, '[data-explanation]');
      if (ex) ex.hidden = false;
    }
    const score = questions.length ? Math.round((100 * right) / questions.length) : 0;
    finish(score, score >= passMark, right);
  };

  const submitGraded = async () => {
    const answers = {};
    const missing = [];
    for (const fs of questions) {
      const a = readAnswer(fs);
      if (a.answered) answers[fs.dataset.question] = a.value;
      else missing.push(el('li', null, el('a', { href: `#${fs.id}`, text: ($(fs, 'legend') || fs).textContent.replace(/\s+of\s+\d+$/, '') }), a.invalid ? ` — ${a.invalid}` : ''));
    }
    if (missing.length) {
      return announce(status, 'is-error', el('p', { text: 'Answer every question before you submit.' }), el('ul', null, ...missing));
    }
    attemptId = attemptId || uuid(); // kept when this same submission is retried
    busy = true;
    if (submit) submit.disabled = true;
    section.setAttribute('aria-busy', 'true');
    announce(status, '', el('p', { text: 'Submitting your answers…' }));
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (user && typeof user.csrf_token === 'string') headers['X-CSRF-Token'] = user.csrf_token;
    try {
      const res = await fetch(attempts, { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify({ attempt_id: attemptId, version: d.version, answers }) });
      if (res.status === 401) {
        signInNotice();
        return failure('Your session has ended. Sign in, then submit your answers again.');
      }
      if (res.status === 409) {
        const why = await res.json().catch(() => null);
        const code = why && why.error && why.error.code;
        attemptId = null;
        return failure(code === 'no_attempts_left'
          ? 'You have used all the attempts this quiz allows. Ask your focal point or an admin for help.'
          : 'This quiz changed since you opened the page. Reload the page to get the new version.');
      }
      if (res.status === 429) {
        const wait = Number(res.headers.get('Retry-After')) || 60;
        attemptId = null;
        return failure(`This quiz asks you to wait before trying again. Submit again in ${wait} seconds.`);
      }
      if (!res.ok) return failure(`Your answers were not recorded (error ${res.status}). Your answers are still here: submit them again.`);
      const data = await res.json().catch(() => null);
      if (!data || typeof data !== 'object') return failure('The server sent an answer we could not read. Submit your answers again.');
      attemptId = null;
      const qs = data.questions && typeof data.questions === 'object' ? data.questions : {};
      let right = 0;
      for (const fs of questions) {
        clearQuestion(fs);
        const r = qs[fs.dataset.question];
        if (!r || typeof r !== 'object') continue;
        right += r.correct ? 1 : 0;
        showResult(fs, r.correct ? 'correct' : 'incorrect');
        if (!r.correct) addHtml(fs, 'question-feedback', '', r.feedback_html);
        addHtml(fs, 'question-explanation', 'Explanation', r.explanation_html);
      }
      finish(Number(data.score) || 0, Boolean(data.passed), right);
    } catch {
      failure('Your answers could not be sent. Check your connection, then submit them again.');
    } finally {
      busy = false;
      section.removeAttribute('aria-busy');
      if (submit && (!notice || notice.hidden)) submit.disabled = false;
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!busy) graded ? submitGraded() : gradePractice();
  });
  // A changed answer makes the next submission a new attempt.
  for (const t of ['input', 'change']) form.addEventListener(t, () => { attemptId = null; });

  if (reset) {
    reset.addEventListener('click', () => {
      form.reset();
      for (const fs of questions) {
        clearQuestion(fs);
        if (fs.waypostReset) fs.waypostReset();
      }
      attemptId = null;
      if (status) {
        status.className = 'quiz-status';
        status.textContent = '';
      }
      reset.hidden = true;
      const first = $(form, 'input, select');
      if (first) first.focus();
    });
  }

  if (graded) {
    whoAmI().then((u) => {
      user = u;
      if (!u) signInNotice();
      else if (submit) submit.disabled = false;
    });
  }
}

for (const section of document.querySelectorAll('section.quiz')) {
  try {
    enhance(section);
  } catch (err) {
    // One broken quiz must not stop the others; the no-JS answer reveals stay usable.
    for (const r of section.querySelectorAll('details.reveal')) r.hidden = false;
    console.error('waypost quiz:', err);
  }
}
