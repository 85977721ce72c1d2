/* Review screen keyboard: C correct, X incorrect (then 1–9 choose the correction; E and K step
 * through the pre-filled error type and clause, Shift backwards), P prohibited content, Enter
 * records the open verdict, Esc goes back. A form project (several questions): after X, digit n
 * marks answer n wrong and moves into its correction, where a digit chooses the correct answer
 * (then back out; Esc leaves a correction). Also shows only the draw-plan fields
 * that the chosen method uses. Without JavaScript every control still works as a plain form. */
(function () {
  "use strict";

  function typing(target) {
    return target && (target.tagName === "TEXTAREA" || target.tagName === "SELECT" ||
      (target.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(target.type)));
  }

  function setupReview(form) {
    const panels = {
      incorrect: document.getElementById("correction"),
      prohibited: document.getElementById("prohibited"),
    };
    let mode = null;
    let sent = false;
    const questions = form.querySelector("#form-corrections");

    // A form project: show the correction of the answers marked wrong only.
    function sync() {
      for (const toggle of form.querySelectorAll("input[name=wrong]")) {
        const fix = form.querySelector(`[data-fix-for="${toggle.value}"]`);
        if (fix) fix.hidden = !toggle.checked;
      }
    }

    function formDigit(key, event) {
      const group = event.target.closest && event.target.closest("[data-fix-for]");
      if (group) {  // inside a correction: the digit chooses the correct answer
        const input = group.querySelector(`input[data-hotkey="${key}"]`);
        if (!input) return;
        event.preventDefault();
        input.checked = input.type === "checkbox" ? !input.checked : true;
        if (input.type === "radio") document.getElementById(`wrong-${group.dataset.fixFor}`).focus();
        else input.focus();
        return;
      }
      const toggle = form.querySelector(`input[name=wrong][data-question-hotkey="${key}"]`);
      if (!toggle) return;
      event.preventDefault();
      toggle.checked = !toggle.checked;
      sync();
      const fix = form.querySelector(`[data-fix-for="${toggle.value}"]`);
      const first = toggle.checked && fix && fix.querySelector("input:checked, input, textarea");
      (first || toggle).focus();
    }

    function show(next) {
      mode = next;
      for (const [name, panel] of Object.entries(panels)) {
        if (panel) panel.hidden = name !== next;
      }
      const openers = {
        incorrect: document.getElementById("verdict-incorrect-open"),
        prohibited: document.getElementById("verdict-prohibited-open"),
      };
      for (const [name, button] of Object.entries(openers)) {
        if (button) button.setAttribute("aria-expanded", String(name === next));
      }
      if (next === "incorrect") {
        const first = panels.incorrect.querySelector("input[name=corrected]:checked, input[name=corrected], textarea[name=corrected], input[name=wrong]");
        if (first) first.focus();
      } else if (next === "prohibited") {
        document.getElementById("verdict-prohibited").focus();
      }
    }

    function submit(verdict) {
      if (sent) return;  // one submit per page: a double key press must not post twice
      const button = form.querySelector(`button[type=submit][value=${verdict}]`);
      if (!button) return;
      sent = true;
      form.requestSubmit(button);
    }

    form.addEventListener("submit", () => { sent = true; });
    // After a refused submit, reopen the panel of the verdict the reviewer was recording.
    const posted = form.dataset.posted;
    show(posted === "incorrect" || posted === "prohibited" ? posted : null);
    document.getElementById("verdict-incorrect-open").addEventListener("click", () => show("incorrect"));
    document.getElementById("verdict-prohibited-open").addEventListener("click", () => show("prohibited"));
    if (questions) {
      questions.addEventListener("change", sync);
      sync();
    }

    document.addEventListener("keydown", (event) => {
      if (event.altKey || event.metaKey) return;
      const key = event.key;
      if (key === "Enter" && (event.ctrlKey || !typing(event.target) || event.target.tagName === "SELECT")) {
        if (event.target.tagName === "BUTTON" && !event.ctrlKey) return;  // the focused button acts
        event.preventDefault();
        if (mode) submit(mode);
        return;
      }
      const group = questions && event.target.closest && event.target.closest("[data-fix-for]");
      if (group && key === "Escape") {  // leave the correction, not the panel
        event.preventDefault();
        document.getElementById(`wrong-${group.dataset.fixFor}`).focus();
        return;
      }
      if (event.ctrlKey || typing(event.target)) return;
      const lower = key.toLowerCase();
      if (lower === "c" && !mode) { event.preventDefault(); submit("correct"); }
      else if (lower === "x") { event.preventDefault(); show("incorrect"); }
      else if (lower === "p") { event.preventDefault(); show("prohibited"); }
      else if (key === "Escape") { event.preventDefault(); show(null); }
      else if (mode === "incorrect" && (lower === "e" || lower === "k")) {
        const select = form.querySelector(`select[data-cycle-key="${lower}"]`);
        if (select && select.options.length > 1) {
          event.preventDefault();
          // Step through the real choices (index 0 is the empty "choose" entry), wrapping.
          const n = select.options.length - 1;
          const at = Math.max(select.selectedIndex, event.shiftKey ? 1 : 0);
          select.selectedIndex = ((at - 1 + (event.shiftKey ? -1 : 1) + n) % n) + 1;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }
      else if (mode === "incorrect" && questions && /^[0-9]$/.test(key)) formDigit(key, event);
      else if (mode === "incorrect" && /^[0-9]$/.test(key)) {
        const input = form.querySelector(`input[name=corrected][data-hotkey="${key}"]`);
        if (input) {
          event.preventDefault();
          input.checked = input.type === "checkbox" ? !input.checked : true;
          input.focus();
        }
      }
    });
  }

  function setupDraw(form) {
    const method = form.querySelector("[name=method]");
    function update() {
      for (const block of form.querySelectorAll("[data-for]")) {
        block.hidden = !block.dataset.for.split(" ").includes(method.value);
      }
    }
    method.addEventListener("change", update);
    update();
  }

  const review = document.getElementById("review-form");
  if (review) setupReview(review);
  const draw = document.getElementById("draw-form");
  if (draw) setupDraw(draw);
})();
