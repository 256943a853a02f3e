// 全部出席: tick 出席 for everyone on the attendance sheet without a round trip. Without JS the button posts
// and the server shows the same sheet with everyone 出席, unsaved.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-all-present]");
  if (!button) return;
  event.preventDefault();
  button.form.querySelectorAll('input[type=radio][data-status="PRESENT"]:not([disabled])').forEach(function (radio) {
    radio.checked = true;
  });
});

// 未签到的标为缺席 and other buttons that change many rows at once: ask first.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
});
