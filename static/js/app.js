// Start Det Fælles Designsystem's components once the page is parsed.
document.addEventListener("DOMContentLoaded", () => {
  if (window.DKFDS) {
    window.DKFDS.init();
  }
});
