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

// Say something to screen readers without moving focus (the polite live region in base.html).
function announce(message) {
  const region = document.getElementById("live-region");
  if (!region) {
    return;
  }
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

// "Min institution": after a change in place, focus goes back to the control that was used
// in the row that replaced it, and what was saved is said aloud and shown in the row.
let lastUse = null;

document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt;
  if (!form.classList || !form.classList.contains("progress-form")) {
    return;
  }
  const submitter = event.detail.requestConfig.triggeringEvent?.submitter;
  lastUse = {
    row: form.closest(".progress-row")?.id,
    value: submitter?.value,
    note: submitter?.classList.contains("save-note") ?? false,
    message: null,
  };
});

document.addEventListener("progress-saved", (event) => {
  if (lastUse) {
    lastUse.message = event.detail.message; // said once the row is back and focused
  }
});

document.addEventListener("htmx:afterSettle", () => {
  if (!lastUse || !lastUse.row) {
    return;
  }
  const row = document.getElementById(lastUse.row);
  const use = lastUse;
  lastUse = null;
  if (!row) {
    return;
  }
  const control = use.note
    ? row.querySelector(".save-note")
    : row.querySelector(`.status-buttons button[value="${use.value}"]`);
  if (use.note) {
    row.querySelector(".progress-note")?.setAttribute("open", "");
  }
  (control || row.querySelector("button, a"))?.focus();
  if (use.message) {
    announce(use.message);
    const saved = document.createElement("p");
    saved.className = "progress-saved";
    saved.textContent = use.message;
    row.querySelector(".progress-status")?.after(saved);
  }
  const invalid = row.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
  }
});

// A plain click on a link matching `links` inside a `target` is taken over, to load the link's
// page into that target in place; the link and its target, or null when the browser should
// follow the link (no htmx, another button, a modifier key for a new tab).
function inPlace(event, links, target) {
  const link = event.target.closest(links);
  const into = link?.closest(target);
  if (!into || !window.htmx || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
    return null;
  }
  event.preventDefault();
  return { link, into };
}

// The strategy page's "Redigér" opens the item's form in its place, with the focus in its first
// field; without JavaScript (or opened in a new tab) the link shows the form on a page of its
// own. One listener for every item, so the page carries no request details per item.
document.addEventListener("click", (event) => {
  const clicked = inPlace(event, "a.edit-link", "[id^='item-']");
  if (clicked) {
    const { link, into } = clicked;
    window.htmx.ajax("GET", link.href, { source: link, target: into, swap: "outerHTML" });
  }
});

// "Min institution" with many actions: a domain's "Show the actions" brings its rows into the
// page in place, and the focus goes to the domain's heading, from where Tab reaches its rows.
// Without JavaScript (or opened in a new tab) the link shows the page with that domain open.
document.addEventListener("click", (event) => {
  const clicked = inPlace(event, "a.open-domain", "section.domain");
  if (clicked) {
    const { link, into: section } = clicked;
    link.setAttribute("aria-disabled", "true");
    window.htmx
      .ajax("GET", link.href, { source: link, target: section, swap: "outerHTML", select: `#${section.id}` })
      .then(() => document.getElementById(`${section.id}-heading`)?.focus());
  }
});

// "Ikke relevant" asks why first: the reason field opens (it is hidden until needed) and takes
// the focus; Enter in it sets the status to "not relevant".
document.addEventListener("click", (event) => {
  const button = event.target.closest(".status-buttons button[value='not_relevant']");
  if (!button) {
    return;
  }
  const field = button.form.querySelector(".progress-reason-field");
  const input = field?.querySelector("input");
  if (field && input && (field.hidden || !input.value.trim())) {
    event.preventDefault();
    field.hidden = false;
    input.focus();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !event.target.matches(".progress-reason-field input")) {
    return;
  }
  event.preventDefault();
  event.target.form.querySelector(".status-buttons button[value='not_relevant']")?.click();
});

// A form that comes back with errors: its error summary takes the focus, so the person hears
// what to fix and can follow the links to the fields.
function focusErrorSummary(root) {
  const summary = root.querySelector?.(".error-summary");
  if (summary) {
    summary.focus();
  }
}

document.addEventListener("DOMContentLoaded", () => focusErrorSummary(document));
document.addEventListener("htmx:afterSettle", (event) => focusErrorSummary(event.detail.elt));

// A table wider than the screen scrolls inside its box; say so above it, and name the box
// after the table's caption for those who reach it with Tab.
function markWideTables(root) {
  root.querySelectorAll?.(".table--responsive-scroll").forEach((box) => {
    const hint = box.dataset.scrollHint || document.body.dataset.scrollHint;
    const caption = box.querySelector("caption");
    if (caption && !box.hasAttribute("aria-label")) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", caption.textContent.trim());
    }
    const wide = box.scrollWidth > box.clientWidth + 1;
    const shown = box.previousElementSibling?.classList.contains("scroll-hint");
    if (wide && !shown && hint) {
      const note = document.createElement("p");
      note.className = "scroll-hint";
      note.textContent = hint;
      box.before(note);
    } else if (!wide && shown) {
      box.previousElementSibling.remove();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => markWideTables(document));
window.addEventListener("resize", () => markWideTables(document));
document.addEventListener("htmx:afterSettle", (event) => markWideTables(event.detail.elt));

// The strategy page's in-place edits keep people where they were: "Redigér" puts focus in the
// form's first field; saving or cancelling puts it back on the item's "Redigér"; moving keeps it
// on the same button of the moved item. What happened is said aloud (data-announce).
let pendingFocus = null;

document.addEventListener("htmx:beforeRequest", (event) => {
  const trigger = event.detail.requestConfig?.triggeringEvent;
  const source = trigger?.submitter || event.detail.elt;
  const key = source?.classList?.contains("edit-link")
    ? "first-field"
    : source?.dataset?.focusAfter || source?.dataset?.focusKey;
  pendingFocus = key ? { key, announce: source.dataset.announce, target: event.detail.target?.id } : null;
});

document.addEventListener("htmx:afterSettle", () => {
  if (!pendingFocus) {
    return;
  }
  const { key, announce: message, target } = pendingFocus;
  pendingFocus = null;
  const swapped = target ? document.getElementById(target) : null;
  if (swapped?.querySelector(".error-summary")) {
    return; // the error summary has the focus
  }
  // "edit-<kind>-<pk>" is the item's own "Redigér", found by the item's id.
  const element =
    key === "first-field"
      ? swapped?.querySelector("input:not([type=hidden]), textarea, select")
      : document.querySelector(`[data-focus-key="${key}"]`) ||
        (key.startsWith("edit-") ? document.querySelector(`#item-${key.slice(5)} .edit-link`) : null);
  element?.focus();
  if (message) {
    announce(message);
  }
});

// A request that takes a while (a report made in place) says so on its button at once.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (!button?.dataset.busyLabel) {
    return;
  }
  button.textContent = button.dataset.busyLabel;
  button.setAttribute("aria-disabled", "true");
  window.setTimeout(() => {
    button.disabled = true; // after the form has taken the button's value
  });
});
