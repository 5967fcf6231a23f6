// The review page's keyboard and in-place decisions. Without this script every form still
// posts and the server redirects back to the queue; with it, a decision is posted in the
// background, its card leaves the list and the next one takes the focus.
"use strict";

const statusLine = document.getElementById("status");
const entitiesUrl = "/review/entities";

function cards() {
  return Array.from(document.querySelectorAll("[data-card]"));
}

function currentCard() {
  const active = document.activeElement;
  return active ? active.closest("[data-card]") : null;
}

function say(message, isError) {
  statusLine.textContent = message;
  statusLine.classList.toggle("error", Boolean(isError));
}

function moveFocus(step) {
  const all = cards();
  if (all.length === 0) return;
  const index = all.indexOf(currentCard());
  const next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
  all[next].focus();
}

function reloadWith(message, signature) {
  const url = new URL(window.location.href);
  url.searchParams.set("message", message);
  url.searchParams.set("signature", signature || "");
  window.location.assign(url.toString());
}

async function post(form, submitter) {
  const body = new URLSearchParams(new FormData(form, submitter));
  // form.action would be the field named "action", not the address.
  const response = await fetch(form.getAttribute("action"), {
    method: "POST",
    body: body,
    headers: { "X-Requested-With": "fetch" },
    credentials: "same-origin",
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch (error) {
    answer = { detail: `the service answered ${response.status}` };
  }
  if (response.status === 401) {
    reloadWith(answer.detail || "signed out");
    throw new Error("signed out");
  }
  if (!response.ok) {
    const detail = Array.isArray(answer.detail)
      ? answer.detail.map((problem) => problem.msg).join("; ")
      : answer.detail;
    say(detail || `the service answered ${response.status}`, true);
    throw new Error(detail);
  }
  return answer;
}

function countDown(card) {
  const name = card.classList.contains("candidate") ? "candidates" : "proposals";
  const counter = document.querySelector(`[data-count="${name}"]`);
  if (counter) counter.textContent = String(Math.max(0, Number(counter.textContent) - 1));
}

async function decide(form, submitter) {
  const card = form.closest("[data-card]");
  const answer = await post(form, submitter);
  say(answer.message, answer.applied === 0);
  if (answer.applied === 0 || !card) return;
  const all = cards();
  const index = all.indexOf(card);
  countDown(card);
  card.closest("li").remove();
  const rest = cards();
  if (rest.length === 0) {
    reloadWith(answer.message, answer.signature);
    return;
  }
  rest[Math.min(index, rest.length - 1)].focus();
}

function press(card, key) {
  const button = card ? card.querySelector(`[data-key="${key}"]`) : null;
  if (button) decide(button.form, button).catch(() => {});
}

async function undo() {
  const form = document.querySelector("[data-undo]");
  const answer = await post(form, null);
  reloadWith(answer.message, answer.signature);
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches(".filters")) {
    // Leave the fields set to "any" out of the address.
    for (const field of form.elements) {
      if (field.name && field.value === "") field.disabled = true;
    }
  } else if (form.matches("[data-decide]")) {
    event.preventDefault();
    decide(form, event.submitter).catch(() => {});
  } else if (form.matches("[data-undo]")) {
    event.preventDefault();
    undo().catch(() => {});
  } else if (form.matches("[data-bulk]")) {
    event.preventDefault();
    const action = form.elements.action.value;
    const side = form.elements.side.selectedOptions[0].textContent;
    const threshold = form.elements.threshold.value;
    if (!window.confirm(`${action} every filtered proposal scored ${side} ${threshold}?`)) return;
    post(form, event.submitter)
      .then((answer) => reloadWith(answer.message, answer.signature))
      .catch(() => {});
  }
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const field = event.target.closest("input, select, textarea");
  if (field) {
    if (event.key === "Escape") field.closest("[data-card]")?.focus();
    return;
  }
  const card = currentCard();
  const actions = {
    j: () => moveFocus(1),
    ArrowDown: () => moveFocus(1),
    k: () => moveFocus(-1),
    ArrowUp: () => moveFocus(-1),
    a: () => press(card, "a"),
    r: () => press(card, "r"),
    m: () => press(card, "m"),
    s: () => card?.querySelector("[data-search]")?.focus(),
    u: () => undo().catch(() => {}),
    c: () => document.querySelector('[data-view]:not([aria-current])')?.click(),
    h: () => {
      if (card?.dataset.history) window.location.assign(card.dataset.history);
    },
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

let searchTimer = null;
document.addEventListener("input", (event) => {
  const input = event.target;
  if (!input.matches("[data-search]")) return;
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    if (input.value.trim().length < 2) return;
    const url = new URL(entitiesUrl, window.location.origin);
    url.searchParams.set("q", input.value.trim());
    url.searchParams.set("kind", input.dataset.search);
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const found = await response.json();
    const list = document.getElementById(input.getAttribute("list"));
    list.replaceChildren(
      ...found.entities.map((entity) => {
        const option = document.createElement("option");
        option.value = entity.id;
        option.label = `${entity.name} (${entity.score.toFixed(2)})`;
        return option;
      }),
    );
    if (found.detail) say(found.detail, true);
  }, 200);
});

const first = cards()[0];
if (first && !document.querySelector("[autofocus]")) first.focus({ preventScroll: true });
