// The labeling screen's rulebook panel: a search box over the clauses ("/" focuses it). Each
// clause matches on its key, title, rule and examples; matching clauses open, the others hide.
// Enter goes to the first match's cite box, Esc clears the search.

export function initRulebookPanel() {
  const search = document.getElementById("clause-search");
  if (!search) return { focus() {} };
  const none = document.getElementById("clause-none");
  const clauses = [...document.querySelectorAll("#rulebook .clause")].map((clause) => ({
    clause,
    details: clause.querySelector("details"),
    text: clause.textContent.replace(/\s+/gu, " ").toLocaleLowerCase(),
  }));

  function filter() {
    const words = search.value.toLocaleLowerCase().split(/\s+/u).filter(Boolean);
    let shown = 0;
    clauses.forEach(({ clause, details, text }) => {
      const match = words.every((word) => text.includes(word));
      clause.hidden = !match;
      if (match) shown += 1;
      if (details) details.open = match && words.length > 0;
    });
    none.hidden = shown > 0;
  }

  search.addEventListener("input", filter);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const first = clauses.find(({ clause }) => !clause.hidden);
      if (first) first.clause.querySelector(".clause-cite").focus();
    } else if (event.key === "Escape" && search.value) {
      search.value = "";
      filter();
    }
  });

  return {
    focus() {
      search.scrollIntoView({ block: "nearest" });
      search.focus();
      search.select();
    },
  };
}
