// Span (entity) marking. The server sends the text's tokens (jieba words for Chinese, words
// and punctuation marks for other scripts, or single characters when the project asks): the
// arrow keys move token by token, Alt+arrows character by character, Shift extends; a mouse
// selection grows to whole tokens unless the project allows character precision. A label key
// marks the selection. Offsets are in Unicode code points, the same as Python's string
// indices, so the server checks exactly what the annotator saw.

const SPACE = /\s/u;

function whitespaceTokens(chars) {
  const tokens = [];
  for (let i = 0; i < chars.length;) {
    if (SPACE.test(chars[i])) { i += 1; continue; }
    let j = i;
    while (j < chars.length && !SPACE.test(chars[j])) j += 1;
    tokens.push([i, j]);
    i = j;
  }
  return tokens;
}

function readTokens(box, chars) {
  try {
    const tokens = JSON.parse(box.dataset.tokens || "null");
    let last = 0;
    const valid = Array.isArray(tokens) && tokens.every((t) => {
      const ok = Array.isArray(t) && Number.isInteger(t[0]) && Number.isInteger(t[1])
        && last <= t[0] && t[0] < t[1] && t[1] <= chars.length;
      if (ok) last = t[1];
      return ok;
    });
    if (valid) return tokens;
  } catch (error) { /* fall back below */ }
  return whitespaceTokens(chars);
}

export function initSpans() {
  const box = document.getElementById("span-text");
  const input = document.getElementById("spans-input");
  const list = document.getElementById("span-list");
  const notice = document.getElementById("span-notice");
  const chars = Array.from(box.textContent);
  const tokens = readTokens(box, chars);
  const snapToTokens = box.dataset.snap !== "char";
  const overlapAllowed = box.dataset.overlap === "true";
  const labels = new Map();
  document.querySelectorAll(".span-label").forEach((button) => {
    labels.set(button.dataset.label, button);
    button.addEventListener("click", () => mark(button.dataset.label));
  });
  let spans = [];
  try { // spans given by the server: an annotation reopened for editing, or a model's suggestion
    const saved = JSON.parse(input.value || "[]");
    if (Array.isArray(saved)) {
      spans = saved.filter((s) => s && Number.isInteger(s.start) && Number.isInteger(s.end) &&
        0 <= s.start && s.start < s.end && s.end <= chars.length && labels.has(s.label));
    }
  } catch (error) { spans = []; }
  let cursor = tokens.length ? [...tokens[0]] : null; // the current unit: a token or a character
  let anchor = null;          // the unit where a Shift-selection started
  let mouseRange = null;      // [start, end] from a mouse selection

  function keyboardRange() {
    if (!cursor) return null;
    if (!anchor) return cursor;
    return [Math.min(anchor[0], cursor[0]), Math.max(anchor[1], cursor[1])];
  }

  function covering(a, b) {
    return spans.filter((s) => s.start <= a && b <= s.end)
      .sort((x, y) => (x.end - x.start) - (y.end - y.start));
  }

  function say(message) {
    notice.textContent = message || "";
    notice.hidden = !message;
  }

  function render() {
    const cuts = new Set([0, chars.length]);
    tokens.forEach(([a, b]) => { cuts.add(a); cuts.add(b); });
    spans.forEach((s) => { cuts.add(s.start); cuts.add(s.end); });
    [mouseRange, cursor].forEach((r) => { if (r) { cuts.add(r[0]); cuts.add(r[1]); } });
    const points = [...cuts].sort((a, b) => a - b);
    const selected = mouseRange || (anchor ? keyboardRange() : null);
    box.replaceChildren();
    for (let k = 0; k < points.length - 1; k += 1) {
      const [a, b] = [points[k], points[k + 1]];
      const piece = document.createElement("span");
      piece.textContent = chars.slice(a, b).join("");
      const over = covering(a, b);
      if (over.length) {
        const span = over[0];
        piece.classList.add("ent", `ent-${labels.get(span.label)?.dataset.color ?? 0}`);
        if (over.length > 1) piece.classList.add("ent-overlap");
        piece.title = over.map((s) => s.label).join(" + ");
        const ending = over.filter((s) => s.end === b).map((s) => s.label);
        if (ending.length) piece.dataset.label = ending.join(" ");
      }
      if (selected && a >= selected[0] && b <= selected[1]) piece.classList.add("sel");
      if (cursor && a >= cursor[0] && b <= cursor[1]) piece.classList.add("cur");
      box.appendChild(piece);
    }
    input.value = JSON.stringify(spans);
    list.replaceChildren(...spans.map((s, n) => {
      const item = document.createElement("li");
      const tag = document.createElement("span");
      tag.className = `badge ent-badge ent-${labels.get(s.label)?.dataset.color ?? 0} me-1`;
      tag.textContent = s.label;
      const text = document.createElement("span");
      text.textContent = `“${chars.slice(s.start, s.end).join("")}” (${s.start}–${s.end}) `;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-link btn-sm p-0";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `${list.dataset.removeLabel || "remove"} ${s.label} ${n + 1}`);
      remove.addEventListener("click", () => { spans.splice(n, 1); render(); });
      item.append(tag, text, remove);
      return item;
    }));
  }

  function mark(label) {
    const range = mouseRange || keyboardRange();
    if (!range || !labels.has(label)) return false;
    let [start, end] = range;
    while (start < end && SPACE.test(chars[start])) start += 1;
    while (end > start && SPACE.test(chars[end - 1])) end -= 1;
    if (start >= end) return false;
    const same = spans.filter((s) => s.start === start && s.end === end);
    const clash = spans.filter((s) => s.start < end && start < s.end && !same.includes(s));
    if (!overlapAllowed && clash.length) {
      say(notice.dataset.overlap);
      return true;
    }
    if (overlapAllowed) {
      if (!same.some((s) => s.label === label)) spans.push({ start, end, label });
    } else if (same.length) {
      same[0].label = label; // the same words again: a new label replaces the old
    } else {
      spans.push({ start, end, label });
    }
    spans.sort((x, y) => x.start - y.start || x.end - y.end);
    say("");
    mouseRange = null;
    anchor = null;
    window.getSelection().removeAllRanges();
    render();
    return true;
  }

  function offsetOf(node, offset) {
    const range = document.createRange();
    range.setStart(box, 0);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  }

  // A mouse selection grows to the tokens it touches (whitespace at either end is dropped).
  function snap(start, end) {
    while (start < end && SPACE.test(chars[start])) start += 1;
    while (end > start && SPACE.test(chars[end - 1])) end -= 1;
    if (start >= end) return null;
    if (!snapToTokens) return [start, end];
    const first = tokens.find(([, b]) => b > start);
    const last = [...tokens].reverse().find(([a]) => a < end);
    if (!first || !last) return [start, end];
    return [Math.min(first[0], start), Math.max(last[1], end)];
  }

  box.addEventListener("mouseup", () => {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return;
    const snapped = snap(
      offsetOf(range.startContainer, range.startOffset),
      offsetOf(range.endContainer, range.endOffset),
    );
    if (!snapped) return;
    mouseRange = snapped;
    const hit = tokens.find(([a, b]) => a <= snapped[0] && snapped[0] < b);
    if (hit) cursor = [...hit];
    anchor = null;
    render();
  });

  function moveByToken(step) {
    const next = step > 0
      ? tokens.find(([a]) => a > cursor[0])
      : [...tokens].reverse().find(([a]) => a < cursor[0]);
    if (next) cursor = [...next];
  }

  function moveByCharacter(step) {
    let p = cursor[0] + step;
    while (p >= 0 && p < chars.length && SPACE.test(chars[p])) p += step;
    if (p >= 0 && p < chars.length) cursor = [p, p + 1];
  }

  function handleKey(event) {
    if (!cursor) return false;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      if (event.ctrlKey || event.metaKey) return false;
      const step = event.key === "ArrowRight" ? 1 : -1;
      if (event.shiftKey && !anchor) anchor = [...cursor];
      if (!event.shiftKey) anchor = null;
      mouseRange = null;
      if (event.altKey) moveByCharacter(step); else moveByToken(step);
      render();
      return true;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return false;
    if (event.key === "Delete" || event.key === "Backspace") {
      const hit = covering(cursor[0], cursor[0] + 1)[0];
      if (hit) { spans = spans.filter((s) => s !== hit); say(""); render(); }
      return true;
    }
    return false;
  }

  function applyHotkey(key) {
    const button = [...labels.values()].find((b) => b.dataset.hotkey === key);
    return button ? mark(button.dataset.label) : false;
  }

  render();
  return { handleKey, applyHotkey, spans: () => spans };
}
