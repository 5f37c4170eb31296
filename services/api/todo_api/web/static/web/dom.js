// Tiny DOM helpers. Every user-supplied string goes in through textContent or an attribute
// value, never through innerHTML, so a title like <img src=x onerror=alert(1)> stays text.

/**
 * Create an element: h("button", {type: "button", "aria-label": "Delete"}, "Delete").
 * Attributes named on* are refused (no inline handlers); use el.addEventListener.
 * Children are nodes or strings (strings become text nodes); null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.toLowerCase().startsWith("on")) throw new Error(`no inline handlers: ${name}`);
    if (name === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of el. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** The page's configuration, rendered by Django with json_script. */
export function pageConfig() {
  return JSON.parse(document.getElementById("page-config").textContent);
}

/** Show (or with null, hide) the page's error banner; it is a role=alert live region. */
export function showError(message) {
  const banner = document.getElementById("error-banner");
  if (!banner) return;
  banner.querySelector(".error-text").textContent = message || "";
  banner.hidden = !message;
}

/** Wire the error banner's dismiss button. */
export function initErrorBanner() {
  const banner = document.getElementById("error-banner");
  banner?.querySelector("button")?.addEventListener("click", () => showError(null));
}
