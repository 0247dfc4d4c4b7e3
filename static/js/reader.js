// The reader: open notes in the margin on wide screens; mark the passage a permalink names.
(function () {
  "use strict";
  const wide = window.matchMedia("(min-width: 70rem)");

  function openMarginNotes() {
    document.querySelectorAll("details.note").forEach((note) => { note.open = wide.matches; });
  }

  function showTarget() {
    document.querySelectorAll(".is-target").forEach((el) => el.classList.remove("is-target"));
    const match = /^#a-([0-9a-f-]{36})$/.exec(window.location.hash);
    if (!match) return;
    const key = match[1];
    document.querySelectorAll(`mark[data-a="${key}"]`).forEach((el) => el.classList.add("is-target"));
    const note = document.getElementById(`note-${key}`);
    if (note) { note.open = true; note.classList.add("is-target"); }
  }

  // A highlight that is not itself a link (an event account, a quotation, a correction)
  // leads to its note, where its links are.
  document.addEventListener("click", (event) => {
    if (event.target.closest("a")) return;
    const mark = event.target.closest('mark[data-note="1"]');
    if (!mark) return;
    const note = document.getElementById(`note-${mark.dataset.a}`);
    if (!note) return;
    note.open = true;
    note.scrollIntoView({ block: "nearest" });
    note.querySelector("summary").focus({ preventScroll: true });
  });

  openMarginNotes();
  showTarget();
  wide.addEventListener("change", openMarginNotes);
  window.addEventListener("hashchange", showTarget);
})();
