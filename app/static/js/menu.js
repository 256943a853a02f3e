// The top bar's 菜单 button on a phone: a checkbox and its label work without script; this makes the label a
// proper button for screen readers and the keyboard (aria-expanded, Enter/Space, Escape closes).
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("menu-toggle");
  const button = document.querySelector("header.top .menu-button");
  if (!toggle || !button) return;
  const sync = () => button.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
  toggle.tabIndex = -1;
  toggle.setAttribute("aria-hidden", "true");
  button.setAttribute("role", "button");
  button.setAttribute("aria-controls", "site-menu");
  button.tabIndex = 0;
  sync();
  toggle.addEventListener("change", sync);
  button.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      toggle.checked = !toggle.checked;
      sync();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.checked) {
      toggle.checked = false;
      sync();
      button.focus();
    }
  });
});
