// Start Det Fælles Designsystem's components once the page is parsed.
document.addEventListener("DOMContentLoaded", () => {
  if (window.DKFDS) {
    window.DKFDS.init();
  }
});

// Refused changes (400 bad input, 409 someone else changed it) come back as pages that say
// why; show them in place like any other answer.
if (window.htmx) {
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "40[09]", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
}
