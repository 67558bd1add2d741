// The one DOM helper of the screens: find an element by id, or build one in an expression.

/** The element with this id (index.html, or built by a screen before it looks it up). */
export const $ = (id) => document.getElementById(id);

/**
 * A new element. `props` are its properties (`textContent`, `className`, `htmlFor`,
 * `onclick`…), except that a name with a dash (`aria-label`, `data-kind`) is set as an
 * attribute; `children` are appended, strings as text.
 */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name.includes('-')) element.setAttribute(name, value);
    else element[name] = value;
  }
  element.append(...children);
  return element;
}
