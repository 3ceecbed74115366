// "Get your certificate": on a course page or the account page, an element
// [data-certificate-offer][data-course] becomes, for a signed-in learner, either a link to the
// certificate they hold (with a renewal notice when it is due) or, once the server says the
// course is complete, a form to confirm the name to print. Signed out (or on a static host,
// where `api/me` is 404) it asks nothing more. No inline script: this module is
// loaded with <script type="module">, so the strict CSP holds. Without JavaScript (or signed
// out) the element stays hidden.

const api = document.body.dataset.api;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

// Signed in? (`api/me`; on a static host it answers 404, and nothing else is asked.)
async function me() {
  const r = await fetch(`${api}me`, { credentials: "same-origin" });
  return r.ok ? r.json() : null;
}

async function csrfToken() {
  const m = await me();
  if (!m) throw new Error("sign in again");
  return m.csrf_token;
}

function showHeld(box, cert, renewable) {
  box.replaceChildren();
  const status = { valid: "valid", expired: "expired", revoked: "revoked" }[cert.status] || cert.status;
  box.append(
    el("h2", {}, "Your certificate"),
    el("p", {}, el("a", { href: cert.urls.page }, cert.title), ` (${status})`),
  );
  if (cert.renewal_due && !renewable) {
    box.append(el("p", {}, "Renewal is due: retake the course's graded quizzes to get a renewed certificate."));
  }
}

function showForm(box, course, defaultName, renewing) {
  const form = el("form", { class: "certificate-form" });
  const id = `certificate-name-${course}`;
  const input = el("input", { class: "input", id, name: "name", type: "text", maxlength: "100", required: "", autocomplete: "name", dir: "auto" });
  input.value = defaultName;
  const message = el("p", { class: "certificate-message", role: "status" });
  form.append(
    el("div", { class: "form-field" }, el("label", { for: id }, "Name to print on the certificate"), input),
    el("button", { class: "button", type: "submit" }, renewing ? "Get your renewed certificate" : "Get your certificate"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "Issuing…";
    try {
      const r = await fetch(`${api}courses/${encodeURIComponent(course)}/certificate`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": await csrfToken() },
        body: JSON.stringify({ name: input.value }),
      });
      const data = await r.json();
      if (!r.ok) throw new Error(data.error ? data.error.message : `error ${r.status}`);
      showHeld(box, data.certificate, false);
    } catch (e) {
      message.textContent = `Could not issue the certificate: ${e.message}`;
    }
  });
  box.append(el("h2", {}, renewing ? "Renew your certificate" : "You completed this course"), form, message);
}

async function offer(box) {
  const course = box.dataset.course;
  const r = await fetch(`${api}courses/${encodeURIComponent(course)}/certificate`, { credentials: "same-origin" });
  if (!r.ok) return; // signed out, or no certificate for this course
  const data = await r.json();
  box.replaceChildren();
  if (data.certificate) showHeld(box, data.certificate, data.eligible);
  if (data.eligible) showForm(box, course, data.default_name, Boolean(data.certificate));
  box.hidden = !(data.certificate || data.eligible);
}

const boxes = document.querySelectorAll("[data-certificate-offer]");
if (api && boxes.length > 0) {
  me()
    .then((signedIn) => {
      if (signedIn) for (const box of boxes) offer(box).catch(() => {});
    })
    .catch(() => {});
}
