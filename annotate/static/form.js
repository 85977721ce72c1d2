// Keyboard answering of a form project's questions (annotator/_form.html). Loaded before
// labeling.js, which keeps skip, flag, undo, rulebook and help: a key handled here is
// marked handled (preventDefault), so labeling.js leaves it alone.
// Tab / ↑ ↓ (← →) move between the questions shown; the question in focus takes the number
// (hotkey) keys, a choice moves on to the next question; Enter submits once every required
// question shown is answered, else the missing ones are highlighted and the first is focused.
const form = document.getElementById("answer-form");
const questions = [...document.querySelectorAll(".form-question")];
const openedAt = performance.now();
let current = null;

function spanInput(q) { return q.querySelector("input[type=hidden]"); }
function spansOf(q) {
  try { return JSON.parse(spanInput(q).value || "[]"); } catch { return []; }
}

function answerOf(q) {
  const type = q.dataset.type;
  if (type === "text") {
    const text = q.querySelector("textarea").value.trim();
    return text === "" ? null : text;
  }
  if (type === "span") return spansOf(q);
  const checked = [...q.querySelectorAll("input:checked")].map((i) => i.value);
  if (type === "multi_label") return checked.length ? checked : null;
  if (!checked.length) return null;
  return type === "rating" ? Number(checked[0]) : checked[0];
}

// The same test as the server's Condition.holds (services/projects/questions.py).
function holds(cond, answer) {
  if (answer === null || answer === undefined) return false;
  const v = cond.value;
  switch (cond.op) {
    case "contains": return Array.isArray(answer) && answer.includes(v);
    case "in": return Array.isArray(v) && v.includes(answer);
    case "==": return answer === v;
    case "!=": return answer !== v;
    case "<": return answer < v;
    case "<=": return answer <= v;
    case ">": return answer > v;
    case ">=": return answer >= v;
    default: return false;
  }
}

// Show the questions whose condition holds; a hidden question's inputs are not sent.
function refresh() {
  const answers = {};
  questions.forEach((q) => {
    const cond = q.dataset.showIf ? JSON.parse(q.dataset.showIf) : null;
    const shown = !cond || holds(cond, answers[cond.question]);
    q.hidden = !shown;
    q.querySelectorAll("input, textarea").forEach((i) => { i.disabled = !shown; });
    if (shown) answers[q.dataset.key] = answerOf(q);
  });
}

function shownQuestions() { return questions.filter((q) => !q.hidden); }

function focusQuestion(q) {
  if (!q) return;
  current = q;
  (q.dataset.type === "text" ? q.querySelector("textarea") : q).focus();
}

function move(step) {
  const list = shownQuestions();
  const at = list.indexOf(current);
  const next = at < 0 ? list[0] : list[Math.min(Math.max(at + step, 0), list.length - 1)];
  focusQuestion(next);
}

function mark(q, missing) {
  q.classList.toggle("is-missing", missing);
  q.querySelector(".form-question-missing").hidden = !missing;
}

function missingQuestions() {
  return shownQuestions().filter((q) => {
    if (q.dataset.required !== "true" || q.dataset.type === "span") return false;
    return answerOf(q) === null;
  });
}

function complete() {
  const missing = missingQuestions();
  questions.forEach((q) => mark(q, missing.includes(q)));
  if (missing.length) focusQuestion(missing[0]);
  return missing.length === 0;
}

function submitForm() {
  if (!complete()) return;
  document.getElementById("duration-ms").value = Math.round(performance.now() - openedAt);
  form.requestSubmit();
}

// ---- spans: select text of the field with the mouse, then a label key ----
function renderSpans(q) {
  const list = q.querySelector(".form-spans");
  const text = document.getElementById(`field-${q.dataset.field}`)?.textContent || "";
  list.replaceChildren(...spansOf(q).map((span, n) => {
    const li = document.createElement("li");
    li.textContent = `${span.label}: “${text.slice(span.start, span.end)}” `;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn-link btn-sm p-0";
    remove.textContent = list.dataset.removeLabel;
    remove.addEventListener("click", () => {
      const spans = spansOf(q);
      spans.splice(n, 1);
      spanInput(q).value = JSON.stringify(spans);
      renderSpans(q);
    });
    li.append(remove);
    return li;
  }));
}

function addSpan(q, label) {
  const field = document.getElementById(`field-${q.dataset.field}`);
  const selection = window.getSelection();
  if (!field || !selection.rangeCount || selection.isCollapsed) return false;
  const range = selection.getRangeAt(0);
  if (!field.contains(range.startContainer) || !field.contains(range.endContainer)) return false;
  const before = document.createRange();
  before.setStart(field, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const start = before.toString().length;
  const end = start + range.toString().length;
  const spans = spansOf(q);
  const overlap = spanInput(q).dataset.overlap === "true";
  if (!overlap && spans.some((s) => s.start < end && start < s.end)) return false;
  spans.push({ start, end, label });
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  spanInput(q).value = JSON.stringify(spans);
  selection.removeAllRanges();
  renderSpans(q);
  return true;
}

function choose(key) {
  const q = current && !current.hidden ? current : (missingQuestions()[0] || shownQuestions()[0]);
  if (!q) return false;
  if (q.dataset.type === "span") {
    const button = q.querySelector(`button[data-hotkey="${key}"]`);
    return button ? (addSpan(q, button.dataset.label), true) : false;
  }
  const input = q.querySelector(`input[data-hotkey="${key}"]`);
  if (!input) return false;
  input.checked = input.type === "checkbox" ? !input.checked : true;
  refresh();
  mark(q, false);
  if (input.type === "radio") {
    current = q;
    move(1);
  } else focusQuestion(q);
  return true;
}

function prefill() {
  if (!form.dataset.prefill) return;
  const value = JSON.parse(form.dataset.prefill).value || {};
  questions.forEach((q) => {
    let answer = value[q.dataset.key];
    if (answer === undefined || answer === null) return;
    if (q.dataset.type === "text") q.querySelector("textarea").value = answer;
    else if (q.dataset.type === "span") { spanInput(q).value = JSON.stringify(answer); renderSpans(q); }
    else {
      if (q.dataset.type === "pairwise") answer = answer.choice;
      const keys = (Array.isArray(answer) ? answer : [answer]).map(String);
      q.querySelectorAll("input").forEach((i) => { i.checked = keys.includes(i.value); });
    }
  });
}

questions.forEach((q) => {
  q.addEventListener("focusin", () => { current = q; });
  q.addEventListener("change", () => { refresh(); mark(q, false); });
  q.addEventListener("input", () => { refresh(); });
  q.querySelectorAll("button[data-label]").forEach((b) => {
    b.addEventListener("click", () => addSpan(q, b.dataset.label));
  });
});

form.addEventListener("submit", (event) => {
  if (!complete()) event.preventDefault(); // labeling.js then sends nothing
}, true);

function typing(target) {
  return target.matches("textarea, input[type=text], input[type=search], select");
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.metaKey || document.querySelector(".modal.show")) return;
  const target = event.target;
  const inQuestion = target.closest(".form-question");
  if (typing(target)) {
    if (!inQuestion) return;
    if (event.key === "Escape") { event.preventDefault(); target.blur(); current = inQuestion; }
    if (event.key === "Enter" && event.ctrlKey) { event.preventDefault(); submitForm(); }
    return;
  }
  if (event.ctrlKey || event.altKey) return;
  if (!inQuestion && target !== document.body && target !== form) return;
  const key = event.key;
  if (key.length === 1 && choose(key)) { event.preventDefault(); return; }
  if (key === "ArrowDown" || key === "ArrowRight") { event.preventDefault(); move(1); }
  else if (key === "ArrowUp" || key === "ArrowLeft") { event.preventDefault(); move(-1); }
  else if (key === "Enter") { event.preventDefault(); submitForm(); }
}, true);

prefill();
refresh();
focusQuestion(shownQuestions()[0]);
