// Toolbar drop-downs (mode and cluster selectors) navigate to the chosen page.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-navigate]");
  if (select && select.value) window.location.assign(select.value);
  const box = event.target.closest("input[data-reveals]");
  if (box) reveal(box);
});

// "Set Up Individually": a server's own values show only when its box is checked.
function reveal(box) {
  const target = document.getElementById(box.dataset.reveals);
  if (target) target.hidden = !box.checked;
}
function revealAll(root) {
  root.querySelectorAll("input[data-reveals]").forEach(reveal);
}
document.addEventListener("DOMContentLoaded", () => revealAll(document));
document.addEventListener("htmx:afterSettle", (event) => revealAll(event.target));
// After an htmx Add, a form that succeeded comes back empty; nothing else on the page changes.

// Confirmations in the product's manner ("Are you sure you want to stop the cluster?"): a button or form with
// data-confirm asks first; Cancel sends nothing (htmx's own handler never sees the submit).
document.addEventListener(
  "submit",
  (event) => {
    const asker =
      (event.submitter && event.submitter.closest("[data-confirm]")) || event.target.closest("form[data-confirm]");
    if (!asker) return;
    const choice = asker.dataset.choice && document.getElementById(asker.dataset.choice);
    // A bare data-confirm asks in the words of the button's name (kept short in the polled status).
    const name = asker.getAttribute("aria-label") || asker.textContent.trim();
    const question =
      asker.dataset.confirm ||
      `Are you sure you want to ${name.charAt(0).toLowerCase()}${name.slice(1)}${choice ? ` to ${choice.value}` : ""}?`;
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);
