// The little JavaScript the console uses: confirm before removing, and forms whose target
// depends on a chosen item (data-action="/path/{n}/delete" on the <select>).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const select = form.querySelector("select[data-action]");
  if (select) form.action = select.dataset.action.replace("{n}", encodeURIComponent(select.value));
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
