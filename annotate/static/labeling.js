// Keyboard labeling for /annotate/<project>: every action works without the mouse.
// Digits choose labels, Enter submits, S skips, F flags, U reopens the last submission, G opens
// the rulebook, / searches its clauses, ? shows help.
import { initRulebookPanel } from "./rulebook_panel.js";
import { initSpans } from "./spans.js";

const root = document.getElementById("labeling");
const form = document.getElementById("answer-form");
const openedAt = performance.now();
const spans = document.getElementById("span-text") ? initSpans() : null;
const rulebook = initRulebookPanel();

function modal(id) {
  return window.bootstrap.Modal.getOrCreateInstance(document.getElementById(id));
}

function openModal(id, focusSelector) {
  const element = document.getElementById(id);
  element.addEventListener("shown.bs.modal", () => {
    const target = element.querySelector(focusSelector);
    if (target) target.focus();
  }, { once: true });
  modal(id).show();
}

function modalOpen() {
  return document.querySelector(".modal.show") !== null;
}

function typing(target) {
  return target.matches(
    "textarea, input[type=text], input[type=search], input:not([type]), select, [contenteditable]",
  );
}

function hasAnswer() {
  const task = root.dataset.task;
  if (task === "span") return true; // no entity is a valid answer
  if (task === "text") return document.getElementById("answer-text").value.trim() !== "";
  return form.querySelector("#answer input:checked") !== null;
}

function submitAnswer() {
  if (!hasAnswer()) {
    document.getElementById("answer-missing").classList.remove("d-none");
    return;
  }
  document.getElementById("duration-ms").value = Math.round(performance.now() - openedAt);
  form.requestSubmit();
}

function chooseLabel(key) {
  const input = form.querySelector(`#answer input[data-hotkey="${key}"]`);
  if (!input) return false;
  input.checked = input.type === "checkbox" ? !input.checked : true;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  document.getElementById("answer-missing").classList.add("d-none");
  return true;
}

function openRulebook() {
  const panel = document.getElementById("rulebook");
  panel.querySelectorAll("details").forEach((d) => { d.open = true; });
  panel.scrollIntoView({ behavior: "smooth", block: "start" });
  const first = panel.querySelector(".clause-cite");
  (first || panel).focus();
}

form.addEventListener("submit", (event) => {
  if (!hasAnswer()) {
    event.preventDefault();
    document.getElementById("answer-missing").classList.remove("d-none");
  }
  document.getElementById("duration-ms").value = Math.round(performance.now() - openedAt);
});

// One submit per page: a second Enter (or click) while the first is on its way is ignored,
// so it cannot reach the server as a second, refused, submit. Registered after the check
// above, so a refused answer does not count as sent.
document.querySelectorAll("#answer-form, #skip-form, #flag-form").forEach((sending) => {
  sending.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    if (root.dataset.sent) { event.preventDefault(); return; }
    root.dataset.sent = sending.id;
    document.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  });
});
// Back to this page from the browser's cache: it may be sent again (the server decides).
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  delete root.dataset.sent;
  document.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
});

document.querySelectorAll("[data-action]").forEach((button) => {
  button.addEventListener("click", () => {
    const action = button.dataset.action;
    if (action === "skip") openModal("skip-modal", "textarea");
    if (action === "flag") openModal("flag-modal", "input[name=kind]");
    if (action === "help") openModal("help-modal", ".btn-close");
    if (action === "rulebook") openRulebook();
  });
});

// An annotation reopened for editing: its saved answer and cited clauses are filled in.
function prefill() {
  if (!form.dataset.prefill) return;
  const saved = JSON.parse(form.dataset.prefill);
  const value = saved.value;
  const pick = (key) => {
    const input = [...form.querySelectorAll("#answer input")].find((i) => i.value === String(key));
    if (input) input.checked = true;
  };
  if (root.dataset.task === "multi_label" && Array.isArray(value)) value.forEach(pick);
  else if (root.dataset.task === "pairwise" && value && typeof value === "object") {
    pick(value.choice);
    const reason = document.getElementById("reason");
    if (reason) reason.value = value.reason || "";
  } else if (root.dataset.task === "text") document.getElementById("answer-text").value = value || "";
  else if (root.dataset.task !== "span" && value !== null && value !== undefined) pick(value);
  (saved.clause_keys || []).forEach((key) => {
    const cite = [...document.querySelectorAll(".clause-cite")].find((c) => c.value === key);
    if (cite) cite.checked = true;
  });
}
prefill();

// In the skip dialog Enter submits (Shift+Enter is a new line).
document.getElementById("skip-reason")?.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    document.getElementById("skip-form").requestSubmit();
  }
});

// In the flag dialog 1/2 choose the kind and Enter submits.
document.getElementById("flag-modal")?.addEventListener("keydown", (event) => {
  if (event.target.tagName === "TEXTAREA") {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      document.getElementById("flag-form").requestSubmit();
    }
    return;
  }
  const kind = document.querySelector(`#flag-modal input[data-hotkey="${event.key}"]`);
  if (kind) { kind.checked = true; kind.focus(); event.preventDefault(); }
  if (event.key === "Enter") {
    event.preventDefault();
    document.getElementById("flag-form").requestSubmit();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && modalOpen()) {
    // Also when the focus has not reached the dialog yet (it is still fading in).
    const open = document.querySelector(".modal.show");
    const dialog = window.bootstrap.Modal.getInstance(open);
    dialog.hide();
    if (open.classList.contains("show")) { // still fading in: close once it is shown
      open.addEventListener("shown.bs.modal", () => dialog.hide(), { once: true });
    }
    return;
  }
  if (event.defaultPrevented || event.metaKey || modalOpen()) return;
  const target = event.target;
  if (typing(target)) {
    if (event.key === "Escape") target.blur();
    if (event.key === "Enter" && event.ctrlKey) { event.preventDefault(); submitAnswer(); }
    return;
  }
  // Span keys first: Alt+arrows move by character (and must not go back in history).
  if (spans && spans.handleKey(event)) { event.preventDefault(); return; }
  if (event.ctrlKey || event.altKey) return;
  const key = event.key;
  if (/^[0-9]$/.test(key)) {
    if (spans ? spans.applyHotkey(key) : chooseLabel(key)) event.preventDefault();
    return;
  }
  if (key === "Enter") {
    if (target.matches("button, a, summary")) return; // let focused controls act
    event.preventDefault();
    submitAnswer();
  } else if ((key === "s" || key === "S") && document.getElementById("skip-modal")) {
    event.preventDefault(); openModal("skip-modal", "textarea");
  } else if ((key === "f" || key === "F") && document.getElementById("flag-modal")) {
    event.preventDefault(); openModal("flag-modal", "input[name=kind]");
  } else if ((key === "u" || key === "U") && root.dataset.undoUrl) {
    event.preventDefault(); window.location.assign(root.dataset.undoUrl);
  } else if (key === "g" || key === "G") {
    event.preventDefault(); openRulebook();
  } else if (key === "/") {
    event.preventDefault(); rulebook.focus();
  } else if (key === "?") {
    event.preventDefault(); openModal("help-modal", ".btn-close");
  } else if ((key === "r" || key === "R") && document.getElementById("reason")) {
    event.preventDefault(); document.getElementById("reason").focus();
  } else if (key === "t" || key === "T") {
    const box = document.getElementById("answer-text");
    if (box) { event.preventDefault(); box.focus(); }
  }
});

// A text answer box gets the focus at once: typing is the task.
const textBox = document.getElementById("answer-text");
if (textBox) textBox.focus();
