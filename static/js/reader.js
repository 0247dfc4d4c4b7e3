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

  openMarginNotes();
  showTarget();
  wide.addEventListener("change", openMarginNotes);
  window.addEventListener("hashchange", showTarget);
})();
