// Toolbar drop-downs (mode and cluster selectors) navigate to the chosen page.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-navigate]");
  if (select && select.value) window.location.assign(select.value);
});
