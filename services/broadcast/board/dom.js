// A tiny DOM builder. Text always goes in as text nodes, never as HTML, so names
// and notes entered by officials cannot inject markup.

/**
 * h("a", {href: "#/x", class: "tab"}, "text", child, [more, children])
 * Attributes: `class`, `dataset` (object), `style` (object), `on<event>` (function),
 * booleans (true sets an empty attribute, false/null/undefined leave it out), others as text.
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "style") {
      for (const [property, setting] of Object.entries(value)) {
        element.style.setProperty(property, setting);
      }
    } else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(element, child);
    } else if (child instanceof Node) {
      element.append(child);
    } else {
      element.append(document.createTextNode(String(child)));
    }
  }
}

/** Replaces everything inside `element` with `children`. */
export function replaceChildren(element, ...children) {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  element.replaceChildren(fragment);
}

/**
 * `render`, called at most once per animation frame however often the returned function
 * is: coalesces the burst of frames one result causes (two results, a dozen tables).
 * requestAnimationFrame pauses in a hidden tab; the page catches up when shown.
 */
export function onNextFrame(render) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
}
