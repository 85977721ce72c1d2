// Span (entity) marking: select with the mouse, or move word by word with the arrow keys and
// extend with Shift; a label key marks the selection. Offsets are in Unicode code points, the
// same as Python's string indices, so the server checks exactly what the annotator saw.

export function initSpans() {
  const box = document.getElementById("span-text");
  const input = document.getElementById("spans-input");
  const list = document.getElementById("span-list");
  const chars = Array.from(box.textContent);
  const labels = new Map();
  document.querySelectorAll(".span-label").forEach((button) => {
    labels.set(button.dataset.label, button);
    button.addEventListener("click", () => mark(button.dataset.label));
  });
  const tokens = [];
  for (let i = 0; i < chars.length;) {
    if (/\s/u.test(chars[i])) { i += 1; continue; }
    let j = i;
    while (j < chars.length && !/\s/u.test(chars[j])) j += 1;
    tokens.push([i, j]);
    i = j;
  }
  let spans = [];
  let cursor = tokens.length ? 0 : -1;
  let anchor = null;          // token index where a Shift-selection started
  let mouseRange = null;      // [start, end] from a mouse selection

  function keyboardRange() {
    if (cursor < 0) return null;
    const from = anchor === null ? cursor : Math.min(anchor, cursor);
    const to = anchor === null ? cursor : Math.max(anchor, cursor);
    return [tokens[from][0], tokens[to][1]];
  }

  function spanAt(position) {
    return spans.find((s) => s.start <= position && position < s.end);
  }

  function render() {
    const cuts = new Set([0, chars.length]);
    tokens.forEach(([a, b]) => { cuts.add(a); cuts.add(b); });
    spans.forEach((s) => { cuts.add(s.start); cuts.add(s.end); });
    if (mouseRange) { cuts.add(mouseRange[0]); cuts.add(mouseRange[1]); }
    const points = [...cuts].sort((a, b) => a - b);
    const selected = mouseRange || (anchor !== null ? keyboardRange() : null);
    const current = cursor >= 0 ? tokens[cursor] : null;
    box.replaceChildren();
    for (let k = 0; k < points.length - 1; k += 1) {
      const [a, b] = [points[k], points[k + 1]];
      const piece = document.createElement("span");
      piece.textContent = chars.slice(a, b).join("");
      const span = spanAt(a);
      if (span) {
        piece.classList.add("ent", `ent-${labels.get(span.label)?.dataset.color ?? 0}`);
        piece.title = span.label;
        if (b === span.end) piece.dataset.label = span.label;
      }
      if (selected && a >= selected[0] && b <= selected[1]) piece.classList.add("sel");
      if (current && a >= current[0] && b <= current[1]) piece.classList.add("cur");
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
      remove.setAttribute("aria-label", `remove ${s.label} ${n + 1}`);
      remove.addEventListener("click", () => { spans.splice(n, 1); render(); });
      item.append(tag, text, remove);
      return item;
    }));
  }

  function mark(label) {
    const range = mouseRange || keyboardRange();
    if (!range || !labels.has(label)) return false;
    let [start, end] = range;
    while (start < end && /\s/u.test(chars[start])) start += 1;
    while (end > start && /\s/u.test(chars[end - 1])) end -= 1;
    if (start >= end) return false;
    spans = spans.filter((s) => s.end <= start || s.start >= end);
    spans.push({ start, end, label });
    spans.sort((x, y) => x.start - y.start);
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

  box.addEventListener("mouseup", () => {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return;
    const start = offsetOf(range.startContainer, range.startOffset);
    const end = offsetOf(range.endContainer, range.endOffset);
    if (end > start) {
      mouseRange = [start, end];
      const hit = tokens.findIndex(([a, b]) => a <= start && start < b);
      if (hit >= 0) cursor = hit;
      anchor = null;
      render();
    }
  });

  function handleKey(event) {
    if (cursor < 0) return false;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const step = event.key === "ArrowRight" ? 1 : -1;
      if (event.shiftKey && anchor === null) anchor = cursor;
      if (!event.shiftKey) anchor = null;
      mouseRange = null;
      cursor = Math.max(0, Math.min(tokens.length - 1, cursor + step));
      render();
      return true;
    }
    if (event.key === "Delete" || event.key === "Backspace") {
      const hit = spanAt(tokens[cursor][0]);
      if (hit) { spans = spans.filter((s) => s !== hit); render(); }
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
