// Waypost progress: remembers visited/completed lessons and quiz results in localStorage
// (key "waypost.progress.v1") and shows them on the catalog, course and lesson pages; when a
// server is behind the site (<body data-api="…/api/">), completed lessons are posted to it too.
// Progressive enhancement only: pages read fine without it.

const KEY = 'waypost.progress.v1';
let memory = {}; // fallback when storage is unavailable (private mode, disabled, quota)

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function load() {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return memory;
    const data = JSON.parse(raw);
    return isObject(data) ? data : {};
  } catch {
    return memory;
  }
}

function save(data) {
  memory = data;
  try {
    window.localStorage.setItem(KEY, JSON.stringify(data));
  } catch {
    /* storage full or unavailable: keep the in-memory copy for this page */
  }
}

function courseEntry(data, course) {
  let c = data[course];
  if (!isObject(c)) c = data[course] = {};
  if (!isObject(c.lessons)) c.lessons = {};
  if (!isObject(c.quizzes)) c.quizzes = {};
  return c;
}

function lessonEntry(c, lesson) {
  let l = c.lessons[lesson];
  if (!isObject(l)) l = c.lessons[lesson] = { visited: null, completed: null };
  return l;
}

function lessonState(data, course, lesson) {
  const c = isObject(data[course]) ? data[course] : null;
  const l = c && isObject(c.lessons) && isObject(c.lessons[lesson]) ? c.lessons[lesson] : null;
  if (l && l.completed) return 'complete';
  if (l && l.visited) return 'visited';
  return 'new';
}

function setProgress(box, done, total, started) {
  if (!box) return;
  const bar = box.querySelector('progress');
  const text = box.querySelector('.progress-text');
  const n = Math.min(done, total);
  if (bar) {
    bar.max = Math.max(total, 1);
    bar.value = n;
  }
  if (text) {
    text.textContent = n >= total && total > 0
      ? `All ${total} lessons completed`
      : `${n} of ${total} ${total === 1 ? 'lesson' : 'lessons'} completed`;
  }
  box.hidden = !started;
}

function coursePage(data) {
  const root = document.querySelector('[data-course][data-lessons]');
  if (!root) return;
  const course = root.dataset.course;
  const ids = (root.dataset.lessons || '').trim().split(/\s+/).filter(Boolean);
  let done = 0;
  let started = false;
  let firstIncomplete = null;
  const labels = { complete: 'Completed', visited: 'In progress', new: '' };
  for (const item of root.querySelectorAll('li[data-lesson]')) {
    const id = item.dataset.lesson;
    const state = lessonState(data, course, id);
    item.classList.toggle('is-complete', state === 'complete');
    item.classList.toggle('is-visited', state === 'visited');
    const status = item.querySelector('[data-status]');
    if (status) {
      status.textContent = labels[state];
      status.hidden = state === 'new';
    }
    if (state === 'complete') done += 1;
    if (state !== 'new') started = true;
    if (state !== 'complete' && !firstIncomplete) firstIncomplete = item;
  }
  setProgress(root.querySelector('[data-progress]'), done, ids.length, started);
  const start = root.querySelector('[data-start]');
  if (start && started) {
    if (firstIncomplete) {
      const link = firstIncomplete.querySelector('a[href]');
      if (link) start.setAttribute('href', link.getAttribute('href'));
      start.textContent = 'Continue course';
    } else {
      start.textContent = 'Review course';
    }
  }
}

function catalogPage(data) {
  for (const card of document.querySelectorAll('[data-course][data-lesson-count]')) {
    const total = parseInt(card.dataset.lessonCount, 10) || 0;
    const c = data[card.dataset.course];
    const lessons = isObject(c) && isObject(c.lessons) ? Object.values(c.lessons) : [];
    const done = lessons.filter((l) => isObject(l) && l.completed).length;
    const started = lessons.some((l) => isObject(l) && (l.visited || l.completed));
    setProgress(card.querySelector('[data-progress]'), done, total, started);
  }
}

// ---- The server, when there is one (<body data-api="…/api/">; absent on --static-only and
// preview builds, which send no request at all). Signed in, progress made in this browser is
// merged into the account and the account's progress is shown here, on any device.
const api = document.body.dataset.api;
let mePromise = null;

function me() {
  if (api === undefined) return Promise.resolve(null);
  if (!mePromise) {
    mePromise = fetch(`${api}me`, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((r) => (r.status === 200 ? r.json() : null))
      .then((j) => (isObject(j) && typeof j.csrf_token === 'string' ? j : null))
      .catch(() => null);
  }
  return mePromise;
}

async function send(path, body) {
  const user = await me();
  if (!user) return null;
  try {
    return await fetch(`${api}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': user.csrf_token },
      body: JSON.stringify(body),
    });
  } catch {
    return null; // offline: the lesson stays unsynced and is merged on the next visit
  }
}

function postProgress(button) {
  const { course, lesson } = button.dataset;
  send('progress', { course, lesson, event: 'completed' }).then((r) => {
    if (r && r.ok) markSynced([{ course, lesson }]);
  });
}

function markSynced(items) {
  const data = load();
  for (const { course, lesson } of items) lessonEntry(courseEntry(data, course), lesson).synced = true;
  save(data);
}

async function syncWithServer() {
  if (!(await me())) return;
  const pending = [];
  for (const [course, c] of Object.entries(load())) {
    if (!isObject(c) || !isObject(c.lessons)) continue;
    for (const [lesson, l] of Object.entries(c.lessons)) {
      if (isObject(l) && l.completed && !l.synced) pending.push({ course, lesson });
    }
  }
  if (pending.length) {
    const r = await send('progress/merge', { lessons: pending.slice(0, 2000) });
    if (r && r.ok) markSynced(pending.slice(0, 2000));
  }
  let server = null;
  try {
    const r = await fetch(`${api}progress`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    server = r.ok ? await r.json() : null;
  } catch {
    server = null;
  }
  if (!isObject(server) || !isObject(server.courses)) return;
  const data = load();
  for (const [course, p] of Object.entries(server.courses)) {
    if (!isObject(p)) continue;
    const c = courseEntry(data, course);
    for (const lesson of Array.isArray(p.lessons_completed) ? p.lessons_completed : []) {
      const l = lessonEntry(c, String(lesson));
      l.completed = l.completed || p.completed_at || Date.now();
      l.visited = l.visited || l.completed;
      l.synced = true;
    }
    for (const [quiz, q] of Object.entries(isObject(p.quizzes) ? p.quizzes : {})) {
      if (!isObject(q)) continue;
      const prev = isObject(c.quizzes[quiz]) ? c.quizzes[quiz] : null;
      if (!prev || !prev.passed || q.passed) c.quizzes[quiz] = { score: Number(q.best_score) || 0, passed: Boolean(q.passed), at: Number(q.last_attempt_at) || Date.now() };
    }
    c.state = p.state;
  }
  save(data);
  coursePage(data);
  catalogPage(data);
  document.dispatchEvent(new CustomEvent('waypost:progress-synced'));
}

function lessonPage() {
  const button = document.querySelector('button.complete-lesson[data-course][data-lesson]');
  if (!button) return;
  const { course, lesson } = button.dataset;
  const status = document.querySelector('[data-complete-status]');
  const data = load();
  const entry = lessonEntry(courseEntry(data, course), lesson);
  entry.visited = Date.now();
  save(data);

  const render = (announce) => {
    const done = Boolean(lessonEntry(courseEntry(load(), course), lesson).completed);
    button.setAttribute('aria-pressed', String(done));
    if (status) {
      status.textContent = done ? 'You have completed this lesson.' : (announce ? 'Lesson marked as not complete.' : '');
    }
  };
  button.hidden = false;
  render(false);
  document.addEventListener('waypost:progress-synced', () => render(false));
  button.addEventListener('click', () => {
    const d = load();
    const l = lessonEntry(courseEntry(d, course), lesson);
    l.completed = l.completed ? null : Date.now();
    if (!l.visited) l.visited = Date.now();
    save(d);
    if (l.completed) postProgress(button);
    render(true);
  });
}

document.addEventListener('waypost:quiz-result', (event) => {
  const r = event && event.detail;
  if (!isObject(r) || !r.course || !r.quiz) return;
  const data = load();
  const c = courseEntry(data, String(r.course));
  const previous = isObject(c.quizzes[r.quiz]) ? c.quizzes[r.quiz] : null;
  // Keep the best result: a worse retry never undoes a pass.
  if (!previous || !previous.passed || r.passed) {
    c.quizzes[r.quiz] = { score: Number(r.score) || 0, passed: Boolean(r.passed), at: Date.now() };
  }
  if (r.lesson) {
    const l = lessonEntry(c, String(r.lesson));
    if (!l.visited) l.visited = Date.now();
  }
  save(data);
});

// Wide code blocks and tables scroll sideways: make the ones that overflow keyboard-focusable.
function scrollers() {
  for (const box of document.querySelectorAll('main pre, main .prose table')) {
    const over = box.scrollWidth > box.clientWidth + 1;
    if (over && !box.hasAttribute('tabindex')) {
      box.tabIndex = 0;
      box.dataset.scrollFocus = '';
    } else if (!over && 'scrollFocus' in box.dataset) {
      box.removeAttribute('tabindex');
      delete box.dataset.scrollFocus;
    }
  }
}
let resizeTimer = 0;
window.addEventListener('resize', () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(scrollers, 200);
});

function init() {
  scrollers();
  lessonPage();
  const data = load();
  coursePage(data);
  catalogPage(data);
  syncWithServer();
}

// Refresh when the page is shown again from the back/forward cache.
window.addEventListener('pageshow', (e) => {
  if (!e.persisted) return;
  const data = load();
  coursePage(data);
  catalogPage(data);
});
init();
