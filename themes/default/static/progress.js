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

// Tells the server, when there is one: pages of a --static-only build carry no <body data-api>.
function postProgress(button) {
  const api = document.body.dataset.api;
  if (api === undefined) return;
  try {
    fetch(`${api}progress`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ course: button.dataset.course, lesson: button.dataset.lesson, event: 'completed' }),
    }).catch(() => {});
  } catch {
    /* no fetch: nothing to sync */
  }
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
}

// Refresh when the page is shown again from the back/forward cache.
window.addEventListener('pageshow', (e) => {
  if (!e.persisted) return;
  const data = load();
  coursePage(data);
  catalogPage(data);
});
init();
